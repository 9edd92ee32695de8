"""Permission-scoped reads of complaints and investigations (R55, R56); outsiders get 404."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Prefetch, Q

from committees.models import MANAGING_ROLES, Committee, Membership
from ethics import policies
from ethics.models import Institution, User
from oversight.models_complaints import (
    OPEN_COMPLAINT_STATUSES,
    Complaint,
    ComplaintMessage,
    CorrectiveMeasure,
    Evidence,
    Investigation,
    InvestigationStatus,
    InvestigationStep,
    ReferralPackage,
)

#: A receipt code as issued (secrets.token_urlsafe(24): 32 URL-safe characters).
RECEIPT_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")


def receipt_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def complaint_by_receipt(code: str) -> Complaint | None:
    """The complaint a receipt code belongs to (the reporter's page), or None; never raises."""
    code = (code or "").strip()
    if not RECEIPT_PATTERN.fullmatch(code):
        return None
    return (
        Complaint.objects.select_related("institution", "committee")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=ComplaintMessage.objects.filter(to_reporter=True),
                to_attr="reporter_messages",
            )
        )
        .filter(receipt_hash=receipt_hash(code))
        .first()
    )


def complaints_for_user(user: User) -> models.QuerySet[Complaint]:
    """The complaints `user` handles, newest first."""
    return policies.visible(
        user, Complaint.objects.select_related("institution", "committee")
    ).order_by("-received_at", "-id")


def complaint_get_for_user(user: User, pk: int) -> Complaint:
    return policies.get_visible_or_404(
        user,
        Complaint.objects.select_related("institution", "committee").prefetch_related(
            Prefetch(
                "messages",
                queryset=ComplaintMessage.objects.select_related("created_by"),
                to_attr="message_list",
            ),
            Prefetch("projects", to_attr="project_list"),
            Prefetch("persons", to_attr="person_list"),
            Prefetch(
                "investigations",
                queryset=Investigation.objects.order_by("-id"),
                to_attr="investigation_list",
            ),
        ),
        pk=pk,
    )


def investigations_for_user(user: User) -> models.QuerySet[Investigation]:
    return policies.visible(
        user, Investigation.objects.select_related("institution", "committee", "complaint")
    ).order_by("-created_at", "-id")


def investigation_get_for_user(user: User, pk: int) -> Investigation:
    return policies.get_visible_or_404(
        user,
        Investigation.objects.select_related(
            "institution", "committee", "complaint"
        ).prefetch_related(
            Prefetch(
                "steps",
                queryset=InvestigationStep.objects.select_related("created_by"),
                to_attr="step_list",
            ),
            Prefetch("evidence", queryset=Evidence.objects.all(), to_attr="evidence_list"),
            Prefetch(
                "measures",
                queryset=CorrectiveMeasure.objects.select_related("responsible"),
                to_attr="measure_list",
            ),
            Prefetch(
                "referrals",
                queryset=ReferralPackage.objects.order_by("-version"),
                to_attr="referral_list",
            ),
            Prefetch("projects", to_attr="project_list"),
            Prefetch("persons", to_attr="person_list"),
        ),
        pk=pk,
    )


def evidence_get_for_user(user: User, pk: int) -> Evidence:
    return policies.get_visible_or_404(
        user, Evidence.objects.select_related("investigation"), pk=pk
    )


def referral_get_for_user(user: User, pk: int) -> ReferralPackage:
    return policies.get_visible_or_404(
        user, ReferralPackage.objects.select_related("investigation"), pk=pk
    )


def public_institutions() -> models.QuerySet[Institution]:
    """The institutions a reporter may pick (their public names)."""
    return Institution.objects.order_by("name")


def public_committees() -> models.QuerySet[Committee]:
    return Committee.objects.select_related("institution").order_by("institution__name", "name")


def complaint_handlers(complaint: Complaint | Investigation) -> list[User]:
    """Who handles a case (its reminders and notices): the committee's managing officers in term
    (or those of the institution's committees when it names none) and the institution's admins;
    never a person concerned."""
    from django.utils import timezone

    memberships = Membership.objects.in_term(on=timezone.localdate()).filter(
        role__in=MANAGING_ROLES
    )
    if complaint.committee_id is not None:
        memberships = memberships.filter(committee_id=complaint.committee_id)
    else:
        memberships = memberships.filter(committee__institution_id=complaint.institution_id)
    users = User.objects.filter(is_active=True).filter(
        Q(pk__in=memberships.values("user_id"))
        | Q(institution_id=complaint.institution_id, institution_admin=True)
    )
    concerned: set[int] = set()
    cases: list[Any] = [complaint]
    if isinstance(complaint, Investigation) and complaint.complaint_id:
        cases.append(complaint.complaint)
    for case in cases:
        concerned |= set(case.persons.values_list("pk", flat=True))
        for project in case.projects.prefetch_related("team"):
            concerned.add(project.lead_id)
            concerned |= {u.pk for u in project.team.all()}
    return [u for u in users.order_by("pk") if u.pk not in concerned]


@dataclass(frozen=True)
class CaseCounts:
    open_complaints: int
    open_investigations: int


def case_counts(user: User) -> CaseCounts:
    return CaseCounts(
        open_complaints=complaints_for_user(user)
        .filter(status__in=OPEN_COMPLAINT_STATUSES)
        .count(),
        open_investigations=investigations_for_user(user)
        .filter(status=InvestigationStatus.OPEN)
        .count(),
    )


#: A referral package's verification code (SHA-256, hexadecimal).
HASH_PATTERN = re.compile(r"[0-9a-f]{64}")


def referral_check(code: str) -> ReferralPackage | None:
    """The rendered referral package a verification code belongs to (public check), or None."""
    code = (code or "").strip().lower()
    if not HASH_PATTERN.fullmatch(code):
        return None
    return (
        ReferralPackage.objects.select_related("investigation__institution")
        .filter(verification_hash=code, state="ready")
        .first()
    )
