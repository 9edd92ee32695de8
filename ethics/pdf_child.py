"""The child process of ``ethics.pdf.render_in_child``: HTML on stdin, the PDF on stdout.

    python -m ethics.pdf_child FONT_FAMILY BASE_DIR < page.html > page.pdf

It runs without Django's settings (the font family and the base directory are its arguments)
and writes the PDF with ``ethics.pdf``'s own writer, so the bytes are those the web process would
have written; it exits when done, taking WeasyPrint's memory with it.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: python -m ethics.pdf_child FONT_FAMILY BASE_DIR < html > pdf\n")
        return 2
    family, base_dir = argv
    from ethics.pdf import _write_pdf

    html = sys.stdin.buffer.read().decode("utf-8")
    sys.stdout.buffer.write(_write_pdf(html, family=family, base_url=base_dir))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
