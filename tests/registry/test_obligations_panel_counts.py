"""The dashboard's obligations panel counts its figures from its own list when that list holds
every open filing (issue 18): the same figures as the aggregate (selectors.filing_counts)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from ethics.models import Deadline, User
from registry import hooks, selectors
from registry.models import Filing

pytestmark = pytest.mark.django_db


def _figures(counts):
    return (counts.due, counts.overdue, counts.prepared)


def _panel(user):
    # A fresh user object, as each request has (the role reads are memoised on it).
    return hooks.obligations_panel(SimpleNamespace(user=User.objects.get(pk=user.pk)))


@pytest.mark.parametrize(
    ("status", "overdue"),
    [("due", False), ("due", True), ("prepared", True), ("prepared", False), ("submitted", True)],
)
@pytest.mark.parametrize("shown", [8, 1])
def test_panel_figures_equal_the_aggregate(world, monkeypatch, status, overdue, shown):
    monkeypatch.setattr(hooks, "_NEXT_SHOWN", shown)
    filing = Filing.objects.get(committee=world.committee, kind="committee_registration")
    done = {"receipt": "R-1", "submitted_on": timezone.localdate()} if status == "submitted" else {}
    Filing.objects.filter(pk=filing.pk).update(status=status, **done)
    if overdue:
        Deadline.objects.filter(pk=filing.deadline_id).update(
            due_at=timezone.now() - dt.timedelta(days=1)
        )
    for user in (world.secretary, world.chair, world.admin):
        panel = _panel(user)
        assert panel is not None
        assert _figures(panel.counts) == _figures(selectors.filing_counts(user))
        # shown=1 with one open filing: the list may not hold them all, the aggregate is read
        if shown == 1 and status != "submitted":
            assert isinstance(panel.counts, selectors.FilingCounts)
    if status == "due" and overdue:
        assert _figures(_panel(world.secretary).counts) == (1, 1, 0)


def _visible_figures(user):
    """The counts as the policy's queryset gives them, row by row."""
    from registry.policies import FilingPolicy

    rows = list(FilingPolicy().visible(user, Filing.objects.select_related("deadline")))
    return selectors.FilingCounts(
        due=sum(f.status == "due" for f in rows),
        overdue=sum(f.is_overdue for f in rows),
        prepared=sum(f.status == "prepared" for f in rows),
        submitted=sum(f.status == "submitted" for f in rows),
        acknowledged=sum(f.status == "acknowledged" for f in rows),
    )


def test_filing_counts_count_what_each_reader_may_see(world):
    """selectors.filing_counts (one prepared aggregate) counts the filings FilingPolicy shows:
    every reader, a superuser, an institution admin, someone who runs nothing."""
    from tests.factories import UserFactory

    mine = Filing.objects.get(committee=world.committee, kind="committee_registration")
    Deadline.objects.filter(pk=mine.deadline_id).update(
        due_at=timezone.now() - dt.timedelta(days=1)
    )
    today = timezone.localdate()
    Filing.objects.create(
        kind="annual_report",
        committee=world.committee,
        due_on=today,
        status="prepared",
        period=2025,
    )
    Filing.objects.create(
        kind="nhc_annual_report",
        committee=world.committee,
        due_on=today,
        status="acknowledged",
        receipt="R-9",
        submitted_on=today,
        acknowledged_on=today,
        period=2025,
    )
    Filing.objects.create(  # another committee's, seen by the superuser only
        kind="annual_report", committee=world.other_committee, due_on=today, period=2025
    )
    readers = [
        world.secretary,
        world.chair,
        world.admin,
        world.researcher,
        world.outsider,
        UserFactory(is_superuser=True, institution=None),
    ]
    seen = set()
    for reader in readers:
        user = User.objects.get(pk=reader.pk)  # nothing memoised
        counts = selectors.filing_counts(User.objects.get(pk=reader.pk))
        assert counts == _visible_figures(user), user.username
        seen.add(counts)
    assert len(seen) >= 2  # the readers do not all see the same filings
    assert selectors.filing_counts(User.objects.get(pk=world.secretary.pk)) == (
        selectors.FilingCounts(due=1, overdue=1, prepared=1, submitted=0, acknowledged=1)
    )
    assert selectors.filing_counts(User.objects.get(pk=world.researcher.pk)) == (
        selectors.FilingCounts(0, 0, 0, 0, 0)
    )


def test_panel_rows_are_the_policys_open_filings(world):
    """The panel's rows (one prepared query, issue 18) are FilingPolicy's open filings, soonest
    first, at most OBLIGATIONS_SHOWN, each overdue exactly when Filing.is_overdue says so."""
    from registry.policies import FilingPolicy
    from registry.workflow import OPEN_STATUSES

    today = timezone.localdate()
    for year in range(2015, 2025):  # more open filings than the panel shows
        Filing.objects.create(
            kind="annual_report",
            committee=world.committee,
            due_on=today + dt.timedelta(days=year - 2020),
            period=year,
            status="prepared" if year % 2 else "due",
        )
    mine = Filing.objects.get(committee=world.committee, kind="committee_registration")
    Deadline.objects.filter(pk=mine.deadline_id).update(
        due_at=timezone.now() - dt.timedelta(days=1)
    )
    Filing.objects.create(  # another committee's, seen by the superuser only
        kind="annual_report", committee=world.other_committee, due_on=today, period=2025
    )
    from tests.factories import UserFactory

    superuser = UserFactory(is_superuser=True, institution=None)
    for reader in (world.secretary, world.admin, world.researcher, superuser):
        user = User.objects.get(pk=reader.pk)
        expected = [
            (f.pk, f.kind, f.period, f.committee.name, f.due_on, f.status, f.is_overdue)
            for f in FilingPolicy()
            .visible(user, Filing.objects.select_related("committee", "deadline"))
            .filter(status__in=OPEN_STATUSES)
            .order_by("due_on", "id")[: selectors.OBLIGATIONS_SHOWN]
        ]
        rows = selectors.next_obligations(User.objects.get(pk=reader.pk))
        assert [tuple(vars(row).values()) for row in rows] == expected, user.username
    secretary_rows = selectors.next_obligations(User.objects.get(pk=world.secretary.pk))
    assert len(secretary_rows) == selectors.OBLIGATIONS_SHOWN
    assert any(row.overdue for row in secretary_rows) or mine.due_on > secretary_rows[-1].due_on
    assert selectors.next_obligations(User.objects.get(pk=world.researcher.pk)) == []
    assert secretary_rows[0].kind_label != secretary_rows[0].kind  # a label, not the code
