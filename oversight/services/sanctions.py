"""Sanctions (R57) and researchers' ethics training (R10a): the state changes, the eligibility
checks oversight registers with the kernel (``ethics.hooks.register_eligibility_check``) and the
annual report's figures.

- ``sanction_record``: the institution's officer (or the staff) records a measure against a person
  or an institution; a ban has its period. Nothing is deleted or edited afterwards.
- ``sanction_lift``: a ban ends early, with a reason (audited). A ban also ends by itself: the
  checks compare dates in Asia/Shanghai, so no job runs and the ended ban stays in the history.
- ``sanction_problems``: R57, a banned person may not lead, join a team, submit or review.
- ``training_problems``: R10a, the lead's ethics training at submission (warn or refuse, by the
  committee's SOP value ``training_at_submission`` over the rule set's default).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics import audit, hooks, regulations
from ethics import services as kernel
from ethics.errors import Conflict
from ethics.models import Institution, User
from ethics.regulations import Problem, _message
from ethics.services import invalid
from oversight.models_complaints import Investigation
from oversight.models_sanctions import Measure, ResearcherTraining, Sanction, SubjectKind
from oversight.sanctions_policies import may_record_sanctions, may_record_training_for

SANCTION_FIELDS = (
    "subject_kind",
    "measure",
    "grounds",
    "decided_on",
    "ban_starts_on",
    "ban_ends_on",
    "investigation_id",
)


def _snapshot(sanction: Sanction) -> dict[str, Any]:
    return {
        **{name: getattr(sanction, name) for name in SANCTION_FIELDS},
        "person": sanction.person_id,
        "target_institution": sanction.target_institution_id,
        "institution": sanction.institution_id,
        "rule": "R57",
    }


@transaction.atomic
def sanction_record(
    *,
    actor: User,
    subject_kind: str,
    measure: str,
    grounds: str,
    decided_on: date,
    person: User | None = None,
    target_institution: Institution | None = None,
    ban_starts_on: date | None = None,
    ban_ends_on: date | None = None,
    investigation: Investigation | None = None,
    institution: Institution | None = None,
) -> Sanction:
    """Record a sanction (R57). `institution` is the recording institution: the actor's own
    (an institution admin), or for the staff the one they name (else the person's)."""
    if not may_record_sanctions(actor):
        raise PermissionDenied
    if subject_kind == SubjectKind.PERSON and person is None:
        raise invalid("person", _("Name the person sanctioned."), "required")
    if subject_kind == SubjectKind.INSTITUTION and target_institution is None:
        raise invalid("target_institution", _("Name the institution sanctioned."), "required")
    if subject_kind == SubjectKind.PERSON:
        target_institution = None
    else:
        person = None
    if measure == Measure.BAN:
        if ban_starts_on is None:
            raise invalid("ban_starts_on", _("A ban needs its first day."), "required")
        if ban_ends_on is None:
            raise invalid("ban_ends_on", _("A ban needs its last day."), "required")
        if ban_ends_on < ban_starts_on:
            raise invalid("ban_ends_on", _("The ban ends before it starts."), "invalid")
    else:
        ban_starts_on = ban_ends_on = None
    if not grounds.strip():
        raise invalid("grounds", _("State the grounds."), "required")
    if actor.is_superuser or actor.is_staff:
        recording = institution or (
            actor.institution
            if actor.institution_id
            else (person.institution if person is not None else target_institution)
        )
    else:
        recording = actor.institution
    if recording is None:
        raise invalid("institution", _("The sanction needs a recording institution."), "required")
    if investigation is not None and investigation.institution_id != recording.pk:
        # R56/R57: a sanction follows from an investigation of the recording institution.
        raise invalid(
            "investigation",
            _("Choose an investigation of the institution recording the sanction."),
            "invalid_choice",
        )
    sanction = Sanction.objects.create(
        institution=recording,
        subject_kind=subject_kind,
        person=person,
        target_institution=target_institution,
        measure=measure,
        grounds=grounds.strip(),
        decided_on=decided_on,
        ban_starts_on=ban_starts_on,
        ban_ends_on=ban_ends_on,
        investigation=investigation,
        created_by=actor,
    )
    audit.record(actor=actor, action="sanction.record", target=sanction, after=_snapshot(sanction))
    if person is not None:
        kernel.notify(
            recipients=[person],
            title=_("A sanction was recorded against you: %(measure)s"),
            params={"measure": sanction.get_measure_display()},
            url=reverse("oversight:sanction-detail", args=[sanction.pk]),
            cause="sanction.record",
        )
    return sanction


@transaction.atomic
def sanction_lift(
    *, sanction_id: int, actor: User, reason: str, on: date | None = None
) -> Sanction:
    """End a ban early (R57), with a reason; from `on` (default today) it no longer refuses.
    The record stays; a ban already ended or lifted cannot be lifted."""
    sanction = Sanction.objects.select_for_update(of=("self",)).get(pk=sanction_id)
    kernel.require(actor, "lift", sanction)
    today = timezone.localdate()
    on = on or today
    if not reason.strip():
        raise invalid("reason", _("Give the reason for lifting the ban."), "required")
    if sanction.measure != Measure.BAN:
        raise Conflict("not_a_ban", _("Only a ban can be lifted."), rule="R57")
    if sanction.lifted_on is not None:
        raise Conflict("already_lifted", _("This ban was lifted already."), rule="R57")
    assert sanction.ban_ends_on is not None
    assert sanction.ban_starts_on is not None
    if sanction.ban_ends_on < on:
        raise Conflict("ban_over", _("This ban has ended by itself."), rule="R57")
    if on < today:
        raise invalid("on", _("A ban is lifted from today or a later day."), "invalid")
    sanction.lifted_on = max(on, sanction.ban_starts_on)
    sanction.lift_reason = reason.strip()
    sanction.lifted_by = actor
    sanction.save(update_fields=["lifted_on", "lift_reason", "lifted_by"])
    audit.record(
        actor=actor,
        action="sanction.lift",
        target=sanction,
        before={"lifted_on": None},
        after={"lifted_on": sanction.lifted_on, "rule": "R57"},
        reason=sanction.lift_reason,
    )
    if sanction.person is not None:
        kernel.notify(
            recipients=[sanction.person],
            title=_("The ban recorded against you was lifted from %(day)s"),
            params={"day": sanction.lifted_on.isoformat()},
            url=reverse("oversight:sanction-detail", args=[sanction.pk]),
            cause="sanction.lift",
        )
    return sanction


# --- researchers' training (R10a) ------------------------------------------------------------


def training_expiry(completed_on: date, rules: regulations.RuleSet | None = None) -> date:
    """The last day a training counts by default: completed_on + training_valid_months - 1 day."""
    months = (rules or regulations.MEAS).training_valid_months.value
    expiry: date = completed_on + relativedelta(months=months) - relativedelta(days=1)
    return expiry


@transaction.atomic
def training_record(
    *,
    actor: User,
    person: User,
    title: str,
    completed_on: date,
    provider: str = "",
    expires_on: date | None = None,
) -> ResearcherTraining:
    """Record a researcher's ethics training (R10a); without `expires_on` it counts for the rule
    set's ``training_valid_months``."""
    if not may_record_training_for(actor, person):
        raise PermissionDenied
    if not title.strip():
        raise invalid("title", _("Name the course."), "required")
    if completed_on > timezone.localdate():
        raise invalid("completed_on", _("The training cannot end in the future."), "invalid")
    expires_on = expires_on or training_expiry(completed_on)
    if expires_on < completed_on:
        raise invalid("expires_on", _("It cannot expire before it was completed."), "invalid")
    training = ResearcherTraining.objects.create(
        person=person,
        title=title.strip(),
        provider=provider.strip(),
        completed_on=completed_on,
        expires_on=expires_on,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="training.researcher_record",
        target=training,
        after={
            "person": person.pk,
            "title": training.title,
            "completed_on": completed_on,
            "expires_on": expires_on,
            "rule": "R10a",
        },
    )
    return training


def training_valid(user: User, on: date, months: int | None = None) -> bool:
    """Whether `user` holds an ethics training valid on `on`: a researcher's record, or a
    member's training (committees.Training) within the rule set's validity (R10a)."""
    if ResearcherTraining.objects.filter(
        person_id=user.pk, completed_on__lte=on, expires_on__gte=on
    ).exists():
        return True
    from committees.models import Training

    months = months or regulations.MEAS.training_valid_months.value
    since = on - relativedelta(months=months) + relativedelta(days=1)
    return Training.objects.filter(
        membership__user_id=user.pk, completed_on__gte=since, completed_on__lte=on
    ).exists()


# --- the eligibility checks (ethics.hooks) ---------------------------------------------------

ROLE_WORDS = {
    "lead": _("lead a project"),
    "team": _("join a project team"),
    "submit": _("submit an application"),
    "reviewer": _("be assigned as a reviewer"),
}


def sanction_problems(user: Any, role: str, at: date, subject: Any = None) -> list[Problem]:
    """R57: a person under a ban in force on `at` may not take `role`; the problem says which
    measure, until when, and who is concerned."""
    bans = list(
        Sanction.objects.banning(at)
        .filter(person_id=user.pk)
        .order_by("-ban_ends_on", "-id")
        .values_list("pk", "ban_ends_on")
    )
    if not bans:
        return []
    pk, until = bans[0]
    assert until is not None  # a ban has its period (sanction_ban_has_period)
    message = _message(
        _(
            "%(name)s is banned from state-funded S&T work until %(until)s (R57) and may not "
            "%(role)s."
        ),
        name=getattr(user, "display_name", user),
        until=until.isoformat(),
        role=ROLE_WORDS.get(role, role),
    )
    return [
        Problem(
            "sanctioned",
            "R57",
            message,
            {
                "person": str(user.pk),
                "measure": str(Measure.BAN.label),
                "until": until.isoformat(),
                "sanction": str(pk),
            },
        )
    ]


def _lead_of(subject: Any) -> tuple[int | None, Any]:
    """(lead id, committee) of an Application or Project subject; (None, None) otherwise."""
    project = getattr(subject, "project", subject)
    lead_id = getattr(project, "lead_id", None)
    committee = getattr(subject, "committee", None)
    return lead_id, committee


def training_problems(user: Any, role: str, at: date, subject: Any = None) -> list[Problem]:
    """R10a: at submission, the lead's ethics training missing or expired is a warning or a
    refusal by the committee's SOP value (``training_at_submission``, default: warn)."""
    if role != "submit" or subject is None:
        return []
    lead_id, committee = _lead_of(subject)
    if lead_id is None or lead_id != user.pk or committee is None:
        return []
    rules = committee.effective_rules()
    setting = rules.training_at_submission.value
    if setting == regulations.TRAINING_OFF or training_valid(
        user, at, rules.training_valid_months.value
    ):
        return []
    extra = {"person": str(user.pk)}
    if setting != regulations.TRAINING_BLOCK:
        extra["severity"] = hooks.WARNING
    return [
        Problem(
            "training_missing",
            "R10a",
            _message(
                _("%(name)s, the lead, has no valid ethics training on record (R10a)."),
                name=getattr(user, "display_name", user),
            ),
            extra,
        )
    ]


# --- the annual report (issue 16) ------------------------------------------------------------


def annual_figures(committee: Any, year: int) -> dict[str, int]:
    """The year's sanction and training figures for the committee's institution (R57, R10a):
    sanctions decided that year (all, bans, by measure), bans in force on 31 December, lifted
    early that year; researchers' training records completed that year and members' trainings."""
    from committees.models import Training

    start, end = date(year, 1, 1), date(year, 12, 31)
    recorded = Sanction.objects.filter(
        institution_id=committee.institution_id, decided_on__range=(start, end)
    )
    by_measure = dict(
        recorded.order_by()
        .values_list("measure")
        .annotate(n=Count("id"))
        .values_list("measure", "n")
    )
    figures: dict[str, int] = {
        "sanctions": sum(by_measure.values()),
        "bans": by_measure.get(Measure.BAN, 0),
        "bans_in_force_at_year_end": Sanction.objects.filter(
            institution_id=committee.institution_id
        )
        .banning(end)
        .count(),
        "bans_lifted_early": Sanction.objects.filter(
            institution_id=committee.institution_id, lifted_on__range=(start, end)
        ).count(),
        "researcher_trainings": ResearcherTraining.objects.filter(
            person__institution_id=committee.institution_id, completed_on__range=(start, end)
        ).count(),
        "member_trainings": Training.objects.filter(
            membership__committee_id=committee.pk, completed_on__range=(start, end)
        ).count(),
    }
    for measure in Measure:
        figures[f"measure_{measure.value}"] = by_measure.get(measure.value, 0)
    return figures


# --- members' periodic training: a clock with reminders (R10a) --------------------------------

MEMBER_TRAINING = "member_training"  # R10a: a member's ethics training falls due again


def member_training_due_on(membership: Any, months: int) -> date:
    """The last day before a member needs training again: the latest training's completion (or
    the term's start, never trained) plus ``training_valid_months``, less a day."""
    latest = max((t.completed_on for t in membership.trainings.all()), default=None)
    start: date = latest or membership.term_start
    due: date = start + relativedelta(months=months) - relativedelta(days=1)
    return due


def member_training_clocks_sync(*, on: date | None = None) -> int:
    """Keep one ``member_training`` clock per current appointment, due when the member's
    training lapses (R10a); a newer training closes the clock as met and opens the next one, an
    appointment no longer in term has its clock waived. Idempotent (the beat task runs it daily);
    returns how many clocks were opened."""
    from committees.models import Membership
    from ethics.deadlines import end_of_day
    from ethics.models import Deadline, DeadlineState

    on = on or timezone.localdate()
    opened = 0
    current = (
        Membership.objects.in_term(on=on)
        .select_related("user", "committee")
        .prefetch_related("trainings")
    )
    current_ids = set()
    for membership in current:
        current_ids.add(membership.pk)
        months = membership.committee.effective_rules().training_valid_months.value
        due_at = end_of_day(member_training_due_on(membership, months))
        with transaction.atomic():
            active = Deadline.objects.of(membership).active().filter(kind=MEMBER_TRAINING).first()
            if active is not None and active.due_at == due_at:
                continue
            if active is not None:
                kernel.deadline_close(
                    kind=MEMBER_TRAINING,
                    subject=membership,
                    state=DeadlineState.MET,
                    reason="training recorded",
                )
            kernel.deadline_open(
                kind=MEMBER_TRAINING,
                subject=membership,
                due_at=due_at,
                title=kernel.site_text(
                    _("Ethics training of %(person)s on %(committee)s falls due"),
                    person=membership.user.display_name,
                    committee=membership.committee.name,
                ),
                rule="R10a",
                committee_id=membership.committee_id,
            )
            opened += 1
    stale = (
        Deadline.objects.active()
        .filter(kind=MEMBER_TRAINING)
        .exclude(subject_id__in=current_ids)
        .values_list("subject_id", flat=True)
    )
    for membership in Membership.objects.filter(pk__in=list(stale)):
        with transaction.atomic():
            kernel.deadline_close(
                kind=MEMBER_TRAINING,
                subject=membership,
                state=DeadlineState.WAIVED,
                reason="appointment ended",
            )
    return opened


def member_training_recipients(deadline: Any) -> hooks.Recipients:
    """The member is reminded, and the committee's secretaries; overdue, the chair too."""
    from committees.models import Membership, Role
    from committees.selectors import officers

    membership = Membership.objects.select_related("user").filter(pk=deadline.subject_id).first()
    member = [membership.user] if membership is not None else []
    return hooks.Recipients(
        responsible=member + officers(deadline.committee_id, [Role.SECRETARY]),
        escalation=officers(deadline.committee_id, [Role.CHAIR]),
    )


def member_training_url(deadline: Any) -> str:
    return reverse("committees:membership-detail", args=[deadline.subject_id])
