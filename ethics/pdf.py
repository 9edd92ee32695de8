"""The PDF engine every app uses: WeasyPrint, the CJK font and the base stylesheet.

Documents are rendered from templates under templates/pdf/ in Simplified Chinese. A person's name
is set in `<span class="name">`, which never breaks across lines (王建国, never 王建|国). Each carries a
verification hash (SHA-256 over the rendered content's identifying data, supplied by the caller)
that another committee can check. Rendering happens in Celery tasks, never in a request.
"""

from __future__ import annotations

import hashlib
import json
import threading
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


def _html(template_name: str, context: dict[str, Any], language: str) -> str:
    with translation.override(language):
        return render_to_string(template_name, {**context, "pdf_language": language})


def render(template_name: str, context: dict[str, Any], *, language: str = "zh-hans") -> bytes:
    """Render a template to PDF bytes in `language` with the CJK font."""
    return _write_pdf(_html(template_name, context, language))


class RenderFailed(Exception):
    """The child process that writes a PDF (``render_in_child``) failed or took too long."""


# A web worker's request waits at most this long for its child (gunicorn's timeout is 30 s).
CHILD_TIMEOUT = 20


def render_in_child(
    template_name: str, context: dict[str, Any], *, language: str = "zh-hans"
) -> bytes:
    """``render``, with WeasyPrint run in a short-lived child process (``ethics.pdf_child``):
    for the few PDFs a web request writes itself (the chair's monthly summary). The template is
    rendered here; the child turns the HTML into the same PDF bytes and exits. A web worker that
    rendered in-process loaded WeasyPrint, fontconfig and the CJK faces and kept them, some
    100 MB of resident memory, until it was recycled (issue 18: a worker <= 150 MB). The child
    costs some 0.4 s more (its start and fonts); it raises RenderFailed when it fails or exceeds
    CHILD_TIMEOUT."""
    import subprocess
    import sys

    html = _html(template_name, context, language)
    command = [
        sys.executable, "-m", "ethics.pdf_child",
        str(settings.PDF_FONT_FAMILY), str(settings.BASE_DIR),
    ]  # fmt: skip
    try:
        result = subprocess.run(  # noqa: S603 - our interpreter and module, fixed arguments
            command, input=html.encode("utf-8"), capture_output=True, timeout=CHILD_TIMEOUT,
            cwd=str(settings.BASE_DIR), check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderFailed(str(exc)) from exc
    if result.returncode != 0 or not result.stdout.startswith(b"%PDF"):
        raise RenderFailed(result.stderr.decode("utf-8", "replace")[-2000:])
    return result.stdout


# One WeasyPrint font configuration and parsed base stylesheet per thread (Pango's font map is
# not thread-safe), reused by every PDF. Left to WeasyPrint, each PDF made its own
# FontConfiguration: fontconfig's configuration and font list and a Pango font map holding the
# CJK faces, some 50 MB a PDF that lived in reference cycles until a full garbage collection,
# so a worker child's RSS climbed by that much per PDF and the collections (0.2-0.4 s each)
# landed inside renders (README "PDF worker under Celery"). The bytes are the same either way
# (tests/ethics/test_pdf.py).
_engine = threading.local()


def _stylesheet_and_fonts(family: str | None = None) -> tuple[Any, Any]:
    from weasyprint import CSS  # imported lazily: heavy, and only workers need it
    from weasyprint.text.fonts import FontConfiguration

    family = family or settings.PDF_FONT_FAMILY
    cached = getattr(_engine, "cached", None)
    if cached is None or cached[0] != family:
        cached = (family, CSS(string=BASE_CSS % {"font": family}), FontConfiguration())
        _engine.cached = cached
    return cached[1], cached[2]


def _write_pdf(html: str, *, family: str | None = None, base_url: str | None = None) -> bytes:
    """HTML to PDF bytes; `family` and `base_url` default to the settings' (a child process
    given them needs no settings: ``ethics.pdf_child``)."""
    from weasyprint import HTML

    stylesheet, font_config = _stylesheet_and_fonts(family)
    base = base_url or str(settings.BASE_DIR)
    pdf: bytes = HTML(string=html, base_url=base).write_pdf(
        stylesheets=[stylesheet], font_config=font_config
    )
    return pdf


def preload() -> None:
    """Import WeasyPrint (about a second: cffi parses its C declarations and looks up pango,
    harfbuzz and fontconfig). Called in a PDF worker's main process before it forks its pool, so
    no child pays it; creates no fontconfig or Pango state (that stays per process)."""
    import weasyprint  # noqa: F401


def warm_up() -> None:
    """Render a one-line document in the CJK font, regular and bold, so a worker process loads
    the faces before its first task rather than inside it."""
    _write_pdf(
        '<!DOCTYPE html><html lang="zh-Hans"><h1>科技伦理审查</h1><p>核验码 0123 Ab</p></html>'
    )


def prepare_process() -> None:
    """Make this process ready to render PDFs, as a PDF worker's child is before its first task
    (config/celery.py): load the CJK faces (``warm_up``), then collect and freeze what is alive,
    so the garbage collector's full passes, which otherwise land inside renders (up to 0.3 s
    each for the filing package), walk only what a render allocates."""
    import gc

    warm_up()
    gc.collect()
    gc.freeze()
