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
