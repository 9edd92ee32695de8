"""Small valid PDFs for upload tests: uploads are parsed (issue 13, "Uploads"), so a bare
"%PDF-1.4" header no longer passes; `minimal_pdf(mark)` is a one-page PDF with a correct
cross-reference table that carries `mark` verbatim in a comment (tests look for it in bytes)."""

from ethics.uploads import blank_pdf as minimal_pdf

PDF = minimal_pdf()

__all__ = ["PDF", "minimal_pdf"]
