"""Fixtures of the committees tests."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.factories import (
    CommitteeFactory,
    InstitutionFactory,
    MembershipFactory,
    UserFactory,
    valid_roster,
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # PBKDF2 costs ~0.3 s per factory user; these tests are about roles, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    """One institution with a committee (7 members + secretary), a researcher, and an outsider
    who is the secretary of another institution's committee."""
    today = timezone.localdate()
    term = {"term_start": today - dt.timedelta(days=30), "term_end": today + dt.timedelta(days=900)}
    institution = InstitutionFactory(name="北京康华研究型医院")
    committee = CommitteeFactory(institution=institution, name="康华科技伦理委员会")
    members = valid_roster(committee, **term)
    secretary = MembershipFactory(
        committee=committee,
        role="secretary",
        expertise="other",
        user=UserFactory(institution=institution),
        **term,
    )
    other_committee = CommitteeFactory(name="外单位伦理委员会")
    outsider = MembershipFactory(committee=other_committee, role="secretary", **term).user
    users = {
        "admin": UserFactory(
            username="inst_admin", institution=institution, institution_admin=True
        ),
        "secretary": secretary.user,
        "member": members[-1].user,
        "researcher": UserFactory(username="researcher", institution=institution),
        "outsider": outsider,
    }
    return SimpleNamespace(
        institution=institution,
        committee=committee,
        members=members,
        secretary_membership=secretary,
        other_committee=other_committee,
        users=users,
        term=term,
    )
