"""Issue 18: ``known_committees`` (a list filter's committee choices on every list page, the
project form's committees) is one condition over the committee table; it must be exactly the
union of the committees the person may see and those that may review their projects (R17)."""

import datetime as dt

import pytest
from django.utils import timezone

from committees.models import Entrustment
from committees.selectors import committees_for_user
from reviews.selectors import known_committee_choices, known_committees, reviewable_committees
from tests.factories import CommitteeFactory, InstitutionFactory, UserFactory
from tests.world import ROLES

pytestmark = pytest.mark.django_db


def _union(user):
    return set(reviewable_committees(user)) | set(committees_for_user(user))


def test_the_same_committees_as_the_union_for_every_role(world):
    today = timezone.localdate()
    receiving = CommitteeFactory(name="受托委员会")
    Entrustment.objects.create(
        entrusting_institution=world.institution,
        receiving_committee=receiving,
        scope="全部",
        starts_on=today - dt.timedelta(days=1),
    )
    lapsed = CommitteeFactory(name="到期委员会")
    Entrustment.objects.create(
        entrusting_institution=world.institution,
        receiving_committee=lapsed,
        scope="全部",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=1),
    )
    CommitteeFactory(institution=InstitutionFactory(), name="无关委员会")
    users = [world.user(role) for role in ROLES] + [
        UserFactory(is_superuser=True, institution=None),
        UserFactory(institution=world.institution, institution_admin=True),
    ]
    for user in users:
        known = set(known_committees(user))
        assert known == _union(user), user.username
        # A list filter's options (ethics.prepared's query): the same committees, by name,
        # each labelled as the queryset's instance shows itself.
        assert known_committee_choices(user) == [
            (c.pk, str(c)) for c in known_committees(user).order_by("name", "pk")
        ], user.username
    researcher = set(known_committees(world.researcher))
    assert receiving in researcher
    assert lapsed not in researcher
    assert world.committee in researcher
