"""The dashboard's compositions read their rosters as rows (``roster_records_on``, one query
compiled once per shape, issue 18): the same records, and so the same composition (R4-R8, N14),
as ``composition_of`` makes from the memberships it loads itself."""

import datetime as dt

import pytest
from django.utils import timezone

from committees import selectors
from committees.models import Committee, Membership, Pledge
from ethics.models import User
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _records_by_instances(committee, on):
    members = list(
        selectors._member_queryset()
        .filter(committee=committee)
        .not_ended_before(on)
        .order_by("role", "id")
    )
    return [selectors.member_record(m) for m in members]


def test_roster_records_are_member_records(world):
    today = timezone.localdate()
    # R8/N14: one member with both pledges, one with the confidentiality pledge only, one
    # with none
    both, first = world.committee.memberships.filter(role="member").order_by("id")[:2]
    for kind in ("confidentiality", "coi"):
        Pledge.objects.create(membership=both, kind=kind, signed_on=today)
    Pledge.objects.create(membership=first, kind="confidentiality", signed_on=today)
    bare = MembershipFactory(committee=world.committee, user__name="", user__first_name="三")
    Pledge.objects.filter(membership=bare).delete()
    # an appointment that ended yesterday (not on today's roster) and one ending today (on it)
    gone = MembershipFactory(committee=world.committee)
    Membership.objects.filter(pk=gone.pk).update(ended_on=today - dt.timedelta(days=1))
    last_day = MembershipFactory(committee=world.committee)
    Membership.objects.filter(pk=last_day.pk).update(ended_on=today)
    committees = list(Committee.objects.order_by("id"))
    rosters = selectors.roster_records_on([c.pk for c in committees], today)
    assert set(rosters) == {c.pk for c in committees}
    for committee in committees:
        assert rosters[committee.pk] == _records_by_instances(committee, today), committee.name
        assert selectors.composition_of(
            committee, today, records=rosters[committee.pk]
        ) == selectors.composition_of(committee, today)
    mine = {record.id: record for record in rosters[world.committee.pk]}
    assert gone.pk not in mine
    assert last_day.pk in mine
    assert mine[both.pk].confidentiality_pledge
    assert mine[both.pk].coi_declaration
    assert mine[first.pk].confidentiality_pledge
    assert not mine[first.pk].coi_declaration
    assert not mine[bare.pk].confidentiality_pledge
    assert not mine[bare.pk].coi_declaration
    assert mine[bare.pk].name == User.objects.get(pk=bare.user_id).display_name
    assert selectors.roster_records_on([], today) == {}


def test_the_dashboard_panel_lists_what_the_reader_manages(client, world):
    """The panel's committees: those the reader runs (secretary), their institution's (admin);
    a plain member or a researcher runs none and gets no panel (no query per committee)."""
    for reader, shown in (
        (world.secretary, True),
        (world.admin, True),
        (world.member, False),
        (world.researcher, False),
    ):
        client.force_login(reader)
        html = client.get("/").content.decode()
        assert (world.committee.name in html and "我的委员会" in html) is shown, reader.username
