"""Permission-scoped reads for committees; query counts stay constant in the number of rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from committees import composition as rules_composition
from committees.models import (
    DOCUMENT_RULES,
    Committee,
    CommitteeDocument,
    Entrustment,
    Membership,
    MembershipQuerySet,
    Pledge,
    PledgeKind,
    Role,
    Training,
)
from committees.policies import visibility_args, visible_committee_condition
from ethics import policies, regulations
from ethics.channel_models import Delivery, GroupWebhook
from ethics.models import Deadline, Institution, User, display_name, name_columns
from ethics.prepared import prepared


def effective_rules(committee: Committee, regimes: list[str] | None = None) -> regulations.RuleSet:
    """What the clocks and gates use: the strictest combination of the committee's regimes (or
    of a case's ``regimes``, §6.1) with the values its SOP sets within the legal bounds (B2 time
    limit for emergency review, R33 reviewers, R61 retention)."""
    return committee.effective_rules(regimes)


def committee_rules(committee: Committee) -> regulations.RuleSet:
    """The committee's effective rule set (``effective_rules``)."""
    return effective_rules(committee)


@dataclass(frozen=True)
class RuleRow:
    """One parameter as the Rules page and ``/api/v1/rules/`` show it."""

    name: str
    param: regulations.Param[Any]
    default: regulations.Param[Any]
    bounds: tuple[int, int] | None

    @property
    def value_text(self) -> str:
        return rule_value_text(self.param.value)

    @property
    def default_text(self) -> str:
        return rule_value_text(self.default.value)


def rule_value_text(value: Any) -> str:
    """A parameter's value for people: fractions as 2/3, codes as their labels."""
    from fractions import Fraction

    from django.utils.translation import gettext

    if value is None:
        return gettext("does not apply")
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, tuple):
        from committees.models import FieldOfWork
        from ethics.models import Authority

        labels = {
            **regulations.CATEGORY_LABELS,
            **regulations.SIMPLIFIED_GROUND_LABELS,
            **dict(FieldOfWork.choices),  # B12: fields and authorities read as names
            **dict(Authority.choices),
        }
        parts = [
            f"({rule_value_text(v)})" if isinstance(v, tuple) else str(labels.get(v, v))
            for v in value
        ]
        return ", ".join(parts)
    return str(value)


def rule_rows(committee: Committee) -> list[RuleRow]:
    """Every parameter of the committee's rule set, its default and where the SOP may set it."""
    defaults = regulations.combined(committee.regime_codes)
    effective = committee.effective_rules()
    rows = []
    for name, param in regulations.params(effective):
        default = getattr(defaults, name)
        bounds = None
        if name in regulations.OVERRIDABLE and default.value is not None:
            bounds = regulations.OVERRIDABLE[name].range(name, defaults)
        rows.append(RuleRow(name, param, default, bounds))
    return rows


def institutions_for_user(user: User) -> models.QuerySet[Institution]:
    return policies.visible(user, Institution.objects.all())


def institution_get_for_user(user: User, pk: int) -> Institution:
    return policies.get_visible_or_404(user, Institution.objects.all(), pk=pk)


def committees_for_user(user: User) -> models.QuerySet[Committee]:
    # No select_related here: callers narrow with .only(); pages add it where they show it.
    return policies.visible(user, Committee.objects.all()).order_by(
        "institution__name", "name", "id"
    )


def committee_choice_rows(user: User) -> list[tuple[int, str]]:
    """(id, name) of ``committees_for_user(user)`` in its order: a list filter's committee
    options on every kernel, registry, meetings and oversight list, read with a query compiled
    once per shape (``ethics.prepared``, issue 18). The same visibility
    (``committees.policies.CommitteePolicy``, as ``visibility_args`` passes it)."""
    if not user.is_authenticated:
        return []
    rows: list[tuple[int, str]] = _committee_choice_rows(**visibility_args(user))
    return rows


def _visible_committees(
    every: bool, sits_on: tuple[int, ...], institution: int | None
) -> QuerySet[Committee]:
    committees = Committee.objects.all()
    if not every:
        committees = committees.filter(visible_committee_condition(sits_on, institution))
    return committees.order_by("institution__name", "name", "id")


@prepared("rows")
def _committee_choice_rows(
    *, every: bool = False, sits_on: tuple[int, ...] = (), institution: int | None = None
) -> QuerySet[Any]:
    return _visible_committees(every, sits_on, institution).values_list("pk", "name")


DASHBOARD_COMMITTEES = 20  # the dashboard's "My committees" panel reads at most this many


def first_committees_for_user(user: User) -> list[Committee]:
    """The first ``DASHBOARD_COMMITTEES`` of ``committees_for_user(user)``, in its order, as
    instances: the dashboard's committees panel, read with a query compiled once per shape
    (``ethics.prepared``, issue 18)."""
    if not user.is_authenticated:
        return []
    committees: list[Committee] = _first_committees(**visibility_args(user))
    return committees


@prepared("instances")
def _first_committees(
    *, every: bool = False, sits_on: tuple[int, ...] = (), institution: int | None = None
) -> QuerySet[Committee]:
    return _visible_committees(every, sits_on, institution)[:DASHBOARD_COMMITTEES]


def committee_get_for_user(user: User, pk: int) -> Committee:
    """One committee the user may see, or 404."""
    return policies.get_visible_or_404(
        user, Committee.objects.select_related("institution", "deputy__user"), pk=pk
    )


def officers(
    committee_id: int | None, roles: Iterable[str], *, on: date | None = None
) -> list[User]:
    """The people holding one of `roles` in the committee, in term on `on` (today)."""
    if committee_id is None:
        return []
    rows = (
        Membership.objects.in_term(on=on or timezone.localdate())
        .with_role(*roles)
        .filter(committee_id=committee_id)
        .select_related("user")
    )
    return [row.user for row in rows]


def vice_chairs_in_term(committee: Committee) -> QuerySet[Membership]:
    """The committee's vice-chairs in term today: who the chair may designate as deputy (R20a)."""
    return (
        Membership.objects.in_term(on=timezone.localdate())
        .filter(committee_id=committee.pk, role=Role.VICE_CHAIR)
        .select_related("user")
        .order_by("pk")
    )


def institution_admins(committee_id: int | None) -> list[User]:
    """The active admins of the institution the committee belongs to (escalations)."""
    if committee_id is None:
        return []
    institution = Committee.objects.filter(pk=committee_id).values("institution_id")
    return list(
        User.objects.filter(institution_id__in=institution, institution_admin=True, is_active=True)
    )


def _member_queryset() -> MembershipQuerySet:
    return Membership.objects.select_related("user").prefetch_related(
        Prefetch("pledges", queryset=Pledge.objects.order_by("kind", "-signed_on", "-id")),
        Prefetch("trainings", queryset=Training.objects.order_by("-completed_on", "-id")),
    )


_ROLE_ORDER = {"chair": 0, "vice_chair": 1, "member": 2, "secretary": 3}


def members_since(committee: Committee, since: date) -> list[Membership]:
    """Current appointments plus those that ended on or after `since`: 3 queries in all.

    The roster (not ended) and the composition on any date from `since` on are both computed
    from this one load.
    """
    return list(
        _member_queryset().filter(committee=committee).not_ended_before(since).order_by("id")
    )


def roster(committee: Committee, members: list[Membership] | None = None) -> list[Membership]:
    """Current appointments (not ended) in role order, with pledges and training prefetched."""
    if members is None:
        members = list(_member_queryset().filter(committee=committee).open())
    current = [m for m in members if m.ended_on is None]
    return sorted(current, key=lambda m: (_ROLE_ORDER.get(m.role, 9), m.user.display_name, m.pk))


def past_members(committee: Committee) -> models.QuerySet[Membership]:
    return (
        Membership.objects.select_related("user")
        .filter(committee=committee)
        .exclude(ended_on=None)
        .order_by("-ended_on", "-id")
    )


def memberships_for_user(
    user: User, committee: Committee | None = None
) -> models.QuerySet[Membership]:
    qs = policies.visible(user, _member_queryset())
    if committee is not None:
        qs = qs.filter(committee=committee)
    return qs.order_by("committee_id", "role", "id")


def membership_get_for_user(user: User, pk: int) -> Membership:
    return policies.get_visible_or_404(
        user, _member_queryset().select_related("committee__institution"), pk=pk
    )


def member_record(membership: Membership) -> rules_composition.MemberRecord:
    kinds = {pledge.kind for pledge in membership.pledges.all()}
    return rules_composition.MemberRecord(
        id=membership.pk,
        name=membership.user.display_name,
        role=membership.role,
        expertise=membership.expertise,
        gender=membership.gender,
        external=membership.external,
        term_start=membership.term_start,
        term_end=membership.term_end,
        ended_on=membership.ended_on,
        confidentiality_pledge=PledgeKind.CONFIDENTIALITY in kinds,
        coi_declaration=PledgeKind.COI in kinds,
    )


def roster_records_on(
    committee_ids: Iterable[int], on: date
) -> dict[int, list[rules_composition.MemberRecord]]:
    """{committee id: the records of its roster on ``on``} for several committees in one query
    compiled once per shape (a dashboard's compositions, issue 18): each record as
    ``member_record`` makes it from the membership, its pledges read as EXISTS columns."""
    ids = tuple(sorted(set(committee_ids)))
    rosters: dict[int, list[rules_composition.MemberRecord]] = {pk: [] for pk in ids}
    if not ids:
        return rosters
    for row in _roster_rows(committees=ids, on=on):
        (committee_id, pk, name, first, last, username, role, expertise, gender, external,
         term_start, term_end, ended_on, confidential, coi) = row  # fmt: skip
        rosters[committee_id].append(
            rules_composition.MemberRecord(
                role=role,
                expertise=expertise,
                gender=gender,
                external=external,
                term_start=term_start,
                term_end=term_end,
                ended_on=ended_on,
                id=pk,
                name=display_name(name, first, last, username),
                confidentiality_pledge=bool(confidential),
                coi_declaration=bool(coi),
            )
        )
    return rosters


@prepared("rows")
def _roster_rows(*, committees: tuple[int, ...], on: date) -> QuerySet[Any]:
    def pledged(kind: str) -> models.Exists:
        return models.Exists(Pledge.objects.filter(membership=models.OuterRef("pk"), kind=kind))

    return (
        Membership.objects.filter(committee_id__in=committees)
        .not_ended_before(on)
        .annotate(confidential=pledged(PledgeKind.CONFIDENTIALITY), coi=pledged(PledgeKind.COI))
        .order_by("committee", "role", "id")
        .values_list(
            "committee_id",
            "pk",
            *name_columns("user"),
            "role",
            "expertise",
            "gender",
            "external",
            "term_start",
            "term_end",
            "ended_on",
            "confidential",
            "coi",
        )
    )


def composition_of(
    committee: Committee,
    on: date,
    members: list[Membership] | None = None,
    records: list[rules_composition.MemberRecord] | None = None,
) -> rules_composition.Composition:
    """Composition on a date; pass the roster already loaded (``members``, or their
    ``records`` from ``roster_records_on``) to avoid reading it twice."""
    if records is None:
        if members is None:
            members = list(_member_queryset().filter(committee=committee).not_ended_before(on))
        records = [member_record(m) for m in members]
    return rules_composition.composition(records, committee_rules(committee), on)


@dataclass(frozen=True)
class DocumentSlot:
    kind: str
    label: str
    rule: str
    current: CommitteeDocument | None
    versions: int


def document_slots(committee: Committee) -> list[DocumentSlot]:
    """The newest version of each document kind (one query), with the rule requiring it."""
    from committees.models import DocumentKind

    by_kind: dict[str, list[CommitteeDocument]] = {}
    for doc in CommitteeDocument.objects.filter(committee=committee).order_by("kind", "-version"):
        by_kind.setdefault(doc.kind, []).append(doc)

    slots = []
    for kind, label in DocumentKind.choices:
        docs = by_kind.get(kind, [])
        rule = DOCUMENT_RULES.get(kind, "")
        if not docs and not rule:
            continue
        slots.append(DocumentSlot(kind, str(label), rule, docs[0] if docs else None, len(docs)))
    return slots


def document_get_for_user(user: User, pk: int) -> CommitteeDocument:
    return policies.get_visible_or_404(
        user, CommitteeDocument.objects.select_related("committee"), pk=pk
    )


def entrustments_for_committee(committee: Committee) -> models.QuerySet[Entrustment]:
    return Entrustment.objects.filter(receiving_committee=committee).select_related(
        "entrusting_institution"
    )


def entrustment_get_for_user(user: User, pk: int) -> Entrustment:
    return policies.get_visible_or_404(
        user,
        Entrustment.objects.select_related("receiving_committee", "entrusting_institution"),
        pk=pk,
    )


def committee_may_review(committee: Committee, institution_id: int, on: date) -> bool:
    """R17: a committee reviews its own institution's projects, others' only under entrustment."""
    if committee.institution_id == institution_id:
        return True
    return (
        Entrustment.objects.filter(
            receiving_committee=committee, entrusting_institution_id=institution_id
        )
        .active(on=on)
        .exists()
    )


def committee_deadlines(committee: Committee) -> models.QuerySet[Deadline]:
    return Deadline.objects.active().filter(committee_id=committee.pk).order_by("due_at")


# --- directory import ------------------------------------------------------------------------


def committees_managed_by(user: User) -> QuerySet[Committee]:
    """Committees whose roster this person manages: site administrators all, institution
    administrators their institution's, and each committee's chair, vice-chair and secretary in
    office (the policy's "manage")."""
    from committees.models import MANAGING_ROLES
    from committees.policies import current_memberships

    qs = Committee.objects.select_related("institution").order_by("name", "id")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.is_superuser:
        return qs
    officer = current_memberships(user).filter(role__in=MANAGING_ROLES)
    condition = models.Q(pk__in=officer.values("committee_id"))
    if user.institution_admin and user.institution_id:
        condition |= models.Q(institution_id=user.institution_id)
    return qs.filter(condition)


def import_batches_for_user(user: User) -> QuerySet[Any]:
    """The directory sheets this person uploaded (site administrators: all of them)."""
    from committees.models import ImportBatch

    qs = ImportBatch.objects.select_related("committee", "created_by").defer("content")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs if user.is_superuser else qs.filter(created_by=user)


def import_batch_get_for_user(user: User, pk: int) -> Any:
    from committees.models import ImportBatch

    try:
        return import_batches_for_user(user).get(pk=pk)
    except ImportBatch.DoesNotExist:
        raise Http404 from None


def webhook_get_for_manager(user: User, pk: int) -> GroupWebhook:
    """A group robot of a committee `user` manages, or 404 (others never learn it exists)."""
    from committees.policies import may_manage_committee

    hook = GroupWebhook.objects.filter(pk=pk).first()
    committee = Committee.objects.filter(pk=hook.committee_id).first() if hook else None
    if hook is None or committee is None or not may_manage_committee(user, committee):
        raise Http404
    return hook


def webhooks_of(committee: Committee) -> list[GroupWebhook]:
    """The committee's robots, each with its last failed deliveries (for the secretary)."""
    hooks_ = list(GroupWebhook.objects.filter(committee_id=committee.pk).order_by("id"))
    failed = (
        Delivery.objects.filter(webhook__in=hooks_)
        .exclude(last_error="")
        .order_by("-created_at", "-id")[:20]
    )
    by_hook: dict[int, list[Delivery]] = {}
    for row in failed:
        by_hook.setdefault(row.webhook_id or 0, []).append(row)
    for hook in hooks_:
        hook.recent_errors = by_hook.get(hook.pk, [])  # type: ignore[attr-defined]
    return hooks_
