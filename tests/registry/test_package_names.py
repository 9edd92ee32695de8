"""Issue 15: filing packages never break a person's name across lines (王建国, never 王建|国).

A package whose tables squeeze the name columns (eight columns, the others full of text) is
rendered to PDF with WeasyPrint and read back with pypdf: every name must come out whole on one
line. Without `.name { white-space: nowrap }` (ethics/pdf.py) the narrow cells break names.
"""

import io
import itertools

import pytest
from pypdf import PdfReader

from registry import render

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "志强", "海燕", "晓明", "丽娟", "国华", "文静"]
NAMES = ["".join(pair) for pair in itertools.product(SURNAMES, GIVEN)][:60]
FILLER = "本栏填写较长的说明文字以挤压姓名所在的列宽度并迫使表格在窄列中换行显示" * 2


def _package() -> dict:
    columns = [("name", "姓名"), ("members", "参会委员")] + [
        (f"c{i}", f"说明{i}") for i in range(6)
    ]
    rows = [
        {"name": NAMES[i], "members": NAMES[i : i + 24], **{f"c{j}": FILLER for j in range(6)}}
        for i in range(0, 36, 4)
    ]
    return {
        "title": "姓名不断行测试",
        "platform": "国家科技伦理管理信息登记平台",
        "filing": {
            "kind_zh": "年度报告",
            "due_on": "2027-03-31",
            "basis": "第四十五条",
            "rule": "R52",
        },
        "sections": [
            {
                "key": "roster",
                "title": "一、名单",
                "fields": [{"key": "lead", "label": "负责人", "value": NAMES[-1]}],
                "columns": [{"key": k, "label": label} for k, label in columns],
                "rows": rows,
            }
        ],
    }


def _lines(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return [line.replace(" ", "") for line in text.splitlines()]


def test_no_name_is_split_across_lines_in_a_narrow_cell():
    package = _package()
    lines = _lines(render.to_pdf(package, "0" * 64))
    shown = {name for row in package["sections"][0]["rows"] for name in row["members"]}
    assert len(shown) > 30
    split = [
        name for name in sorted(shown | {NAMES[-1]}) if not any(name in line for line in lines)
    ]
    # The columns are narrow enough that names break without the rule (checked by hand: with
    # `.name {}` most of them come out as 王建|国).
    assert not split, f"names broken across lines: {split[:10]} (lines: {lines[:40]})"


@pytest.mark.parametrize(
    ("value", "names"),
    [("王建国", ["王建国"]), (["王建国", "李秀英"], ["王建国", "李秀英"]), ("", [])],
)
def test_name_fields_and_cells_are_marked(value, names):
    package = _package()
    package["sections"][0]["fields"] = [{"key": "lead", "label": "负责人", "value": value}]
    section = render.with_cells(package)["sections"][0]
    assert section["fields"][0]["names"] == names
    assert section["fields"][0]["value"] == ("、".join(value) if isinstance(value, list) else value)
    first = section["name_cells"][0]
    assert first[0]["names"] == [NAMES[0]]
    assert first[1]["names"] == NAMES[0:24]
    assert first[2]["names"] == []  # a text column is not a name
