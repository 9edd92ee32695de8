"""Issue 18 (memory): a web worker that serves pages does not hold the libraries only some
requests and the Celery workers need. pypdf (reading an uploaded PDF, some 25 MB), openpyxl
(writing a workbook, some 19 MB) and WeasyPrint (rendering a PDF: about 100 MB with its fonts) are
imported where they are used, so a gunicorn worker that has loaded the WSGI application, every
view of the URLconf and the REST API, and written a PDF the way a request does (in a child
process, ethics.pdf.render_in_child), has imported none of them; the first upload or export in
that worker imports pypdf or openpyxl."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine_independent

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pypdf", "openpyxl", "weasyprint", "PIL")

# What a gunicorn worker loads (config.wsgi: the settings, the apps, the middleware), then every
# URL pattern's view (walking the resolver imports each view module), and then, to show the
# imports are where they are used, one upload check and one workbook.
WORKER = """
import json, sys
import config.wsgi
from django.urls import get_resolver

def walk(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            walk(pattern.url_patterns)
        else:
            pattern.callback

walk(get_resolver().url_patterns)
# A PDF a request writes itself (the monthly summary) is written by a child process.
from ethics import pdf
assert pdf.render_in_child("pdf/kernel_test.html", {"title": "T", "body": "B", "hash": "h"})[:4] == b"%%PDF"
loaded = [name for name in %(heavy)r if name in sys.modules]
from ethics import uploads
try:
    uploads.pdf_active_content(b"%%PDF-1.4 not really")
except Exception:
    pass
from reports.exports import Column, Table, tables_xlsx
tables_xlsx([Table("t", "T", [Column("a", "A")], [{"a": 1}])])
print(json.dumps({"worker": loaded, "after": [n for n in %(heavy)r if n in sys.modules]}))
"""


def test_a_web_worker_holds_no_pdf_or_workbook_library_until_it_needs_one():
    dropped = {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", WORKER % {"heavy": HEAVY}], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    assert modules["worker"] == []
    assert {"pypdf", "openpyxl"} <= set(modules["after"])  # imported where used
