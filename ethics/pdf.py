"""The PDF engine every app uses: WeasyPrint, the CJK font and the base stylesheet.

Documents are rendered from templates under templates/pdf/ in Simplified Chinese. A person's name
is set in `<span class="name">`, which never breaks across lines (王建国, never 王建|国). Each carries a
verification hash (SHA-256 over the rendered content's identifying data, supplied by the caller)
that another committee can check. Rendering happens in Celery tasks, never in a request.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import translation

BASE_CSS = """
@page { size: A4; margin: 22mm 20mm 20mm 20mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 9pt; } }
html { font-family: %(font)s; font-size: 11pt; line-height: 1.6; color: #111; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 4mm 0; letter-spacing: 0.1em; }
h2 { font-size: 13pt; margin: 6mm 0 2mm 0; border-bottom: 0.4pt solid #444; }
table { width: 100%%; border-collapse: collapse; margin: 2mm 0; }
th, td { border: 0.4pt solid #666; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
th { background: #eee; }
.number { text-align: right; }
.meta { text-align: center; font-size: 10pt; margin-bottom: 6mm; }
.seal { margin-top: 14mm; text-align: right; }
.verify { margin-top: 10mm; font-size: 8pt; color: #444; word-break: break-all; }
.small { font-size: 8.5pt; }
.name { white-space: nowrap; }
.hash { font-family: monospace; font-size: 8pt; word-break: break-all; }
.qr { float: right; width: 26mm; height: 26mm; margin: 0 0 2mm 4mm; }
.qr svg { width: 26mm; height: 26mm; }
"""


def verification_hash(data: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of what a document certifies."""
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def qr_svg(text: str) -> str:
    """An inline SVG QR code of `text` (segno; error correction M) that scales to its box:
    WeasyPrint renders inline SVG, so a PDF template can embed it with `|safe`."""
    import segno

    svg: str = segno.make(text, error="m").svg_inline(scale=1, border=2, omitsize=True)
    return svg


def render(template_name: str, context: dict[str, Any], *, language: str = "zh-hans") -> bytes:
    """Render a template to PDF bytes in `language` with the CJK font."""
    from weasyprint import CSS, HTML  # imported lazily: heavy, and only workers need it

    with translation.override(language):
        html = render_to_string(template_name, {**context, "pdf_language": language})
    stylesheet = CSS(string=BASE_CSS % {"font": settings.PDF_FONT_FAMILY})
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[stylesheet]
    )
    return pdf
