"""A conflict declared anywhere closes an application's materials everywhere (R20a).

A member who may open the materials loses them on every route once a conflict is declared on a
meeting item, on the reviewer assignment, or as a standing declaration: the document downloads
(page and API), the API document list, the application page's checklist, the meeting page's links
and material link, the tally partial and the meeting API's tally and votes.
"""

import importlib

import pytest
from django.urls import reverse

from ethics.errors import Conflict
from meetings import services as meetings
from reviews import services
from reviews.models import ConflictDeclaration, ReviewerAssignment
from tests.access_world import MATERIAL_MARK, NAME_MARK, OPINION_MARK, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    """The meeting is open and the votes are cast; nobody has a standing declaration yet."""
    return build(decided=False, standing=False)


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _routes(w) -> dict[str, str]:
    meeting, item = w.meeting.pk, w.item.pk
    return {
        "page download": reverse("reviews:document-download", args=[w.version_id]),
        "api download": f"/api/v1/document-versions/{w.version_id}/download/",
        "api documents": f"/api/v1/applications/{w.application.pk}/documents/",
        "meeting link": reverse("meetings:item-document", args=[meeting, item, w.version_id]),
        "tally partial": reverse("meetings:item-tally", args=[meeting, item]),
    }


def _assert_open(client, w) -> None:
    routes = _routes(w)
    assert MATERIAL_MARK in _body(client.get(routes["page download"]))
    assert MATERIAL_MARK in _body(client.get(routes["api download"]))
    assert MATERIAL_MARK in _body(client.get(routes["meeting link"]))
    assert NAME_MARK in client.get(routes["api documents"]).content.decode()
    assert b'data-count="approve"' in client.get(routes["tally partial"]).content
    page = client.get(reverse("reviews:application-detail", args=[w.application.pk]))
    assert NAME_MARK in page.content.decode()
    meeting = client.get(reverse("meetings:meeting-detail", args=[w.meeting.pk])).content
    assert b'data-document="' in meeting
    assert b'data-count="approve"' in meeting
    api = client.get(f"/api/v1/meetings/{w.meeting.pk}/").json()["items"][0]
    assert api["tally"]["counts"]["approve"] == 5


def _assert_closed(client, w) -> None:
    for name, url in _routes(w).items():
        assert client.get(url).status_code == 404, name
    page = client.get(reverse("reviews:application-detail", args=[w.application.pk]))
    if page.status_code == 200:  # a reviewer still sees the application, not its documents
        assert NAME_MARK not in page.content.decode()
        assert b'data-present="yes"' not in page.content
        assert OPINION_MARK not in page.content.decode()
    else:
        assert page.status_code == 404
    meeting = client.get(reverse("meetings:meeting-detail", args=[w.meeting.pk]))
    assert meeting.status_code == 200  # the member still sits on the meeting's other business
    assert b'data-document="' not in meeting.content
    assert b'data-count="' not in meeting.content
    api = client.get(f"/api/v1/meetings/{w.meeting.pk}/").json()["items"][0]
    assert api["tally"] is None
    assert api["votes"] is None


def test_a_meeting_item_conflict_closes_every_route(client, w):
    """The reported bug: the meeting link was closed, the other routes handed the files over."""
    user = w.member.user
    client.force_login(user)
    _assert_open(client, w)

    # The member, who had declared no conflict on the meeting item, now declares one.
    meetings.member_declare(item_id=w.item.pk, actor=user, conflicted=True, note="亲属关系")

    _assert_closed(client, w)
    declaration = ConflictDeclaration.objects.get(user=user)
    assert (declaration.source, declaration.source_ref) == ("meeting_item", f"item:{w.item.pk}")


def test_a_recusal_recorded_by_the_secretary_counts_as_a_conflict(client, w):
    client.force_login(w.member.user)
    meetings.recusal_record(
        item_id=w.item.pk, membership_id=w.member.pk, reason="与申请人合作", actor=w.secretary
    )
    _assert_closed(client, w)


def test_a_standing_declaration_closes_every_route(client, w):
    user = w.member.user
    client.force_login(user)
    _assert_open(client, w)
    response = client.post(
        f"/api/v1/applications/{w.application.pk}/conflicts/",
        {"reason": "长期合作关系"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["source"] == "standing"
    _assert_closed(client, w)
    # ...and it recuses the member from the item's quorum and vote.
    with pytest.raises(Conflict) as caught:
        meetings.vote_cast(item_id=w.item.pk, choice="approve", actor=user)
    assert caught.value.code == "conflict_of_interest"
    from meetings.selectors import item_tally

    # Recused: the meeting-item declaration, the assignment conflict and this declaration.
    assert item_tally(w.item).recused == 3


def test_a_withdrawn_standing_declaration_reopens_the_materials(client, w):
    user = w.member.user
    declaration = services.conflict_declare(
        application_id=w.application.pk, actor=user, reason="误报"
    )
    client.force_login(user)
    _assert_closed(client, w)
    services.conflict_withdraw(declaration_id=declaration.pk, actor=user, reason="误报")
    _assert_open(client, w)


def test_an_assignment_conflict_closes_the_meeting_routes_too(client, w):
    user = w.coi_assignment.user
    client.force_login(user)
    _assert_closed(client, w)
    with pytest.raises(Conflict) as caught:
        meetings.member_declare(item_id=w.item.pk, actor=user, conflicted=False)
    assert caught.value.code == "conflict_declared"


def test_the_assignment_page_closes_with_a_conflict_declared_elsewhere(client, w):
    user = w.member.user
    assignment = ReviewerAssignment.objects.get(membership=w.member)
    url = reverse("reviews:assignment-detail", args=[assignment.pk])
    link = reverse("reviews:document-download", args=[w.version_id]).encode()
    client.force_login(user)
    assert link in client.get(url).content
    services.conflict_declare(application_id=w.application.pk, actor=user, reason="合作")
    assert link not in client.get(url).content


def test_standing_declarations_for_someone_else_are_for_officers_and_members_only(api_client, w):
    url = f"/api/v1/applications/{w.application.pk}/conflicts/"
    api_client.force_authenticate(w.secretary)
    done = api_client.post(url, {"user": w.plain.user_id, "reason": "师生关系"}, format="json")
    assert done.status_code == 201
    not_member = api_client.post(url, {"user": w.outsider.pk, "reason": "x"}, format="json")
    assert not_member.status_code == 400
    assert api_client.post(url, {"user": w.plain.user_id}, format="json").status_code == 400
    api_client.force_authenticate(w.member.user)
    refused = api_client.post(url, {"user": w.plain.user_id, "reason": "x"}, format="json")
    assert refused.status_code == 403
    api_client.force_authenticate(w.outsider)
    assert api_client.post(url, {"reason": "x"}, format="json").status_code == 404


def test_conflicted_members_cannot_be_assigned_or_give_opinions(w):
    services.conflict_declare(
        application_id=w.application.pk, user_id=w.ethics.user_id, reason="x", actor=w.secretary
    )
    with pytest.raises(Conflict) as caught:
        services.application_assign(
            application_id=w.application.pk, membership_ids=[w.ethics.pk], actor=w.secretary
        )
    assert caught.value.code == "member_conflicted"
    assignment = ReviewerAssignment.objects.get(membership=w.coi_standing)
    services.conflict_declare(
        application_id=w.application.pk, actor=w.coi_standing.user, reason="x"
    )
    with pytest.raises(Conflict) as caught:
        services.opinion_record(
            assignment_id=assignment.pk, verdict="approve", actor=w.coi_standing.user
        )
    assert caught.value.code == "conflict_declared"


def test_the_migrations_backfill_the_conflicts_already_declared(w):
    ConflictDeclaration.objects.all().delete()
    for module in (
        "reviews.migrations.0004_backfill_assignment_conflicts",
        "meetings.migrations.0002_backfill_item_conflicts",
    ):
        from django.apps import apps

        importlib.import_module(module).backfill(apps, None)
    found = set(ConflictDeclaration.objects.values_list("user_id", "source"))
    assert found == {
        (w.coi_assignment.user_id, "assignment"),
        (w.coi_meeting.user_id, "meeting_item"),
    }


def test_the_admin_lists_the_declarations_read_only(client, w):
    services.conflict_declare(application_id=w.application.pk, actor=w.member.user, reason="合作")
    client.force_login(w.superuser)
    page = client.get("/admin/reviews/conflictdeclaration/")
    assert page.status_code == 200
    assert client.get("/admin/reviews/conflictdeclaration/add/").status_code == 403
