"""Deadlines page, CSV export and /api/v1/deadlines/: same rows, same permission scope."""

import datetime
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from committees.models import Membership
from ethics import services
from tests.factories import CommitteeFactory, InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _member(committee, user, role="secretary"):
    today = timezone.localdate()
    return Membership.objects.create(
        committee=committee,
        user=user,
        role=role,
        expertise="science",
        gender="female",
        external=False,
        term_start=today - datetime.timedelta(days=10),
        term_end=today + datetime.timedelta(days=700),
    )


def _deadline(committee, title, kind="decision", days=5):
    return services.deadline_open(
        kind=kind,
        subject=committee,
        due_at=timezone.now() + timedelta(days=days),
        title=title,
        rule="R25",
        committee_id=committee.pk,
    )


@pytest.fixture
def world():
    mine, other = CommitteeFactory(), CommitteeFactory()
    secretary, outsider = UserFactory(), UserFactory(institution=other.institution)
    _member(mine, secretary)
    _member(other, outsider)
    _deadline(mine, "本委员会的期限")
    foreign = _deadline(other, "别人的期限")
    return {"mine": mine, "secretary": secretary, "outsider": outsider, "foreign": foreign}


def test_api_lists_only_visible_deadlines_with_contract_fields(api_client, world):
    api_client.force_authenticate(world["secretary"])
    body = api_client.get("/api/v1/deadlines/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert set(row) >= {"id", "kind", "subject", "committee", "due_at", "state", "met_at"}
    assert row["subject"] == {"type": "committee", "id": world["mine"].pk}
    assert row["state"] == "open"


def test_api_outsider_gets_404_for_another_committees_deadline(api_client, world):
    api_client.force_authenticate(world["secretary"])
    assert api_client.get(f"/api/v1/deadlines/{world['foreign'].pk}/").status_code == 404


def test_api_filters_by_state_and_kind(api_client, world):
    _deadline(world["mine"], "任期", kind="member_term", days=40)
    api_client.force_authenticate(world["secretary"])
    assert api_client.get("/api/v1/deadlines/?kind=member_term").json()["count"] == 1
    assert api_client.get("/api/v1/deadlines/?state=met").json()["count"] == 0
    assert api_client.get(f"/api/v1/deadlines/?committee={world['mine'].pk}").json()["count"] == 2


def test_institution_admin_sees_all_committees_of_the_institution(api_client):
    inst = InstitutionFactory()
    a, b = CommitteeFactory(institution=inst), CommitteeFactory(institution=inst)
    _deadline(a, "A")
    _deadline(b, "B")
    _deadline(CommitteeFactory(), "C")
    api_client.force_authenticate(UserFactory(institution=inst, institution_admin=True))
    assert api_client.get("/api/v1/deadlines/").json()["count"] == 2


def test_page_and_export_show_the_same_scope(client, world):
    client.force_login(world["secretary"])
    html = client.get(reverse("registry:deadline-list")).content.decode()
    assert "本委员会的期限" in html
    assert "别人的期限" not in html
    csv_text = b"".join(client.get(reverse("registry:deadline-export")).streaming_content).decode()
    assert "本委员会的期限" in csv_text
    assert "别人的期限" not in csv_text


def test_researcher_without_committee_sees_an_empty_list(client, world):
    client.force_login(UserFactory())
    html = client.get(reverse("registry:deadline-list")).content.decode()
    assert "本委员会的期限" not in html


def test_query_counts_are_constant(client, api_client, world, django_assert_max_num_queries):
    client.force_login(world["secretary"])
    api_client.force_authenticate(world["secretary"])
    with django_assert_max_num_queries(10):
        client.get(reverse("registry:deadline-list"))
    with django_assert_max_num_queries(6):
        api_client.get("/api/v1/deadlines/")
    for i in range(30):
        services.deadline_open(
            kind="decision",
            subject=UserFactory(),
            due_at=timezone.now() + timedelta(days=i + 1),
            title=f"y{i}",
            committee_id=world["mine"].pk,
        )
    with django_assert_max_num_queries(10):
        client.get(reverse("registry:deadline-list"))
    with django_assert_max_num_queries(6):
        assert api_client.get("/api/v1/deadlines/").json()["count"] == 31


def test_the_deadline_export_is_audited_with_its_filters(client, world):
    """Every download is audited (design): the CSV of the deadlines, with its filters."""
    from ethics.models import AuditEvent

    client.force_login(world["secretary"])
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.get(reverse("registry:deadline-export"), {"q": "期限", "state": ""})
    assert "本委员会的期限" in b"".join(response.streaming_content).decode()
    (event,) = AuditEvent.objects.filter(pk__gt=before)
    assert (event.action, event.actor) == ("deadline.export", world["secretary"])
    assert event.after == {"format": "csv", "filters": {"q": "期限"}}
