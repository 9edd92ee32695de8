"""Issue 18: a list filter's committee options (``committees.selectors.committee_choice_rows``,
one prepared query) are exactly ``committees_for_user``'s committees, in its order, each named
as the committee shows itself; the filters still check a value against the queryset."""

import datetime as dt

import pytest
from django.urls import reverse

from committees.selectors import committee_choice_rows, committees_for_user
from ethics.models import User
from tests.factories import CommitteeFactory, InstitutionFactory, MembershipFactory, UserFactory
from tests.world import ROLES

pytestmark = pytest.mark.django_db


def test_the_same_committees_in_the_same_order_for_every_reader(world):
    CommitteeFactory(institution=world.institution, name="甲 second committee")
    CommitteeFactory(institution=InstitutionFactory(name="别的机构"), name="乙")
    ended = MembershipFactory(
        committee=CommitteeFactory(name="旧委员会"),
        user=world.researcher,
        ended_on=dt.date(2026, 2, 1),
    )
    assert ended.committee_id  # an ended appointment shows nothing
    readers = [world.user(role) for role in ROLES] + [
        UserFactory(is_superuser=True, institution=None),
        UserFactory(institution=world.institution, institution_admin=True),
        UserFactory(institution=world.institution),
        world.researcher,
    ]
    for reader in readers:
        user = User.objects.get(pk=reader.pk)  # nothing memoised
        expected = [(c.pk, str(c)) for c in committees_for_user(user)]
        assert committee_choice_rows(user) == expected, user.username
    admin = readers[-3]
    assert len(committee_choice_rows(User.objects.get(pk=admin.pk))) >= 2


def test_a_list_filter_shows_them_and_still_checks_a_value(world, client):
    client.force_login(world.secretary)
    page = client.get(reverse("registry:filing-list")).content.decode()
    assert f'<option value="{world.committee.pk}">{world.committee.name}</option>' in page
    assert f'value="{world.other_committee.pk}"' not in page
    hidden = client.get(reverse("registry:filing-list"), {"committee": world.other_committee.pk})
    assert hidden.status_code == 200
    assert 'aria-invalid="true"' in hidden.content.decode()


def test_the_dashboards_committees_are_the_first_of_the_readers(world, django_assert_num_queries):
    """The dashboard's committees panel reads ``first_committees_for_user`` (one compiled
    query): the first DASHBOARD_COMMITTEES of ``committees_for_user``, as instances."""
    from committees.selectors import DASHBOARD_COMMITTEES, first_committees_for_user

    institution = InstitutionFactory(name="多委员会机构")
    many = [
        CommitteeFactory(institution=institution, name=f"委员会{n:02}")
        for n in range(DASHBOARD_COMMITTEES + 1)
    ]
    readers = [world.user(role) for role in ROLES] + [
        UserFactory(is_superuser=True, institution=None),
        UserFactory(institution=institution, institution_admin=True),
        world.researcher,
    ]
    for reader in readers:
        for _ in range(2):  # the first call makes the plan, the second runs it
            user = User.objects.get(pk=reader.pk)
            expected = list(committees_for_user(user)[:DASHBOARD_COMMITTEES])
            # One query (the appointments were read above, once per request); none for a
            # reader without an appointment (an empty IN list).
            with django_assert_num_queries(1 if expected else 0):
                got = first_committees_for_user(user)
            assert [(c.pk, c.name, c.institution_id) for c in got] == [
                (c.pk, c.name, c.institution_id) for c in expected
            ], user.username
    admin = User.objects.get(pk=readers[-2].pk)
    assert [c.pk for c in first_committees_for_user(admin)] == [
        c.pk for c in many[:DASHBOARD_COMMITTEES]
    ]
