"""The one test world every test package builds on: an institution, its committee with a valid
roster and a secretary, the institution's admin, a researcher and a colleague, a secretary of
another institution's committee, and a user with no role at all.

Naming scheme, the same in every package:

* ``world.<office>`` is always a ``User``: ``chair``, ``vice_chair``, ``secretary``, ``member``
  (an ordinary 委员 with no office: the last on the roster), ``admin`` (the institution admin),
  ``researcher`` and ``colleague`` (the institution's researchers, no committee role),
  ``outsider`` (secretary of ``other_committee``, another institution's committee) and
  ``stranger`` (no institution, no role);
* ``world.<office>_membership`` is that person's ``Membership`` on ``world.committee``
  (``chair_membership``, ``vice_chair_membership``, ``secretary_membership``,
  ``member_membership``);
* ``world.members`` lists the 委员 (voting roles, secretary excluded) in roster order: chair
  (science, male), vice-chair (ethics, female), external law member (female), then science
  peers (male); ``size`` of them;
* ``world.term`` is the roster's term as ``MembershipFactory`` / service keywords
  (``term_start``, ``term_end``): from 30 days ago for 900 days;
* ``world.user(role)`` looks a user up by one of the names in ``ROLES``, for role matrices.

Use it through the ``world`` fixture (tests/conftest.py), or call ``build_world(...)`` for a
second world or different options inside a test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict, get_args

from django.utils import timezone

from committees.models import Committee, Institution, Membership
from ethics.models import User
from tests.factories import (
    CommitteeFactory,
    InstitutionFactory,
    MembershipFactory,
    UserFactory,
    valid_roster,
)

Role = Literal[
    "admin",
    "chair",
    "vice_chair",
    "secretary",
    "member",
    "researcher",
    "colleague",
    "outsider",
    "stranger",
]
ROLES: tuple[Role, ...] = get_args(Role)

INSTITUTION_NAME = "北京康华研究型医院"
COMMITTEE_NAME = "康华科技伦理委员会"
OTHER_COMMITTEE_NAME = "外单位伦理委员会"


class Term(TypedDict):
    term_start: dt.date
    term_end: dt.date


@dataclass
class World:
    institution: Institution
    committee: Committee
    members: list[Membership]
    chair_membership: Membership
    vice_chair_membership: Membership
    member_membership: Membership
    secretary_membership: Membership
    admin: User
    researcher: User
    colleague: User
    other_committee: Committee
    outsider: User
    stranger: User
    term: Term

    @property
    def chair(self) -> User:
        return self.chair_membership.user

    @property
    def vice_chair(self) -> User:
        return self.vice_chair_membership.user

    @property
    def member(self) -> User:
        return self.member_membership.user

    @property
    def secretary(self) -> User:
        return self.secretary_membership.user

    def user(self, role: Role) -> User:
        """The user of `role` (one of ROLES), for tests parametrized over roles."""
        if role not in ROLES:
            raise KeyError(role)
        user: User = getattr(self, role)
        return user


def add_required_documents(committee: Committee) -> None:
    """One version of each R3 document and of the emergency SOP (R47), as rows without files."""
    from committees.models import CommitteeDocument

    for kind in ("charter", "review_sop", "confidentiality", "archives", "coi_policy"):
        CommitteeDocument.objects.create(committee=committee, kind=kind, version=1, title=kind)
    CommitteeDocument.objects.create(
        committee=committee, kind="emergency_sop", version=1, title="emergency_sop"
    )


def build_world(
    *,
    size: int = 7,
    regimes: Sequence[str] = ("meas",),
    established_on: dt.date | None = None,
    via_services: bool = False,
    authority: str = "",
    documents: bool = True,
) -> World:
    """Build a World (see the module docstring for what is in it).

    size: how many 委员 on the roster (at least 4; 7 meets R4 for a MEAS committee).
    regimes: the committee's regimes ("meas", "nhc").
    established_on: the committee's founding day (default: 2026-01-05, the factory's; with
        via_services, 60 days ago).
    via_services: create the committee with committees.services.committee_create, as the
        institution admin: audited, with its registration deadline and filing (registry).
    authority: the institution's competent authority (e.g. "bj_health"; blank by default).
    documents: put the charter and systems (R3) and the emergency SOP (R47) on file; the
        video-meeting rules (R21) never are.
    """
    today = timezone.localdate()
    term: Term = {
        "term_start": today - dt.timedelta(days=30),
        "term_end": today + dt.timedelta(days=900),
    }
    institution = InstitutionFactory(name=INSTITUTION_NAME, authority=authority)
    admin = UserFactory(institution=institution, institution_admin=True, name="孙管理")
    if via_services:
        from committees import services as committee_services

        committee = committee_services.committee_create(
            actor=admin,
            institution=institution,
            name=COMMITTEE_NAME,
            established_on=established_on or today - dt.timedelta(days=60),
            regimes=list(regimes),
        )
    else:
        committee = CommitteeFactory(
            institution=institution,
            name=COMMITTEE_NAME,
            regimes=list(regimes),
            **({"established_on": established_on} if established_on else {}),
        )
    members = valid_roster(committee, size=size, **term)
    if "nhc" in regimes and size > 3:
        # N1: a lay member from outside the institution, in place of the fourth member.
        members[3].expertise, members[3].external = "lay", True
        members[3].save(update_fields=["expertise", "external"])
    if documents:
        add_required_documents(committee)
    secretary = MembershipFactory(
        committee=committee,
        secretary=True,
        gender="female",
        user=UserFactory(institution=institution, name="王秘书"),
        **term,
    )
    other_committee = CommitteeFactory(name=OTHER_COMMITTEE_NAME)
    outsider = MembershipFactory(committee=other_committee, secretary=True, **term).user
    return World(
        institution=institution,
        committee=committee,
        members=members,
        chair_membership=members[0],
        vice_chair_membership=members[1],
        member_membership=members[-1],
        secretary_membership=secretary,
        admin=admin,
        researcher=UserFactory(institution=institution, name="李研究"),
        colleague=UserFactory(institution=institution, name="赵同事"),
        other_committee=other_committee,
        outsider=outsider,
        stranger=UserFactory(),
        term=term,
    )
