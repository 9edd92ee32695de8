"""The kernel PDF engine renders Chinese with the CJK font (real WeasyPrint, no mock)."""

import io

import pytest
from pypdf import PdfReader

from ethics import pdf


def test_chinese_text_survives_rendering(tmp_path):
    data = pdf.render(
        "pdf/kernel_test.html",
        {"title": "科技伦理审查批件", "body": "经审查，同意该项目开展。", "hash": "abc123"},
    )
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "科技伦理审查批件" in text
    assert "同意该项目开展" in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("CJK" in name for name in fonts), fonts


def test_verification_hash_is_stable_and_order_independent():
    a = pdf.verification_hash({"number": "伦审〔2026〕1号", "outcome": "approve"})
    b = pdf.verification_hash({"outcome": "approve", "number": "伦审〔2026〕1号"})
    assert a == b
    assert len(a) == 64
    assert a != pdf.verification_hash({"number": "伦审〔2026〕2号", "outcome": "approve"})


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_render_in_requested_language(language):
    data = pdf.render(
        "pdf/kernel_test.html", {"title": "T", "body": "B", "hash": "h"}, language=language
    )
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert ("核验码" if language == "zh-hans" else "Verification") in text


def _fresh_engine_pdf(html: str) -> bytes:
    """What pdf.render wrote before the engine was shared: WeasyPrint's own per-document font
    configuration and a newly parsed base stylesheet."""
    from django.conf import settings
    from weasyprint import CSS, HTML

    stylesheet = CSS(string=pdf.BASE_CSS % {"font": settings.PDF_FONT_FAMILY})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(stylesheets=[stylesheet])


def test_shared_font_configuration_writes_the_same_bytes():
    """One FontConfiguration per thread (README "PDF worker under Celery") changes no byte:
    regular and bold CJK, Latin, a table and an unbreakable name, rendered twice."""
    html = (
        '<!DOCTYPE html><html lang="zh-Hans"><h1>科技伦理审查批件</h1>'
        '<table><tr><th>项目负责人</th><td><span class="name">王建国</span>、Li Lei</td></tr>'
        "<tr><th>结论</th><td>同意 approve 2026</td></tr></table>"
        '<p class="verify">核验码：abc123</p></html>'
    )
    shared = [pdf._write_pdf(html) for _ in range(2)]
    assert shared[0] == shared[1] == _fresh_engine_pdf(html)


def test_a_child_process_writes_the_same_bytes():
    """render_in_child (a web request's PDF, issue 18: no WeasyPrint in the web worker) writes
    what render writes in-process, in both languages."""
    context = {"title": "科技伦理审查批件", "body": "经审查，同意该项目开展。", "hash": "abc123"}
    for language in ("zh-hans", "en"):
        child = pdf.render_in_child("pdf/kernel_test.html", context, language=language)
        assert child == pdf.render("pdf/kernel_test.html", context, language=language)


def test_a_failing_or_slow_child_raises_render_failed(monkeypatch, settings):
    monkeypatch.setattr(pdf, "CHILD_TIMEOUT", 0.001)
    with pytest.raises(pdf.RenderFailed):
        pdf.render_in_child("pdf/kernel_test.html", {"title": "T", "body": "B", "hash": "h"})
    monkeypatch.setattr(pdf, "CHILD_TIMEOUT", 20)
    settings.BASE_DIR = "/nonexistent-base-dir"  # the child cannot find the package
    with pytest.raises(pdf.RenderFailed):
        pdf.render_in_child("pdf/kernel_test.html", {"title": "T", "body": "B", "hash": "h"})


def test_the_child_refuses_wrong_arguments():
    import subprocess
    import sys

    from django.conf import settings

    result = subprocess.run(
        [sys.executable, "-m", "ethics.pdf_child"], cwd=str(settings.BASE_DIR),
        capture_output=True, input=b"", timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert b"usage" in result.stderr


def test_engine_is_made_once_per_thread_and_font_family(settings):
    import threading

    first = pdf._stylesheet_and_fonts()
    assert pdf._stylesheet_and_fonts() == first
    other: list = []
    thread = threading.Thread(target=lambda: other.append(pdf._stylesheet_and_fonts()))
    thread.start()
    thread.join()
    assert other[0][1] is not first[1]  # Pango's font map is not shared between threads
    settings.PDF_FONT_FAMILY = "Noto Sans CJK SC, sans-serif"
    assert pdf._stylesheet_and_fonts()[1] is not first[1]


@pytest.mark.parametrize("consumes_pdf", [True, False])
def test_pdf_worker_processes_warm_up_before_their_first_task(monkeypatch, consumes_pdf):
    import gc

    import config.celery as worker_signals

    calls: list[str] = []
    monkeypatch.setattr(worker_signals, "_consumes_pdf_queue", lambda: consumes_pdf)
    monkeypatch.setattr(pdf, "preload", lambda: calls.append("preload"))
    monkeypatch.setattr(pdf, "warm_up", lambda: calls.append("warm_up"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    worker_signals._preload_pdf_engine()
    worker_signals._warm_pdf_engine()
    assert calls == (["preload", "warm_up", "freeze"] if consumes_pdf else [])
