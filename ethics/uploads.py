"""Safety checks of an uploaded file's bytes, shared by every upload (issue 13, "Uploads").

`inspect(data, mime)` refuses polyglots (HTML or script markers in a PDF, image or Office file),
Office documents with macros, OLE objects or unsafe member names, damaged or encrypted PDFs and,
when `CLAMD_ADDRESS` is set, files clamd finds a virus in; it returns the active content found in
a PDF (JavaScript, actions, embedded files, XFA, …) so that the caller refuses the file or, with
`UPLOAD_ACTIVE_CONTENT=quarantine`, stores it quarantined. Refusals are `ValidationError`s on the
upload's field with a code (`polyglot`, `macros`, `unsafe_archive`, `damaged`, `encrypted`,
`active_content`, `virus_found`, `scan_unavailable`): 400 in the API, a form error on a page.
"""

from __future__ import annotations

import io
import re
import socket
import struct
import zipfile
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from pypdf import PdfReader

# pypdf is imported where a PDF is read: some 25 MB a process that never reads one (a web
# worker serving pages) does not hold (issue 18).

PDF_MIME = "application/pdf"
ZIP_MIMES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
    }
)
OLE_MIME = "application/msword"

LEAD_BYTES = 1024
# Markers that make a browser (or a sniffing proxy) treat the bytes as a web page or script.
HTML_MARKERS = (
    b"<html",
    b"<!doctype html",
    b"<head",
    b"<body",
    b"<script",
    b"<svg",
    b"<iframe",
    b"<object",
    b"<embed",
    b"javascript:",
)
# Markers refused anywhere in a PDF's object syntax (outside stream data).
PDF_HTML_MARKERS = (b"<html", b"<script", b"<iframe", b"<svg", b"<!doctype html")

# PDF names that carry or start active content, with the label shown to the user.
ACTIVE_NAMES = {
    "JS": "JavaScript",
    "JavaScript": "JavaScript",
    "AA": "AA",
    "Launch": "Launch",
    "EmbeddedFiles": "EmbeddedFiles",
    "EmbeddedFile": "EmbeddedFile",
    "EF": "EmbeddedFile",
    "FileAttachment": "EmbeddedFile",
    "RichMedia": "RichMedia",
    "RichMediaExecute": "RichMedia",
    "XFA": "XFA",
    "SubmitForm": "SubmitForm",
    "ImportData": "ImportData",
    "GoToE": "GoToE",
    "Rendition": "Rendition",
}
# Action types (/S) that are not active content.
HARMLESS_OPEN_ACTIONS = frozenset({"/GoTo"})
MAX_PDF_OBJECTS = 500_000

_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")
_PDF_NAME = re.compile(rb"/((?:[^\s/<>\[\]()%{}#]|#[0-9A-Fa-f]{2})+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# OLE (.doc) storages that hold VBA macros, as UTF-16LE directory entry names.
_OLE_MACRO_STORAGES = ("_VBA_PROJECT", "Macros", "VBA")


def object_syntax(data: bytes) -> bytes:
    """The PDF without its stream data (what lies between "stream" and "endstream")."""
    parts: list[bytes] = []
    pos = 0
    while True:
        match = _STREAM_START.search(data, pos)
        if match is None:
            parts.append(data[pos:])
            return b"".join(parts)
        end = data.find(b"endstream", match.end())
        if end == -1:
            parts.append(data[pos : match.end()])
            return b"".join(parts)
        parts.append(data[pos : match.end()])
        pos = end


def refusal(field: str, code: str, message: Any, **params: Any) -> ValidationError:
    """A refusal on the upload's field with its code (400 with the field code in the API)."""
    return ValidationError({field: ValidationError(message, code=code, params=params or None)})


# --- polyglots -------------------------------------------------------------------------------


def lead_markers(data: bytes) -> list[str]:
    """HTML / script markers in the first KiB (where browsers sniff a type)."""
    lead = data[:LEAD_BYTES].lower()
    return [marker.decode() for marker in HTML_MARKERS if marker in lead]


def looks_like_hidden_pdf(data: bytes) -> bool:
    """Readers accept %PDF anywhere in the first KiB: an HTML page with %PDF later is a PDF too."""
    return b"%PDF-" in data[1:LEAD_BYTES]


def _appended_zip(data: bytes) -> bool:
    """A ZIP end-of-central-directory record in the tail of a file that is not a ZIP."""
    return b"PK\x05\x06" in data[-(65_535 + 22) :]


def polyglot_markers(data: bytes, mime: str) -> list[str]:
    """What makes an accepted file also a web page, a script or an archive."""
    found = lead_markers(data)
    if mime == PDF_MIME:
        syntax = object_syntax(data).lower()
        found += [m.decode() for m in PDF_HTML_MARKERS if m in syntax and m.decode() not in found]
    if mime not in ZIP_MIMES and _appended_zip(data):
        found.append("ZIP")
    return found


# --- PDF active content ----------------------------------------------------------------------


class DamagedPdf(Exception):
    """pypdf cannot read the file (or it is encrypted with a password)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _raw_names(data: bytes) -> set[str]:
    """Active-content names in the PDF's object syntax, #xx escapes decoded (stream data skipped:
    pypdf reads compressed object streams; this catches uncompressed or broken files)."""
    syntax = object_syntax(data)
    found: set[str] = set()
    for match in _PDF_NAME.finditer(syntax):
        raw = match.group(1)
        name = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")
        if name in ACTIVE_NAMES:
            found.add(ACTIVE_NAMES[name])
    return found


def _walk(reader: PdfReader) -> set[str]:
    """Every object reachable from the trailer: the catalog (OpenAction, AA, Names trees,
    AcroForm XFA), pages' /AA, annotations' /A actions, file specifications."""
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        IndirectObject,
        NameObject,
        TextStringObject,
    )

    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer.get(key) for key in ("/Root", "/Info")]
    count = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in seen:
                continue
            seen.add(ref)
            item = item.get_object()
        count += 1
        if count > MAX_PDF_OBJECTS:
            raise DamagedPdf("damaged")
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                name = str(key)[1:]
                if name in ACTIVE_NAMES:
                    found.add(ACTIVE_NAMES[name])
                if key == "/OpenAction":
                    target = value.get_object() if isinstance(value, IndirectObject) else value
                    if (
                        isinstance(target, DictionaryObject)
                        and str(target.get("/S")) not in HARMLESS_OPEN_ACTIONS
                    ):
                        found.add("OpenAction")
                if (
                    key in ("/S", "/Type", "/Subtype")
                    and isinstance(value, NameObject)
                    and str(value)[1:] in ACTIVE_NAMES
                ):
                    found.add(ACTIVE_NAMES[str(value)[1:]])
                if (
                    key == "/URI"
                    and isinstance(value, TextStringObject | str)
                    and str(value).strip().lower().startswith(("javascript:", "data:", "file:"))
                ):
                    found.add("JavaScript")
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return found


def pdf_active_content(data: bytes) -> list[str]:
    """The active content of a PDF, sorted; raises DamagedPdf when pypdf cannot read it."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DamagedPdf("encrypted")
        found = _walk(reader)
        if len(reader.pages) < 1:
            raise DamagedPdf("damaged")
    except DamagedPdf:
        raise
    except Exception as exc:  # pypdf raises many kinds on broken input; none may become a 500
        raise DamagedPdf("damaged") from exc
    return sorted(found | _raw_names(data))


# --- Office documents ------------------------------------------------------------------------


def _unsafe_member(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return (
        name.startswith(("/", "\\"))
        or "\\" in name
        or ".." in parts
        or bool(re.match(r"^[A-Za-z]:", name))
        or "\x00" in name
    )


def zip_problems(data: bytes) -> tuple[str, list[str]]:
    """(code, what) for a DOCX / ODT: unsafe member names, macros and OLE objects, bombs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        types = (
            archive.read("[Content_Types].xml")
            if "[Content_Types].xml" in archive.namelist()
            else b""
        )
    except Exception:  # BadZipFile, zlib.error, NotImplementedError, RuntimeError, …: never a 500
        return "damaged", []
    unsafe = [m.filename for m in members if _unsafe_member(m.filename)]
    if unsafe:
        return "unsafe_archive", unsafe[:3]
    if sum(m.file_size for m in members) > 10 * settings.UPLOAD_MAX_BYTES:
        return "unsafe_archive", ["ZIP bomb"]
    macros: list[str] = []
    for member in members:
        lower = member.filename.lower()
        if lower.endswith(".bin"):
            macros.append(member.filename)
        elif lower.startswith(("basic/", "scripts/")) and "Basic/Scripts" not in macros:
            macros.append("Basic/Scripts")
    if b"macroenabled" in types.lower():
        macros.append("macroEnabled")
    return ("macros", macros[:3]) if macros else ("", [])


def ole_macros(data: bytes) -> list[str]:
    """VBA storages in a Word 97-2003 (.doc) compound file."""
    return [name for name in _OLE_MACRO_STORAGES if name.encode("utf-16-le") + b"\x00\x00" in data]


# --- virus scan (clamd INSTREAM) -------------------------------------------------------------


class ScanUnavailable(Exception):
    """clamd could not be reached or did not answer with a verdict."""


def _clamd_socket(address: str, timeout: float) -> socket.socket:
    if "/" in address or ":" not in address:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(address)
        return sock
    host, port = address.rsplit(":", 1)
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


def clamd_scan(data: bytes, address: str, *, timeout: float = 30.0, chunk: int = 65_536) -> str:
    """Stream `data` to clamd (zINSTREAM); return "" when clean or the signature found."""
    try:
        with _clamd_socket(address, timeout) as sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), chunk):
                piece = data[start : start + chunk]
                sock.sendall(struct.pack(">I", len(piece)) + piece)
            sock.sendall(struct.pack(">I", 0))
            reply = b""
            while not reply.endswith((b"\0", b"\n")):
                received = sock.recv(4096)
                if not received:
                    break
                reply += received
    except (OSError, ValueError) as exc:
        raise ScanUnavailable(str(exc)) from exc
    text = reply.rstrip(b"\0\n").decode("utf-8", "replace").strip()
    if text.endswith(" FOUND"):
        return text.removeprefix("stream:").removesuffix(" FOUND").strip() or "FOUND"
    if text.endswith("OK"):
        return ""
    raise ScanUnavailable(text or "no reply")


def virus_scan(data: bytes, *, field: str) -> None:
    """Refuse the upload when clamd (CLAMD_ADDRESS) finds a virus or cannot be asked."""
    address = getattr(settings, "CLAMD_ADDRESS", "")
    if not address:
        return
    try:
        signature = clamd_scan(data, address, timeout=getattr(settings, "CLAMD_TIMEOUT", 30.0))
    except ScanUnavailable:
        if getattr(settings, "CLAMD_FAIL_OPEN", False):
            return
        raise refusal(
            field,
            "scan_unavailable",
            _(
                "The virus scan is unavailable right now, so the file was not accepted; try again later."
            ),
        ) from None
    if signature:
        raise refusal(
            field,
            "virus_found",
            _("The virus scan found %(name)s in the file; it was not stored."),
            name=signature,
        )


# --- the whole check -------------------------------------------------------------------------


def inspect(data: bytes, mime: str, *, field: str) -> list[str]:
    """Check an upload whose type (`mime`, detected from its bytes) is accepted.

    Raises a refusal for polyglots, macros, unsafe archives, damaged or encrypted PDFs and
    viruses; returns the PDF's active content (empty when none) for the caller to refuse or
    quarantine (see `refuse_active_content`).
    """
    markers = polyglot_markers(data, mime)
    if markers:
        raise refusal(
            field,
            "polyglot",
            _("The file also contains web page or script content (%(found)s) and was refused."),
            found=", ".join(markers),
        )
    active: list[str] = []
    if mime == PDF_MIME:
        try:
            active = pdf_active_content(data)
        except DamagedPdf as exc:
            if exc.code == "encrypted":
                raise refusal(
                    field,
                    "encrypted",
                    _(
                        "The PDF is protected by a password and cannot be checked; upload it unprotected."
                    ),
                ) from None
            raise refusal(
                field,
                "damaged",
                _(
                    "The PDF is damaged and cannot be checked; save it as a PDF again and upload the new file."
                ),
            ) from None
    elif mime in ZIP_MIMES:
        code, what = zip_problems(data)
        if code == "damaged":
            raise refusal(
                field,
                "damaged",
                _(
                    "The document is damaged and cannot be checked; save it again and upload the new file."
                ),
            )
        if code == "unsafe_archive":
            raise refusal(
                field,
                "unsafe_archive",
                _("The document contains unsafe entries (%(found)s) and was refused."),
                found=", ".join(what),
            )
        if code == "macros":
            raise refusal(
                field,
                "macros",
                _(
                    "The document contains macros or embedded programs (%(found)s); save it "
                    "without them (as .docx or .odt) and upload it again."
                ),
                found=", ".join(what),
            )
    elif mime == OLE_MIME:
        found = ole_macros(data)
        if found:
            raise refusal(
                field,
                "macros",
                _(
                    "The document contains macros or embedded programs (%(found)s); save it "
                    "without them (as .docx or .odt) and upload it again."
                ),
                found=", ".join(found),
            )
    virus_scan(data, field=field)
    return active


def active_content_refusal(field: str, active: list[str]) -> ValidationError:
    return refusal(
        field,
        "active_content",
        _(
            "The PDF contains active content (%(found)s), which is not accepted; remove it (for "
            "example, print the document to a new PDF) and upload it again."
        ),
        found=", ".join(active),
    )


def quarantine_active_content() -> bool:
    """UPLOAD_ACTIVE_CONTENT=quarantine keeps PDFs with active content, quarantined."""
    return getattr(settings, "UPLOAD_ACTIVE_CONTENT", "refuse") == "quarantine"


def size_label(size: int) -> str:
    """A byte count as the help texts show it: "20 MB" (binary megabytes, like the limit)."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"
    return f"{max(1, size // 1024)} KB"


def _upload_help() -> str:
    return gettext(
        "Accepted: PDF, Word (.doc, .docx), OpenDocument (.odt), JPEG or PNG, at most %(limit)s. "
        "PDFs with scripts, actions or embedded files and documents with macros are refused."
    ) % {"limit": size_label(settings.UPLOAD_MAX_BYTES)}


def _letter_help() -> str:
    return gettext(
        "Accepted: the letter as a PDF, at most %(limit)s. PDFs with scripts, actions or "
        "embedded files are refused."
    ) % {"limit": size_label(settings.UPLOAD_MAX_BYTES)}


#: The file picker's `accept` for the general uploads (the types ALLOWED_MIME takes).
ACCEPT = ".pdf,.doc,.docx,.odt,.jpg,.jpeg,.png"

# Help texts of the upload fields, in the reader's language and with the configured limit.
UPLOAD_HELP = lazy(_upload_help, str)()
LETTER_HELP = lazy(_letter_help, str)()


def blank_pdf(mark: bytes | str = b"", *, extra: bytes = b"") -> bytes:
    """A valid one-page blank PDF (demo data, load scripts, tests): `mark` is written verbatim
    as a comment line, `extra` inside the catalog dictionary. It passes `inspect` when `mark`
    and `extra` carry nothing refused."""
    if isinstance(mark, str):
        mark = mark.encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
    ]
    out = b"%PDF-1.4\n"
    if mark:
        out += b"% " + mark.replace(b"\r", b" ").replace(b"\n", b" ") + b"\n"
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
