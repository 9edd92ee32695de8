"""Safe uploads (issue 13, "Uploads"): PDFs with active content, polyglots, Office macros and
unsafe archives are refused (or, with UPLOAD_ACTIVE_CONTENT=quarantine, PDFs kept for the
secretaries only, audited); a clean WeasyPrint PDF and a clean DOCX pass; the optional clamd scan
is exercised against a real local server speaking the clamd INSTREAM protocol."""

import html
import io
import re
import socket
import socketserver
import struct
import threading
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from committees import services as committee_services
from committees.models import CommitteeDocument
from ethics import uploads
from ethics.models import AuditEvent
from reviews import services
from reviews.api.serializers import DocumentVersionSerializer
from reviews.models import DocumentVersion
from tests.pdfs import minimal_pdf
from tests.reviews.conftest import draft

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
ACTIVE_MSG = (
    "The PDF contains active content (%(found)s), which is not accepted; remove it (for "
    "example, print the document to a new PDF) and upload it again."
)
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_MIME = "application/vnd.oasis.opendocument.text"


# --- builders ----------------------------------------------------------------------------------


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def pdf_open_action_js() -> bytes:
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('x')"),
        }
    )
    return _written(writer)


def pdf_names_js() -> bytes:
    """Document-level JavaScript in the catalog's /Names /JavaScript name tree."""
    tree = (
        b"/Names << /JavaScript << /Names [(init) << /S /JavaScript /JS (app.alert(1)) >>] >> >> "
    )
    return minimal_pdf(extra=tree)


def pdf_launch() -> bytes:
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("calc.exe"),
        }
    )
    return _written(writer)


def pdf_attachment() -> bytes:
    writer = _writer()
    writer.add_attachment("run.exe", b"MZ\x90\x00not really")
    return _written(writer)


def pdf_page_aa() -> bytes:
    writer = _writer()
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("this.print()"),
        }
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    return _written(writer)


def pdf_submit_form_annotation() -> bytes:
    writer = _writer()
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(0), FloatObject(0)] * 2),
            NameObject("/A"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/SubmitForm"),
                    NameObject("/F"): TextStringObject("https://collector.invalid/"),
                }
            ),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return _written(writer)


def pdf_xfa() -> bytes:
    return minimal_pdf(extra=b"/AcroForm << /Fields [] /XFA [(template) 4 0 R] >> ")


def weasyprint_pdf() -> bytes:
    """A normal document of the kind the project renders itself: text, a table, links."""
    from weasyprint import HTML

    return HTML(
        string=(
            "<html><head><title>审查决定</title></head><body><h1 id='top'>伦理审查决定书</h1>"
            "<table><tr><th>项目</th><td>示例</td></tr></table>"
            "<p><a href='https://www.most.gov.cn/'>科技部</a> <a href='#top'>返回</a></p>"
            "</body></html>"
        )
    ).write_pdf()


def docx(extra: dict[str, bytes] | None = None, *, content_types: bytes | None = None) -> bytes:
    types = content_types or (
        b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", b"<Relationships/>")
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>知情同意书</w:t></w:r></w:p></w:body></w:document>",
        )
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def odt(extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), ODT_MIME.encode(), compress_type=zipfile.ZIP_STORED
        )
        archive.writestr("content.xml", b"<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", b"<manifest:manifest/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def png(text: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="PNG")
    data = out.getvalue()
    if text:  # a tEXt chunk right after IHDR, i.e. within the first KiB
        chunk = b"Comment\x00" + text
        import zlib

        body = b"tEXt" + chunk
        data = (
            data[:33]
            + struct.pack(">I", len(chunk))
            + body
            + struct.pack(">I", zlib.crc32(body))
            + data[33:]
        )
    return data


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="JPEG")
    return out.getvalue()


def _zh(message: str, **params: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message) % params


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- the checks themselves ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (pdf_open_action_js, {"JavaScript", "OpenAction"}),
        (pdf_names_js, {"JavaScript"}),
        (pdf_launch, {"Launch", "OpenAction"}),
        (pdf_attachment, {"EmbeddedFiles", "EmbeddedFile"}),
        (pdf_page_aa, {"AA", "JavaScript"}),
        (pdf_submit_form_annotation, {"SubmitForm"}),
        (pdf_xfa, {"XFA"}),
    ],
)
def test_active_content_is_found_by_the_document_walk_and_the_byte_scan(data, expected):
    raw = data()
    assert expected <= set(uploads.pdf_active_content(raw))
    # Each of the two independently: the pypdf walk of the catalog, pages, annotations and name
    # trees, and the byte scan of the object syntax.
    assert expected <= uploads._walk(PdfReader(io.BytesIO(raw)))
    assert (expected - {"OpenAction"}) <= uploads._raw_names(raw)


def test_clean_pdfs_have_no_active_content():
    assert uploads.pdf_active_content(minimal_pdf()) == []
    assert uploads.pdf_active_content(weasyprint_pdf()) == []
    # An OpenAction that only opens a page (a destination, or a GoTo action) is not active.
    assert uploads.pdf_active_content(minimal_pdf(extra=b"/OpenAction [3 0 R /Fit] ")) == []
    goto = b"/OpenAction << /S /GoTo /D [3 0 R /Fit] >> "
    assert uploads.pdf_active_content(minimal_pdf(extra=goto)) == []


def test_obfuscated_names_are_decoded_by_the_byte_scan():
    """/J#61vaScript is /JavaScript; /J#53 is /JS (PDF name escapes)."""
    raw = minimal_pdf(extra=b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> ")
    assert {"JavaScript", "OpenAction"} <= set(uploads.pdf_active_content(raw))
    assert uploads._raw_names(raw) == {"JavaScript"}


def test_names_inside_stream_data_are_not_counted_by_the_byte_scan():
    """Compressed stream bytes may contain "/JS" by chance; only the object syntax counts."""
    body = b"/JS /AA /Launch"
    data = b"%PDF-1.4\n4 0 obj\n<< /Length 15 >>\nstream\n" + body + b"\nendstream\nendobj\n"
    assert uploads._raw_names(data) == set()


def test_a_pdf_pypdf_cannot_read_is_damaged_and_an_encrypted_one_is_refused():
    for broken in (b"%PDF-1.4\n%%EOF\n", b"%PDF-1.7 v2", minimal_pdf()[:-60]):
        with pytest.raises(uploads.DamagedPdf) as exc:
            uploads.pdf_active_content(broken)
        assert exc.value.code == "damaged"
    writer = _writer()
    writer.encrypt("secret", algorithm="AES-128")
    with pytest.raises(uploads.DamagedPdf) as exc:
        uploads.pdf_active_content(_written(writer))
    assert exc.value.code == "encrypted"


def test_polyglot_markers():
    html_in_pdf = minimal_pdf(b"<html><script>alert(1)</script></html>")
    assert uploads.polyglot_markers(html_in_pdf, "application/pdf") == ["<html", "<script"]
    # Anywhere in the PDF's object syntax, not only the first KiB.
    late = minimal_pdf(b"x" * 2000 + b" <iframe src=//evil>")
    assert uploads.polyglot_markers(late, "application/pdf") == ["<iframe"]
    assert uploads.polyglot_markers(png(b"<svg onload=alert(1)>"), "image/png") == ["<svg"]
    appended = png() + docx()
    assert uploads.polyglot_markers(appended, "image/png") == ["ZIP"]
    for clean, mime in (
        (weasyprint_pdf(), "application/pdf"),
        (png(), "image/png"),
        (jpeg(), "image/jpeg"),
        (docx(), DOCX_MIME),
        (odt(), ODT_MIME),
    ):
        assert uploads.polyglot_markers(clean, mime) == [], mime


def test_office_documents():
    assert uploads.zip_problems(docx()) == ("", [])
    assert uploads.zip_problems(odt()) == ("", [])
    assert uploads.zip_problems(docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})) == (
        "macros",
        ["word/vbaProject.bin"],
    )
    assert uploads.zip_problems(docx({"word/embeddings/oleObject1.bin": b"x"}))[0] == "macros"
    assert uploads.zip_problems(odt({"Basic/Standard/Module1.xml": b"x"})) == (
        "macros",
        ["Basic/Scripts"],
    )
    assert uploads.zip_problems(docx({"../../etc/cron.d/x": b"x"})) == (
        "unsafe_archive",
        ["../../etc/cron.d/x"],
    )
    assert uploads.zip_problems(docx({"/abs.xml": b"x"}))[0] == "unsafe_archive"
    assert uploads.zip_problems(b"PK\x03\x04 broken")[0] == "damaged"


def test_size_label():
    assert uploads.size_label(20 * 1024 * 1024) == "20 MB"
    assert uploads.size_label(1536 * 1024) == "1.5 MB"
    assert uploads.size_label(512 * 1024) == "512 KB"


# --- through the services, the API and the pages ------------------------------------------------


@pytest.fixture
def application(world):
    return draft(world, complete=False)


def _post_document(api_client, world, application, data, name="plan.pdf"):
    api_client.force_authenticate(world.researcher)
    return api_client.post(
        f"/api/v1/applications/{application.pk}/documents/",
        {"slot": "overview", "file": SimpleUploadedFile(name, data)},
        format="multipart",
    )


REFUSED = [
    ("open_action_js.pdf", pdf_open_action_js, "active_content"),
    ("launch.pdf", pdf_launch, "active_content"),
    ("attachment.pdf", pdf_attachment, "active_content"),
    ("page_aa.pdf", pdf_page_aa, "active_content"),
    ("html.pdf", lambda: minimal_pdf(b"<html><script>alert(1)</script></html>"), "polyglot"),
    ("page.html", lambda: b"<html><body>hi</body></html>\n" + minimal_pdf(), "polyglot"),
    ("script.png", lambda: png(b"<script>alert(1)</script>"), "polyglot"),
    ("macro.docx", lambda: docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), "macros"),
    ("basic.odt", lambda: odt({"Basic/Standard/Module1.xml": b"x"}), "macros"),
    ("slip.docx", lambda: docx({"../evil.sh": b"x"}), "unsafe_archive"),
    ("damaged.pdf", lambda: b"%PDF-1.4\n%%EOF\n", "damaged"),
]


@pytest.mark.parametrize(("name", "build", "code"), REFUSED, ids=[r[0] for r in REFUSED])
def test_api_refuses_with_the_field_code_and_stores_nothing(
    world, application, api_client, name, build, code
):
    response = _post_document(api_client, world, application, build(), name)
    assert response.status_code == 400, response.content
    error = response.json()["file"][0]
    assert error["code"] == code
    assert DocumentVersion.objects.count() == 0
    assert _media_files() == []


def test_the_api_names_what_was_found_in_the_sites_language(world, application, api_client):
    response = _post_document(api_client, world, application, pdf_open_action_js())
    assert response.status_code == 400
    message = response.json()["file"][0]["message"]
    assert message == _zh(ACTIVE_MSG, found="JavaScript, OpenAction")
    assert "JavaScript, OpenAction" in message


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("letter.pdf", weasyprint_pdf),
        ("consent.docx", docx),
        ("consent.odt", odt),
        ("scan.png", png),
        ("scan.jpg", jpeg),
    ],
)
def test_clean_files_are_accepted(world, application, api_client, name, build):
    response = _post_document(api_client, world, application, build(), name)
    assert response.status_code == 201, response.content
    version = DocumentVersion.objects.get()
    assert version.quarantine == ""
    assert len(_media_files()) == 1


def test_the_page_shows_the_refusal_in_chinese(world, application, client):
    client.force_login(world.researcher)
    response = client.post(
        reverse("reviews:application-action", args=[application.pk, "upload"]),
        {"slot": "overview", "file": SimpleUploadedFile("plan.pdf", pdf_launch())},
    )
    assert response.status_code == 400
    expected = _zh(ACTIVE_MSG, found="Launch, OpenAction")
    assert html.escape(expected) in response.content.decode()
    assert DocumentVersion.objects.count() == 0
    assert _media_files() == []


def test_the_committee_document_form_refuses_too(world, client):
    before, files = CommitteeDocument.objects.count(), _media_files()
    client.force_login(world.secretary)
    response = client.post(
        reverse("committees:document-upload", args=[world.committee.pk]),
        {"kind": "charter", "file": SimpleUploadedFile("章程.pdf", pdf_attachment())},
    )
    assert response.status_code == 400
    assert html.escape(_zh(ACTIVE_MSG, found="EmbeddedFile, EmbeddedFiles")) in (
        response.content.decode()
    )
    assert CommitteeDocument.objects.count() == before
    assert _media_files() == files


def test_upload_forms_state_the_types_and_the_limit(world, application, client, settings):
    settings.UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    with translation.override("zh-hans"):
        expected = str(uploads.UPLOAD_HELP)
        letter = str(uploads.LETTER_HELP)
    assert "5 MB" in expected
    assert "5 MB" in letter
    client.force_login(world.researcher)
    page = client.get(reverse("reviews:application-detail", args=[application.pk]))
    assert html.escape(expected) in page.content.decode()
    client.force_login(world.secretary)
    page = client.get(reverse("committees:document-upload", args=[world.committee.pk]))
    assert html.escape(expected) in page.content.decode()
    page = client.get(reverse("reviews:recognition-outside-create"))
    assert html.escape(letter) in page.content.decode()


def test_the_upload_limit_boundary(world, application, api_client, settings):
    data = minimal_pdf()
    settings.UPLOAD_MAX_BYTES = len(data) - 1
    response = _post_document(api_client, world, application, data)
    assert response.status_code == 400
    assert response.json()["file"][0]["code"] == "too_large"
    settings.UPLOAD_MAX_BYTES = len(data)
    assert _post_document(api_client, world, application, data).status_code == 201


# --- quarantine -----------------------------------------------------------------------------


def test_quarantine_keeps_the_file_for_the_secretaries_only(world, client, settings):
    settings.UPLOAD_ACTIVE_CONTENT = "quarantine"
    application = draft(world)
    version = services.document_upload(
        application_id=application.pk,
        slot="overview",
        upload=SimpleUploadedFile("plan.pdf", pdf_open_action_js()),
        actor=world.researcher,
    )
    version.refresh_from_db()
    assert version.quarantine == "JavaScript, OpenAction"
    assert DocumentVersionSerializer(version).data["quarantine"] == "JavaScript, OpenAction"
    event = AuditEvent.objects.get(action="file.quarantine")
    assert event.after["found"] == "JavaScript, OpenAction"
    # Submitted, the materials open for the committee's office: the quarantined one only for the
    # secretary (not the chair, not the institution admin, not the researcher who uploaded it).
    services.application_submit(application_id=application.pk, actor=world.researcher)
    url = reverse("reviews:document-download", args=[version.pk])
    for person, status in [
        (world.researcher, 404),
        (world.chair, 404),
        (world.admin, 404),
        (world.secretary, 200),
    ]:
        client.force_login(person)
        assert client.get(url).status_code == status, person
    downloads = AuditEvent.objects.filter(action="document.download").count()
    assert downloads == 1  # only the secretary's
    client.force_login(world.secretary)
    page = client.get(reverse("reviews:application-detail", args=[application.pk]))
    assert f'data-quarantine="{version.pk}"'.encode() in page.content


def test_quarantine_of_a_committee_document(world, client, settings):
    settings.UPLOAD_ACTIVE_CONTENT = "quarantine"
    document = committee_services.document_upload(
        committee_id=world.committee.pk,
        actor=world.admin,
        kind="charter",
        upload=SimpleUploadedFile("章程.pdf", pdf_page_aa()),
    )
    assert document.quarantine == "AA, JavaScript"
    assert AuditEvent.objects.filter(action="file.quarantine").count() == 1
    url = reverse("committees:document-download", args=[document.pk])
    client.force_login(world.admin)
    assert client.get(url).status_code == 404
    client.force_login(world.secretary)
    assert client.get(url).status_code == 200


def test_quarantine_does_not_let_polyglots_or_macros_through(world, application, settings):
    settings.UPLOAD_ACTIVE_CONTENT = "quarantine"
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.document_upload(
            application_id=application.pk,
            slot="overview",
            upload=SimpleUploadedFile("m.docx", docx({"word/vbaProject.bin": b"x"})),
            actor=world.researcher,
        )
    assert exc.value.error_dict["file"][0].code == "macros"
    assert DocumentVersion.objects.count() == 0


# --- the outside recognition letter gets the same checks -----------------------------------------


def test_the_recognition_letter_is_checked(world, api_client):
    from tests.reviews.conftest import new_project

    project = new_project(world)
    api_client.force_authenticate(world.secretary)
    data = pdf_open_action_js()
    response = api_client.post(
        "/api/v1/recognitions/outside/",
        {
            "committee": world.committee.pk,
            "project": project.pk,
            "issuing_committee": "外单位伦理委员会",
            "decision_number": "W-2026-1",
            "decided_on": "2026-01-10",
            "verification_hash": "0" * 64,
            "letter": SimpleUploadedFile("letter.pdf", data),
        },
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert response.json()["letter"][0]["code"] == "active_content"
    assert _media_files() == []


# --- clamd ----------------------------------------------------------------------------------------


class _Clamd(socketserver.BaseRequestHandler):
    """Speaks clamd's INSTREAM: "zINSTREAM\\0", length-prefixed chunks, a zero-length chunk."""

    def handle(self):
        sock = self.request
        command = b""
        while not command.endswith(b"\0"):
            command += sock.recv(1)
        assert command == b"zINSTREAM\0"
        data = b""
        while True:
            size = struct.unpack(">I", self._read(4))[0]
            if size == 0:
                break
            data += self._read(size)
        self.server.received.append(data)
        verdict = b"stream: Eicar-Test-Signature FOUND\0" if EICAR in data else b"stream: OK\0"
        sock.sendall(verdict)

    def _read(self, n):
        out = b""
        while len(out) < n:
            piece = self.request.recv(n - len(out))
            if not piece:
                raise ConnectionError
            out += piece
        return out


class _TCPClamd(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _UnixClamd(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


def _serve(server):
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def clamd(settings):
    server = _serve(_TCPClamd(("127.0.0.1", 0), _Clamd))
    settings.CLAMD_ADDRESS = f"127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def test_clamd_scan_streams_in_chunks(clamd):
    data = minimal_pdf(b"x" * 200_000)
    assert uploads.clamd_scan(data, settings.CLAMD_ADDRESS, chunk=65_536) == ""
    assert clamd.received == [data]  # reassembled from four chunks
    assert uploads.clamd_scan(minimal_pdf(EICAR), settings.CLAMD_ADDRESS) == "Eicar-Test-Signature"


def test_clamd_over_a_unix_socket(tmp_path):
    path = str(tmp_path / "clamd.sock")
    server = _serve(_UnixClamd(path, _Clamd))
    try:
        assert uploads.clamd_scan(minimal_pdf(EICAR), path) == "Eicar-Test-Signature"
        assert uploads.clamd_scan(minimal_pdf(), path) == ""
    finally:
        server.shutdown()
        server.server_close()


def test_a_virus_is_refused_and_a_clean_file_passes(world, application, api_client, clamd):
    response = _post_document(api_client, world, application, minimal_pdf(EICAR))
    assert response.status_code == 400
    error = response.json()["file"][0]
    assert error["code"] == "virus_found"
    assert "Eicar-Test-Signature" in error["message"]
    assert DocumentVersion.objects.count() == 0
    assert _media_files() == []
    assert _post_document(api_client, world, application, minimal_pdf()).status_code == 201
    assert len(clamd.received) == 2


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_clamd_unreachable_refuses_unless_fail_open(world, application, api_client, settings):
    settings.CLAMD_ADDRESS = f"127.0.0.1:{_closed_port()}"
    settings.CLAMD_TIMEOUT = 2
    response = _post_document(api_client, world, application, minimal_pdf())
    assert response.status_code == 400
    assert response.json()["file"][0]["code"] == "scan_unavailable"
    assert DocumentVersion.objects.count() == 0
    settings.CLAMD_FAIL_OPEN = True
    assert _post_document(api_client, world, application, minimal_pdf()).status_code == 201


# --- translations ----------------------------------------------------------------------------------


def _catalog() -> dict[str, str]:
    """zh_Hans msgid -> msgstr from django.po and, until the lead merges it, new-uploads.po."""
    entries: dict[str, str] = {}
    folder = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
    pair = re.compile(r'msgid ((?:"(?:[^"\\]|\\.)*"\s*)+)msgstr ((?:"(?:[^"\\]|\\.)*"\s*)+)')

    def text(chunk: str) -> str:
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', chunk)).replace('\\"', '"')

    for name in ("django.po", "new-uploads.po"):
        path = folder / name
        if path.exists():
            for msgid, msgstr in pair.findall(path.read_text(encoding="utf-8")):
                if text(msgstr):
                    entries[text(msgid)] = text(msgstr)
    return entries


def test_every_new_message_has_a_chinese_translation():
    source = (Path(settings.BASE_DIR) / "ethics" / "uploads.py").read_text(encoding="utf-8")
    messages = [
        "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', call))
        for call in re.findall(r'_\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\)', source)
        + re.findall(r'gettext\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\)', source)
    ]
    assert len(messages) >= 10
    catalog = _catalog()
    for message in messages:
        assert re.search(r"[\u4e00-\u9fff]", catalog.get(message, "")), message


def test_a_quarantined_document_is_closed_on_the_meeting_route_too(client, world):
    """The meeting's material link is another route to the same versions (R20a): the member who
    declared no conflict still gets 404 for a quarantined version; the secretary opens it."""
    from django.core.files.base import ContentFile

    from meetings import services as meeting_services
    from reviews.models import Document
    from tests.meetings.conftest import opened

    meeting, [item] = opened(world)
    document = Document.objects.create(application=item.application, slot="plan")
    version = DocumentVersion(
        document=document,
        version=1,
        original_name="plan.pdf",
        content_type="application/pdf",
        quarantine="JavaScript",
    )
    version.file.save("plan.pdf", ContentFile(pdf_open_action_js()), save=False)
    version.save()
    url = reverse("meetings:item-document", args=[meeting.pk, item.pk, version.pk])
    member = world.members[3]
    meeting_services.member_declare(item_id=item.pk, actor=member.user, conflicted=False)
    client.force_login(member.user)
    assert client.get(url).status_code == 404
    client.force_login(world.secretary)
    assert client.get(url).status_code == 200
    version.quarantine = ""
    version.save()
    client.force_login(member.user)
    assert client.get(url).status_code == 200  # the same member, the same file, not quarantined


def test_word_97_macros_are_found_by_their_storage_names():
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    entry = "_VBA_PROJECT".encode("utf-16-le") + b"\x00\x00"
    assert uploads.ole_macros(header + entry) == ["_VBA_PROJECT"]
    assert uploads.ole_macros(header + "WordDocument".encode("utf-16-le") + b"\x00\x00") == []
