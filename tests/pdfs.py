"""Small valid PDFs for upload tests: uploads are parsed (issue 13, "Uploads"), so a bare
"%PDF-1.4" header no longer passes; `minimal_pdf(mark)` is a one-page PDF with a correct
cross-reference table that carries `mark` verbatim in a comment (tests look for it in bytes)."""


def minimal_pdf(mark: bytes | str = b"", *, extra: bytes = b"") -> bytes:
    """A valid one-page PDF; `mark` is written as a comment line, `extra` into the catalog."""
    if isinstance(mark, str):
        mark = mark.encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
    ]
    out = b"%PDF-1.4\n"
    if mark:
        out += b"% " + mark + b"\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


PDF = minimal_pdf()
