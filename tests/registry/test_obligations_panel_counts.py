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
