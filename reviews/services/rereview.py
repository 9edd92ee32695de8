"""Expert re-review of listed activities (R38-R44) and its package (R39).

An upper layer checks the panel before its opinion is recorded (R40): oversight's expert pool
registers ``register_panel_check(fn)`` from its ``ready()``; ``fn(rereview, panel_size)`` returns
the problems of the panel seated for the re-review (size, roster, institution, declared
conflicts; "no panel seated" too: R40 is a gate). ``rereview_record`` refuses with every problem
of every check at once (409, R40).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics import deadlines, jobs, pdf, regulations
from ethics import services as kernel
from ethics.errors import Conflict
from ethics.models import User
from ethics.selectors import working_calendar
from ethics.services import invalid, require, site_text
from reviews import clocks, workflow
from reviews.models import (
    Application,
    Decision,
    DecisionStage,
    DocumentVersion,
    Outcome,
    ReReview,
    RereviewOpinion,
    ReReviewState,
    Review,
)
from reviews.services._common import (
    applicants,
    lock_application,
    lock_project,
    move,
    notify_application,
    officers_and_chair,
    record,
    secretaries,
)
from reviews.services.letters import decision_record
from reviews.workflow import Action

# --- expert re-review of listed activities (R38-R44) ------------------------------------------

REREVIEW_PACKAGE_TEMPLATE = "pdf/reviews/rereview_package.html"

PanelCheck = Callable[[ReReview, int], list[regulations.Problem]]
_PANEL_CHECKS: list[PanelCheck] = []


def register_panel_check(fn: PanelCheck) -> None:
    """R40: an upper layer's check of the panel, asked before an opinion is recorded."""
    if fn not in _PANEL_CHECKS:
        _PANEL_CHECKS.append(fn)


def panel_check_problems(rereview: ReReview, panel_size: int) -> list[regulations.Problem]:
    """Every problem the registered panel checks find (R40)."""
    return [problem for check in _PANEL_CHECKS for problem in check(rereview, panel_size)]


def _pending_rereview(application: Application) -> ReReview:
    rereview = (
        ReReview.objects.select_for_update()
        .filter(
            application=application,
            state__in=[ReReviewState.PREPARING, ReReviewState.SUBMITTED, ReReviewState.RECEIVED],
            final_decision=None,
        )
        .order_by("-id")
        .first()
    )
    if rereview is None:
        raise Conflict("no_rereview", _("No expert re-review is pending."), rule="R38")
    return rereview


def rereview_start(application: Application, decision: Decision, actor: User) -> ReReview:
    """R38/R39: a preliminary approval opens the re-review, its package and its clock (R43)."""
    rereview = ReReview.objects.create(application=application, preliminary_decision=decision)
    rules = application.rules
    days = rules.rereview_days
    kernel.deadline_open(
        kind=clocks.REREVIEW_OPINION,
        subject=rereview,
        due_at=deadlines.day_period_due_at(
            timezone.now(),
            days.value,
            calendar=working_calendar(),
            roll_forward=rules.roll_forward_rest_days.value,
        ),
        title=site_text(_("Expert re-review opinion on %(ref)s"), ref=application.ref or ""),
        rule=days.rule,
        committee_id=application.committee_id,
        actor=actor,
    )
    record(
        actor,
        "rereview.start",
        application,
        after={"preliminary_decision": decision.number, "rule": "R38"},
    )
    notify_application(
        secretaries(application.committee_id),
        application,
        _("%(ref)s needs expert re-review: submit the package to the competent authority"),
        "rereview.start (R38)",
    )
    notify_application(
        applicants(application.project),
        application,
        _("%(ref)s passed the preliminary review and goes to expert re-review"),
        "rereview.start (R38)",
    )
    jobs.enqueue("reviews.render_rereview_package", rereview_id=rereview.pk)
    return rereview


def _check_date(field: str, value: date | None, *, not_before: date | None = None) -> date:
    if value is None:
        raise invalid(field, _("A date is required."), "required")
    if value > timezone.localdate():
        raise invalid(field, _("The date cannot be in the future."), "invalid")
    if not_before and value < not_before:
        raise invalid(field, _("The date is before the preliminary decision."), "invalid")
    return value


@transaction.atomic
def rereview_submit(
    *, application_id: int, actor: User, authority: str, submitted_on: date | None = None
) -> ReReview:
    """R38: the unit submits the package to the competent authority; R43 counts from here."""
    application = lock_application(application_id)
    move(application, Action.SUBMIT_REREVIEW, actor)
    rereview = _pending_rereview(application)
    if rereview.state != ReReviewState.PREPARING:
        raise Conflict("rereview_already_submitted", _("The re-review was already submitted."))
    if not authority.strip():
        raise invalid("authority", _("Name the organising authority."), "required")
    from reviews.selectors import rereview_authority_codes

    codes = rereview_authority_codes(application)
    if codes and authority.strip() not in codes:  # B12: one of the field's authorities
        raise invalid(
            "authority",
            _("Choose one of the authorities organising the re-review of this field."),
            "invalid_choice",
        )
    preliminary_on = timezone.localdate(rereview.preliminary_decision.decided_at)
    submitted_on = _check_date(
        "submitted_on", submitted_on or timezone.localdate(), not_before=preliminary_on
    )
    rereview.state = ReReviewState.SUBMITTED
    rereview.authority = authority.strip()
    rereview.submitted_on = submitted_on
    rereview.save(update_fields=["state", "authority", "submitted_on"])
    rules = application.rules
    due_at = deadlines.day_period_due_at(
        datetime.combine(submitted_on, time(12), tzinfo=deadlines.SHANGHAI),
        rules.rereview_days.value,
        calendar=working_calendar(),
        roll_forward=rules.roll_forward_rest_days.value,
    )
    from ethics.selectors import deadlines_for_subject

    clock = deadlines_for_subject(rereview).active().filter(kind=clocks.REREVIEW_OPINION).first()
    if clock is not None:
        kernel.deadline_extend(
            deadline_id=clock.pk,
            due_at=due_at,
            reason=site_text(_("R43: counted from the submission to the authority")),
            actor=actor,
        )
    record(
        actor,
        "rereview.submit",
        application,
        after={"authority": rereview.authority, "submitted_on": submitted_on, "rule": "R38"},
    )
    notify_application(
        applicants(application.project),
        application,
        _("%(ref)s was submitted for expert re-review to %(authority)s"),
        "rereview.submit (R38)",
        authority=rereview.authority_name,
    )
    return rereview


@transaction.atomic
def rereview_record(
    *,
    application_id: int,
    actor: User,
    opinion: str,
    received_on: date | None,
    panel_size: int | None,
    authority: str = "",
    reasons: str = "",
    from_originating_committee: int = 0,
) -> ReReview:
    """R40/R42: record the panel's 同意 / 不同意 with its size; the committee then decides (R44)."""
    application = lock_application(application_id)
    move(application, Action.RECORD_REREVIEW, actor)
    rereview = _pending_rereview(application)
    if rereview.state == ReReviewState.RECEIVED:
        raise Conflict("rereview_already_recorded", _("The re-review opinion is already recorded."))
    if opinion not in RereviewOpinion.values:
        raise invalid("opinion", _("Choose agree or disagree."), "invalid_choice")
    if panel_size is None:
        raise invalid("panel_size", _("Give the number of experts on the panel."), "required")
    preliminary_on = timezone.localdate(rereview.preliminary_decision.decided_at)
    received_on = _check_date("received_on", received_on, not_before=preliminary_on)
    authority = authority.strip() or rereview.authority
    if not authority:
        raise invalid("authority", _("Name the organising authority."), "required")
    if opinion == RereviewOpinion.DISAGREE and not reasons.strip():
        raise invalid(
            "reasons", _("A disagreeing opinion must give the panel's reasons."), "required"
        )
    problems = regulations.rereview_panel_problems(
        int(panel_size), application.rules, from_originating_committee=from_originating_committee
    )
    # R40: the seated panel against the expert pool (oversight registers the check).
    problems += panel_check_problems(rereview, int(panel_size))
    problems = list(dict.fromkeys(problems))  # one "too small" when both checks count it
    if problems:
        raise Conflict(
            problems[0].code,
            problems[0].message,
            rule=problems[0].rule,
            problems=[p.as_dict() for p in problems],
        )
    rereview.state = ReReviewState.RECEIVED
    rereview.opinion = opinion
    rereview.panel_size = int(panel_size)
    rereview.received_on = received_on
    rereview.authority = authority
    rereview.reasons = reasons.strip()
    rereview.submitted_on = rereview.submitted_on or received_on
    rereview.recorded_by = actor
    rereview.recorded_at = timezone.now()
    rereview.save()
    kernel.deadline_close(kind=clocks.REREVIEW_OPINION, subject=rereview, actor=actor)
    record(
        actor,
        "rereview.record",
        application,
        after={
            "opinion": opinion,
            "panel_size": rereview.panel_size,
            "received_on": received_on,
            "authority": authority,
            "rule": "R42",
        },
        reason=reasons,
    )
    notify_application(
        officers_and_chair(application.committee_id),
        application,
        _("Re-review opinion on %(ref)s: %(opinion)s; the committee makes the final decision"),
        "rereview.record (R44)",
        opinion=site_text(RereviewOpinion(opinion).label),
    )
    return rereview


def rereview_final_decision(
    *,
    application: Application,
    outcome: str,
    actor: User,
    reasons: str = "",
    conditions: str = "",
    meaning: str = "",
) -> Decision:
    """R44: the final decision in light of the re-review opinion; 不同意 allows no approval.

    Called by ``decision_issue`` with the application locked.
    """
    new = workflow.next_status(application.status, Action.DECIDE)
    require(actor, Action.DECIDE, application)
    rereview = _pending_rereview(application)
    if rereview.state != ReReviewState.RECEIVED:
        raise Conflict(
            "rereview_opinion_missing",
            _("Record the expert re-review opinion before the final decision."),
            rule="R44",
        )
    if outcome not in (Outcome.APPROVE, Outcome.DISAPPROVE):
        raise invalid("outcome", _("The final decision approves or disapproves."), "invalid_choice")
    if outcome == Outcome.APPROVE and rereview.opinion != RereviewOpinion.AGREE:
        raise Conflict(
            "rereview_disagrees",
            _("The expert re-review did not agree; the activity cannot be approved."),
            rule="R44",
        )
    if outcome == Outcome.DISAPPROVE:
        reasons = reasons.strip() or rereview.reasons
    project = lock_project(application.project_id)
    application.project = project
    preliminary = rereview.preliminary_decision
    from reviews.services.decisions import decision_effects, next_tracking_due

    now = timezone.now()
    decision = decision_record(
        application=application,
        review=None,
        outcome=outcome,
        stage=DecisionStage.FINAL,
        actor=actor,
        conditions=conditions or preliminary.conditions,
        reasons=reasons,
        tally={
            "rereview": {
                "opinion": rereview.opinion,
                "panel_size": rereview.panel_size,
                "authority": rereview.authority,
                "received_on": rereview.received_on.isoformat() if rereview.received_on else None,
            },
            "preliminary": preliminary.tally,
        },
        meaning=meaning
        or site_text(_("Signed as chair: final decision after expert re-review (R44)")),
        follows=preliminary,
        next_tracking_due=(
            next_tracking_due(application, outcome, timezone.localdate(now))
            if outcome == Outcome.APPROVE
            else None
        ),
    )
    rereview.final_decision = decision
    rereview.save(update_fields=["final_decision"])
    before = application.status
    application.status = new
    application.decided_at = now
    application.save()
    record(
        actor,
        "application.decide",
        application,
        {"status": before},
        {"status": new, "outcome": outcome, "number": decision.number, "stage": "final"},
    )
    decision_effects(application, decision, actor)
    notify_application(
        applicants(project),
        application,
        _("Final decision on %(ref)s after expert re-review: %(outcome)s"),
        "application.decide (R44)",
        outcome=site_text(Outcome(outcome).label),
    )
    return decision


# --- the re-review package (R39, MEAS Art. 27) -----------------------------------------------


def package_context(rereview: ReReview) -> dict[str, Any]:
    application = rereview.application
    project = application.project
    decision = rereview.preliminary_decision
    versions = list(
        DocumentVersion.objects.filter(document__application__project=project)
        .select_related("document__application")
        .order_by("document__application_id", "document__slot", "-version")
    )
    current: dict[tuple[int, str], DocumentVersion] = {}
    for version in versions:
        current.setdefault((version.document.application_id, version.document.slot), version)
    rounds = list(
        Review.objects.filter(application__project=project)
        .select_related("application")
        .order_by("application_id", "round")
    )
    decisions = list(
        Decision.objects.filter(application__project=project).order_by("decided_at", "id")
    )
    certified = {
        "ref": application.ref,
        "decision": decision.number,
        "outcome": decision.outcome,
        "tally": decision.tally,
        "documents": sorted(v.sha256 for v in current.values()),
    }
    regime = regulations.Regime(application.rules.regime)
    return {
        "rereview": rereview,
        "application": application,
        "project": project,
        "committee": application.committee,
        "decision": decision,
        "decided_on": timezone.localdate(decision.decided_at),
        "outcome_zh": regulations.outcome_term_zh(regulations.Outcome(decision.outcome), regime),
        "tally_rows": sorted(_flatten(decision.tally).items()),
        "documents": list(current.values()),
        "rounds": rounds,
        "decisions": decisions,
        "annex_item": project.annex_item(),
        "hash": pdf.verification_hash(certified),
    }


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


def _append_documents(cover: bytes, documents: list[DocumentVersion]) -> bytes:
    """One PDF: the cover and, after it, every current document that is itself a readable PDF."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(cover)))
    for version in documents:
        if version.quarantine:  # active content stays out of the package (issue 13)
            continue
        try:
            with version.file.open("rb") as handle:
                writer.append(PdfReader(io.BytesIO(handle.read())))
        except Exception:  # noqa: S112 - listed on the cover; a broken file is skipped
            continue
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def package_render(*, rereview_id: int) -> ReReview:
    """Render the re-review package once (Celery task): Art. 9 materials + preliminary opinion."""
    rereview = ReReview.objects.select_related(
        "application__project", "application__committee", "preliminary_decision"
    ).get(pk=rereview_id)
    if rereview.package:
        return rereview
    context = package_context(rereview)
    data = _append_documents(pdf.render(REREVIEW_PACKAGE_TEMPLATE, context), context["documents"])
    with transaction.atomic():
        locked = ReReview.objects.select_for_update().get(pk=rereview_id)
        if locked.package:
            return locked
        locked.package.save(f"rereview-{locked.pk}.pdf", ContentFile(data), save=False)
        locked.package_hash = context["hash"]
        locked.package_rendered_at = timezone.now()
        locked.save(update_fields=["package", "package_hash", "package_rendered_at"])
        record(
            None,
            "rereview.package",
            rereview.application,
            after={"hash": locked.package_hash, "rule": "R39"},
        )
    return locked


@transaction.atomic
def package_open(*, rereview_id: int, actor: User) -> ReReview:
    """Permission-check a package download (officers only: it carries the tally) and audit it."""
    rereview = ReReview.objects.select_related("application__project").get(pk=rereview_id)
    require(actor, "download", rereview)
    if not rereview.package:
        raise Conflict("package_not_ready", _("The package is still being prepared."))
    record(actor, "rereview.package_download", rereview.application, after={"id": rereview.pk})
    return rereview
