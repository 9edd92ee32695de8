"""ethics.hooks.is_officer: who counts as an officer for the account protections of issue 13."""

import pytest

from ethics import hooks
from tests.world import build_world


@pytest.mark.django_db
def test_officers_are_admins_and_committee_office_holders_only():
    world = build_world()
    assert hooks.is_officer(world.chair)
    assert hooks.is_officer(world.vice_chair)
    assert hooks.is_officer(world.secretary)
    assert hooks.is_officer(world.admin)  # the institution's admin
    assert hooks.is_officer(world.outsider)  # another committee's secretary
    assert not hooks.is_officer(world.member)
    assert not hooks.is_officer(world.researcher)
    assert not hooks.is_officer(world.stranger)


@pytest.mark.django_db
def test_an_ended_office_no_longer_counts():
    world = build_world()
    membership = world.secretary_membership
    membership.delete()
    user = type(world.secretary).objects.get(pk=world.secretary.pk)  # a fresh request's user
    assert not hooks.is_officer(user)
