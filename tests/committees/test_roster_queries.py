"""The roster filters every app shares, as QuerySet methods, at their date boundaries."""

import datetime as dt

import pytest

from committees.models import Entrustment, Membership
from committees.selectors import institution_admins, officers
from ethics import services
from ethics.models import Deadline
from tests.factories import CommitteeFactory, InstitutionFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2027, 6, 15)
YESTERDAY = DAY - dt.timedelta(days=1)
TOMORROW = DAY + dt.timedelta(days=1)


@pytest.fixture
def roster():
    committee = CommitteeFactory()

    def member(name, **fields):
        fields.setdefault("term_start", dt.date(2026, 1, 5))
        fields.setdefault("term_end", dt.date(2030, 12, 31))
        return MembershipFactory(committee=committee, user=UserFactory(username=name), **fields)

    return {
        "committee": committee,
        "serving": member("serving", role="chair"),
        "ends_today": member("ends_today", term_end=DAY),
        "ended_yesterday": member("ended_yesterday", term_end=YESTERDAY),
        "starts_today": member("starts_today", term_start=DAY, role="vice_chair"),
        "starts_tomorrow": member("starts_tomorrow", term_start=TOMORROW),
        "left_today": member("left_today", ended_on=DAY),
        "left_yesterday": member("left_yesterday", ended_on=YESTERDAY),
        "leaves_tomorrow": member("leaves_tomorrow", ended_on=TOMORROW),
        "secretary": member("secretary", role="secretary"),
    }


def _names(queryset):
    return {m.user.username for m in queryset.select_related("user")}


def test_in_term_is_an_open_appointment_whose_term_covers_the_day(roster):
    assert _names(Membership.objects.in_term(on=DAY)) == {
        "serving",
        "ends_today",
        "starts_today",
        "secretary",
    }


def test_in_term_boundaries_move_with_the_day(roster):
    assert "ended_yesterday" in _names(Membership.objects.in_term(on=YESTERDAY))
    assert "ends_today" not in _names(Membership.objects.in_term(on=TOMORROW))
    assert "starts_tomorrow" in _names(Membership.objects.in_term(on=TOMORROW))
    assert "starts_today" not in _names(Membership.objects.in_term(on=YESTERDAY))


def test_in_office_counts_a_member_until_the_last_day_in_office(roster):
    """Who was in office on a day, also in the past: ended appointments count up to ended_on."""
    assert _names(Membership.objects.in_office(on=DAY)) == {
        "serving",
        "ends_today",
        "starts_today",
        "left_today",
        "leaves_tomorrow",
        "secretary",
    }
    assert "left_yesterday" in _names(Membership.objects.in_office(on=YESTERDAY))
    for membership in Membership.objects.in_office(on=DAY):
        assert membership.in_term(DAY)  # the row-level check agrees with the queryset


def test_not_ended_before(roster):
    names = _names(Membership.objects.not_ended_before(DAY))
    assert {"left_today", "leaves_tomorrow", "serving"} <= names
    assert "left_yesterday" not in names


def test_voting_managing_and_roles(roster):
    assert "secretary" not in _names(Membership.objects.voting())
    assert _names(Membership.objects.in_term(on=DAY).managing()) == {
        "serving",
        "starts_today",
        "secretary",
    }
    assert _names(Membership.objects.with_role("chair", "secretary")) == {"serving", "secretary"}
    assert _names(Membership.objects.open().filter(role="member")) >= {"ends_today"}


def test_officers_and_institution_admins(roster, time_machine):
    time_machine.move_to(dt.datetime(2027, 6, 15, 12, tzinfo=dt.UTC))
    committee = roster["committee"]
    assert [u.username for u in officers(committee.pk, ["chair"])] == ["serving"]
    assert [u.username for u in officers(committee.pk, ["vice_chair"])] == ["starts_today"]
    assert officers(committee.pk, ["vice_chair"], on=YESTERDAY) == []
    assert officers(None, ["chair"]) == []
    admin = UserFactory(institution=committee.institution, institution_admin=True)
    UserFactory(institution=committee.institution, institution_admin=True, is_active=False)
    UserFactory(institution=InstitutionFactory(), institution_admin=True)
    assert institution_admins(committee.pk) == [admin]


def test_entrustment_active_on_its_first_and_last_day():
    committee = CommitteeFactory()

    def entrustment(**fields):
        return Entrustment.objects.create(
            entrusting_institution=InstitutionFactory(),
            receiving_committee=committee,
            scope="全部",
            **fields,
        )

    open_ended = entrustment(starts_on=DAY)
    ends_today = entrustment(starts_on=YESTERDAY, ends_on=DAY)
    ended_early = entrustment(starts_on=YESTERDAY, ends_on=TOMORROW, ended_on=YESTERDAY)
    future = entrustment(starts_on=TOMORROW)
    assert set(Entrustment.objects.active(on=DAY)) == {open_ended, ends_today}
    assert set(Entrustment.objects.active(on=YESTERDAY)) == {ends_today, ended_early}
    assert set(Entrustment.objects.active(on=TOMORROW)) == {open_ended, future}
    for row in Entrustment.objects.all():
        assert row.active_on(DAY) == (row in {open_ended, ends_today})


def test_deadline_active_and_of_subject():
    committee, other = CommitteeFactory(), CommitteeFactory()
    due = dt.datetime(2027, 7, 1, tzinfo=dt.UTC)
    for subject in (committee, other):
        services.deadline_open(
            kind="committee_update", subject=subject, due_at=due, title="t", committee_id=subject.pk
        )
    services.deadline_close(kind="committee_update", subject=other)
    assert Deadline.objects.active().count() == 1
    assert Deadline.objects.of(committee).get().committee_id == committee.pk
    assert not Deadline.objects.of(other).active().exists()
