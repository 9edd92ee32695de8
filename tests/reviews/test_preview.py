"""PDFs preview inline for those allowed to open them (issue 15): the download's route with an
`inline` flag (same checks, audited as document.preview), framable by the site only, on a
preview page of the site; non-PDFs are download-only; outsiders and conflicted people get 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ethics.files import INLINE_CSP
from ethics.models import AuditEvent
from reviews import services
from reviews.models import Decision, DocumentVersion
from tests.reviews.conftest import approved_project, draft, submitted

pytestmark = pytest.mark.django_db

# A 1×1 PNG: accepted as an upload, never previewed.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def _urls(version):
    return (
        reverse("reviews:document-preview", args=[version.pk]),
        reverse("reviews:document-inline", args=[version.pk]),
        reverse("reviews:document-download", args=[version.pk]),
    )


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def _version(application):
    return DocumentVersion.objects.filter(document__application=application).order_by("pk")[0]


def test_the_preview_page_frames_the_inline_route(world, client, django_assert_max_num_queries):
    application = submitted(world)
    preview, inline, download = _urls(_version(application))
    client.force_login(world.researcher)
    with django_assert_max_num_queries(15):
        response = client.get(preview)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<iframe class="pdf-preview" id="pdf-preview" src="{inline}"' in html
    assert f'href="{download}"' in html
    assert not AuditEvent.objects.filter(action="document.preview").exists()  # the page itself


def test_the_inline_route_serves_the_pdf_inline_with_its_headers_and_audit(world, client):
    application = submitted(world)
    version = _version(application)
    _preview, inline, download = _urls(version)
    response = _get(client, world.researcher, inline)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Security-Policy"] == INLINE_CSP
    assert "frame-ancestors 'self'" in INLINE_CSP
    assert "default-src 'none'" in INLINE_CSP
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.get(action="document.preview")
    assert event.actor_id == world.researcher.pk
    assert event.after["version"] == version.version
    # The download stays an attachment that no page may frame.
    response = client.get(download)
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert AuditEvent.objects.filter(action="document.download").count() == 1


def test_the_application_page_links_the_preview_of_pdfs_only(world, client):
    application = draft(world, complete=True)
    services.document_upload(
        application_id=application.pk,
        slot="plan",
        upload=SimpleUploadedFile("scan.png", PNG, content_type="image/png"),
        actor=world.researcher,
    )
    png = DocumentVersion.objects.get(document__application=application, content_type="image/png")
    pdfs = DocumentVersion.objects.filter(
        document__application=application, content_type="application/pdf"
    ).exclude(document__slot="plan")
    html = _get(
        client, world.researcher, reverse("reviews:application-detail", args=[application.pk])
    ).content.decode()
    for version in pdfs:
        assert f'data-preview="{version.pk}"' in html
    assert f'data-preview="{png.pk}"' not in html
    # A non-PDF is download-only: no preview page and no inline route.
    preview, inline, download = _urls(png)
    assert client.get(preview).status_code == 404
    assert client.get(inline).status_code == 404
    assert client.get(download).status_code == 200
    assert not AuditEvent.objects.filter(action="document.preview").exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("researcher", 200),  # the applicant
        ("secretary", 200),  # the committee's officer, once submitted
        ("chair", 200),
        ("member", 404),  # not assigned, no declaration
        ("outsider", 404),  # another institution's secretary
        ("stranger", 404),
        ("colleague", 404),  # the institution's researcher, not on the team
    ],
)
def test_who_may_preview_a_document(world, client, role, status):
    application = submitted(world)
    world.colleague.refresh_from_db()
    application.project.team.remove(world.colleague)
    preview, inline, _download = _urls(_version(application))
    user = world.user(role)
    assert _get(client, user, preview).status_code == status
    assert client.get(inline).status_code == status
    assert AuditEvent.objects.filter(action="document.preview").count() == (status == 200)


def test_a_conflicted_officer_gets_404(world, client):
    application = submitted(world)
    services.conflict_declare(application_id=application.pk, actor=world.chair, reason="合作者")
    preview, inline, download = _urls(_version(application))
    assert _get(client, world.chair, preview).status_code == 404
    assert client.get(inline).status_code == 404
    assert client.get(download).status_code == 404
    assert not AuditEvent.objects.filter(action="document.preview").exists()


def test_a_draft_is_not_the_committees_yet(world, client):
    application = draft(world)
    preview, inline, _download = _urls(_version(application))
    assert _get(client, world.secretary, preview).status_code == 404
    assert client.get(inline).status_code == 404


def test_a_quarantined_pdf_is_never_previewed(world, client):
    application = submitted(world)
    version = _version(application)
    DocumentVersion.objects.filter(pk=version.pk).update(quarantine="JavaScript")
    preview, inline, _download = _urls(version)
    assert _get(client, world.secretary, preview).status_code == 404
    assert client.get(inline).status_code == 404


def test_the_letter_previews_inline_for_those_who_may_download_it(world, client):
    approved_project(world)
    decision = services.letter_render(decision_id=Decision.objects.get().pk)
    preview = reverse("reviews:letter-preview", args=[decision.pk])
    inline = reverse("reviews:letter-inline", args=[decision.pk])
    response = _get(client, world.researcher, preview)
    assert response.status_code == 200
    assert f'src="{inline}"' in response.content.decode()
    page = _get(
        client,
        world.researcher,
        reverse("reviews:application-detail", args=[decision.application_id]),
    ).content.decode()
    assert f'data-letter-preview="{decision.pk}"' in page
    response = client.get(inline)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Security-Policy"] == INLINE_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(action="document.preview")
    assert event.after["document"] == "letter"
    assert event.after["number"] == decision.number
    for role in ("outsider", "stranger"):
        assert _get(client, world.user(role), preview).status_code == 404
        assert client.get(inline).status_code == 404
    assert AuditEvent.objects.filter(action="document.preview").count() == 1
