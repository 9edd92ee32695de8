"""Serving stored files: as a download, or a PDF inline for the site's preview page.

Every route that hands out a file (documents, letters, minutes, packages) checks the permission
and audits in its service, then answers with `file_response`; the preview is the same route with
`inline=True` (one code path), audited as ``document.preview`` instead of a download.

An inline PDF may be framed by the site's own pages only (`X-Frame-Options: SAMEORIGIN`,
`frame-ancestors 'self'`; every other response keeps DENY / 'none'), is never sniffed as anything
else (`nosniff`) and may load nothing (`default-src 'none'`). No `sandbox`: Chromium's PDF
viewer refuses to run in a sandboxed document ("blocked by Chrome"); the file cannot be HTML
(uploads are checked for polyglots, ethics.uploads, and nosniff holds the type) and a PDF with
active content is never previewed (`previewable`).
"""

from __future__ import annotations

from typing import IO, Any

from django.http import FileResponse

PDF = "application/pdf"

#: The Content-Security-Policy of an inline file (the middleware leaves a set header alone).
INLINE_CSP = "default-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"


def previewable(content_type: str | None, quarantine: str = "") -> bool:
    """Only a PDF without quarantined active content opens in the browser; anything else is
    download-only."""
    return (content_type or "").split(";")[0].strip().lower() == PDF and not quarantine


def file_response(
    handle: IO[bytes], *, filename: str, content_type: str, inline: bool = False
) -> FileResponse:
    """The file as an attachment, or (`inline`, PDFs only: the caller asks `previewable`)
    shown in the browser, framable by the site's own preview page."""
    response = FileResponse(
        handle, as_attachment=not inline, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    if inline:
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = INLINE_CSP
        response["Cache-Control"] = "private, no-store"
    return response


def preview_context(
    *, title: Any, inline_url: str, download_url: str, back_url: str
) -> dict[str, Any]:
    """What templates/ethics/preview.html shows: the PDF in a frame, a download link, the way back."""
    return {
        "title": title,
        "inline_url": inline_url,
        "download_url": download_url,
        "back_url": back_url,
    }
