"""Fixtures of the registry tests: a committee created through its service (so its registration
clock and filing exist), a full roster, a secretary, an institution admin and an outsider."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from committees import services as committee_services
from tests.factories import (
    CommitteeFactory,
    InstitutionFactory,
    MembershipFactory,
    UserFactory,
    valid_roster,
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def eager():
    """Run Celery tasks in-process (on_commit callbacks still decide when they run)."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def make_world(established_on=None):
    today = timezone.localdate()
    term = {"term_start": today - dt.timedelta(days=60), "term_end": today + dt.timedelta(days=900)}
    institution = InstitutionFactory(name="北京康华研究型医院", authority="bj_health")
    admin = UserFactory(institution=institution, institution_admin=True, name="孙管理")
    committee = committee_services.committee_create(
        actor=admin,
        institution=institution,
        name="康华科技伦理委员会",
        established_on=established_on or today - dt.timedelta(days=60),
    )
    members = valid_roster(committee, **term)
    secretary = MembershipFactory(
        committee=committee,
        role="secretary",
        expertise="other",
        gender="female",
        user=UserFactory(institution=institution, name="王秘书"),
        **term,
    )
    other = CommitteeFactory(name="外单位伦理委员会")
    outsider = MembershipFactory(committee=other, role="secretary", **term).user
    return SimpleNamespace(
        institution=institution,
        committee=committee,
        admin=admin,
        chair=members[0].user,
        member=members[3].user,
        members=members,
        secretary=secretary.user,
        other=other,
        outsider=outsider,
        stranger=UserFactory(),
        term=term,
    )


@pytest.fixture
def world(db):
    return make_world()
