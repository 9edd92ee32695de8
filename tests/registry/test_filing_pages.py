"""Filings pages, calendar and the dashboard panel: scope, actions, 404s and query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from registry import services
from registry.models import Filing, FilingPackage

pytestmark = pytest.mark.django_db


def _registration(world):
    return Filing.objects.get(committee=world.committee, kind="committee_registration")


def test_list_and_detail_for_the_secretary(client, world):
    filing = _registration(world)
    client.force_login(world.secretary)
    html = client.get(reverse("registry:filing-list")).content.decode()
    assert f'data-filing="{filing.pk}"' in html
    detail = client.get(reverse("registry:filing-detail", args=[filing.pk])).content.decode()
    assert 'id="action-prepare"' in detail


def test_outsiders_get_404_on_every_page(client, world):
    filing = _registration(world)
    for user in (world.outsider, world.stranger, world.member):
        client.force_login(user)
        assert (
            f'data-filing="{filing.pk}"'
            not in client.get(reverse("registry:filing-list")).content.decode()
        )
        assert client.get(reverse("registry:filing-detail", args=[filing.pk])).status_code == 404
        url = reverse("registry:filing-action", args=[filing.pk, "prepare"])
        assert client.post(url).status_code == 404
    assert Filing.objects.get(pk=filing.pk).status == "due"


def test_prepare_submit_acknowledge_from_the_page(client, world):
    filing = _registration(world)
    client.force_login(world.secretary)
    client.post(reverse("registry:filing-action", args=[filing.pk, "prepare"]))
    services.package_render(package_id=FilingPackage.objects.get(filing=filing).pk)
    detail = client.get(reverse("registry:filing-detail", args=[filing.pk])).content.decode()
    assert 'id="package-preview"' in detail
    assert "委员名单" in detail
    assert 'id="action-sign-off"' not in detail  # the secretary does not sign off (R53)
    client.force_login(world.chair)
    detail = client.get(reverse("registry:filing-detail", args=[filing.pk])).content.decode()
    assert 'id="action-sign-off"' in detail
    response = client.post(
        reverse("registry:filing-action", args=[filing.pk, "sign_off"]), {"confirm": "1"}
    )
    assert response.status_code == 302
    client.force_login(world.secretary)
    client.post(
        reverse("registry:filing-action", args=[filing.pk, "submit"]),
        {"submitted_on": str(timezone.localdate()), "receipt": "DJ-77", "confirm": "1"},
    )
    filing.refresh_from_db()
    assert (filing.status, filing.receipt) == ("submitted", "DJ-77")
    client.post(
        reverse("registry:filing-action", args=[filing.pk, "acknowledge"]), {"confirm": "1"}
    )
    filing.refresh_from_db()
    assert filing.status == "acknowledged"


def test_a_refused_action_says_why_and_keeps_the_input(client, world):
    """A refusal answers 409 on the page as in the API, with the message, and the form again
    holding what was typed."""
    filing = _registration(world)
    client.force_login(world.secretary)
    response = client.post(
        reverse("registry:filing-action", args=[filing.pk, "submit"]),
        {"submitted_on": str(timezone.localdate()), "receipt": "X-KEPT-42"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="action-refused"' in html
    assert response.context["message"]
    assert 'value="X-KEPT-42"' in html
    filing.refresh_from_db()
    assert filing.status == "due"


def test_malformed_page_input_is_a_400_with_field_errors(client, world):
    filing = _registration(world)
    client.force_login(world.secretary)
    response = client.post(
        reverse("registry:filing-action", args=[filing.pk, "submit"]),
        {"submitted_on": "not-a-date", "receipt": ""},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"submitted_on", "receipt"}


def test_calendar_shows_deadlines_on_their_last_day(client, world):
    filing = _registration(world)
    client.force_login(world.secretary)
    month = f"{filing.due_on:%Y-%m}"
    html = client.get(reverse("registry:deadline-calendar") + f"?month={month}").content.decode()
    assert f'data-deadline="{filing.deadline_id}"' in html
    client.force_login(world.outsider)
    html = client.get(reverse("registry:deadline-calendar") + f"?month={month}").content.decode()
    assert f'data-deadline="{filing.deadline_id}"' not in html


def test_dashboard_panel_lists_next_obligations(client, world):
    client.force_login(world.admin)
    html = client.get(reverse("ethics:dashboard")).content.decode()
    assert 'id="next-obligations"' in html
    assert f'data-filing="{_registration(world).pk}"' in html
    client.force_login(world.stranger)
    assert 'id="next-obligations"' not in client.get(reverse("ethics:dashboard")).content.decode()


def test_page_query_counts_are_constant(client, world, django_assert_max_num_queries):
    client.force_login(world.secretary)
    filing = _registration(world)
    with django_assert_max_num_queries(10):
        client.get(reverse("registry:filing-list"))
    with django_assert_max_num_queries(15):
        client.get(reverse("registry:filing-detail", args=[filing.pk]))
    for year in range(2000, 2025):
        services.annual_report_open_for(committee_id=world.committee.pk, year=year)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("registry:filing-list")).content.decode()
    assert html.count("data-filing=") == 25  # 25 a page (issue 15), the total says 26
    assert 'data-total="26"' in html
    with django_assert_max_num_queries(10):
        client.get(reverse("registry:deadline-calendar") + "?month=2025-03")


def test_the_package_pdf_previews_inline_for_the_committees_officers(
    client, world, django_assert_max_num_queries
):
    """Issue 15: the package PDF in the site's preview page; the inline route is the download's
    (same checks), framable by the site only, audited as document.preview."""
    from ethics.files import INLINE_CSP
    from ethics.models import AuditEvent

    filing = _registration(world)
    preview = reverse("registry:filing-package-preview", args=[filing.pk])
    inline = reverse("registry:filing-package-inline", args=[filing.pk])
    client.force_login(world.secretary)
    assert client.get(preview).status_code == 404  # nothing rendered yet
    client.post(reverse("registry:filing-action", args=[filing.pk, "prepare"]))
    services.package_render(package_id=FilingPackage.objects.get(filing=filing).pk)
    detail = client.get(reverse("registry:filing-detail", args=[filing.pk])).content.decode()
    assert f'href="{preview}"' in detail
    with django_assert_max_num_queries(15):
        response = client.get(preview)
    assert response.status_code == 200
    assert f'src="{inline}"' in response.content.decode()
    response = client.get(inline)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Security-Policy"] == INLINE_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(action="document.preview")
    assert event.after["document"] == "filing_package"
    download = client.get(reverse("registry:filing-package", args=[filing.pk, "pdf"]))
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Frame-Options"] == "DENY"
    for user in (world.outsider, world.stranger, world.member, world.researcher):
        client.force_login(user)
        assert client.get(preview).status_code == 404
        assert client.get(inline).status_code == 404
    assert AuditEvent.objects.filter(action="document.preview").count() == 1
