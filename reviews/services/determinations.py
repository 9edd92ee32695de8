"""The committee's determinations (R16, R37, R46): what the researcher declares, the committee
decides.

- R37: whether the activity is on the annex list is determined at acceptance: the secretary
  proposes (``listing_propose``), the chair confirms with reasons (``listing_confirm``). The
  researcher's ``Project.listed_item`` stays beside it as a declaration; only ``Project.listing``
  drives expert re-review (R38), the tracking interval (R45) and the registration (R51).
- R46: whether an amendment is a major change is the committee's classification
  (``amendment_classify``); the applicant's tick (``Application.major_change``) is a declaration.
- R16: an international activity starts only with its partner-country approvals on file, or once
  the committee has recorded why none is needed (``partner_approvals_waive``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics import regulations
from ethics.errors import Conflict
from ethics.models import User
from ethics.services import invalid, require
from reviews.checklist import Slot
from reviews.models import (
    Application,
    DocumentVersion,
    Listing,
    MajorChange,
    Project,
)
from reviews.services._common import (
    chairs,
    lock_application,
    lock_project,
    notify_application,
    record,
)
from reviews.services.officers import OfficerStep, escalating, require_eligible
from reviews.workflow import Kind, Status

# The committee determines while it accepts or reviews the application (R37 "at acceptance").
DETERMINING_STATUSES = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW})


def _require_open(application: Application, rule: str) -> None:
    if application.status not in DETERMINING_STATUSES:
        raise Conflict(
            "determination_not_now",
            _("The committee determines this only while it accepts or reviews the application."),
            rule=rule,
        )


def _annex_version(item: int) -> str:
    """R36: the item must be on the annex list in force today; returns the list's version."""
    today = timezone.localdate()
    try:
        regulations.annex_item(int(item), today)
    except ValueError:
        raise invalid(
            "listed_item", _("Not an item of the annex list in force (R36)."), "invalid_choice"
        ) from None
    return regulations.annex_list_on(today).version


@escalating
@transaction.atomic
def listing_propose(
    *, application_id: int, actor: User, listed: bool, listed_item: int | None = None
) -> Application:
    """R37: the secretary proposes whether the activity is listed (and under which item)."""
    application = lock_application(application_id)
    require(actor, "propose_listing", application)
    require_eligible(actor, application, OfficerStep.PROPOSE_LISTING)  # R20a
    _require_open(application, "R37")
    project = lock_project(application.project_id)
    if listed:
        if listed_item is None:
            raise invalid("listed_item", _("Name the annex list item (R37)."), "required")
        _annex_version(listed_item)
    else:
        listed_item = None
    before = {"proposal": project.listing_proposal, "item": project.listing_proposed_item}
    project.listing_proposal = Listing.LISTED if listed else Listing.NOT_LISTED
    project.listing_proposed_item = listed_item
    project.listing_proposed_by = actor
    project.save(
        update_fields=[
            "listing_proposal",
            "listing_proposed_item",
            "listing_proposed_by",
            "updated_at",
        ]
    )
    record(
        actor,
        "project.listing_propose",
        project,
        before,
        {"proposal": project.listing_proposal, "item": listed_item, "rule": "R37"},
    )
    notify_application(
        chairs(application.committee_id),
        application,
        _("Confirm whether %(title)s is on the annex list (%(ref)s)"),
        "project.listing_propose (R37)",
    )
    return application


@escalating
@transaction.atomic
def listing_confirm(*, application_id: int, actor: User, reasons: str) -> Application:
    """R37: the chair confirms the secretary's proposal with reasons; the determination is made.
    R20a: a chair who leads the project, is on its team or declared a conflict does not confirm;
    the step passes to the deputy, then another vice-chair (nobody eligible: 409, institution
    told)."""
    application = lock_application(application_id)
    require(actor, "confirm_listing", application)
    require_eligible(actor, application, OfficerStep.CONFIRM_LISTING)  # R20a
    _require_open(application, "R37")
    project = lock_project(application.project_id)
    if not project.listing_proposal:
        raise Conflict(
            "listing_not_proposed",
            _("The secretary has not proposed a determination yet."),
            rule="R37",
        )
    if project.listing_proposed_by_id == actor.pk:
        # Two people: whoever proposed does not also confirm (a chair who proposed asks another).
        raise Conflict(
            "listing_same_person",
            _("The determination is confirmed by someone other than who proposed it."),
            rule="R37",
        )
    if not reasons.strip():
        raise invalid("reasons", _("Give the reasons for the determination (R37)."), "required")
    listed = project.listing_proposal == Listing.LISTED
    item = project.listing_proposed_item if listed else None
    before = {"listing": project.listing, "item": project.listing_item}
    project.listing = project.listing_proposal
    project.listing_item = item
    project.listing_annex_version = _annex_version(item) if item is not None else ""
    project.listing_reasons = reasons.strip()
    project.listing_determined_by = actor
    project.listing_determined_at = timezone.now()
    project.listing_proposal = ""
    project.listing_proposed_item = None
    project.save(
        update_fields=[
            "listing",
            "listing_item",
            "listing_annex_version",
            "listing_reasons",
            "listing_determined_by",
            "listing_determined_at",
            "listing_proposal",
            "listing_proposed_item",
            "updated_at",
        ]
    )
    record(
        actor,
        "project.listing_confirm",
        project,
        before,
        {
            "listing": project.listing,
            "item": item,
            "declared_item": project.listed_item,
            "rule": "R37",
        },
        reasons.strip(),
    )
    # Shown on the project and application pages and in the API (no notice: the applicants
    # hear of the acceptance that follows).
    return application


@escalating
@transaction.atomic
def amendment_classify(
    *, application_id: int, actor: User, major: bool, reasons: str = ""
) -> Application:
    """R46: the committee classifies an amendment as a major change or not."""
    application = lock_application(application_id)
    require(actor, "classify_amendment", application)
    require_eligible(actor, application, OfficerStep.CLASSIFY_AMENDMENT)  # R20a
    if application.kind != Kind.AMENDMENT:
        raise Conflict(
            "not_an_amendment", _("Only an amendment is classified as a major change."), rule="R46"
        )
    _require_open(application, "R46")
    if major and application.procedure and _simplified_as_minor(application):
        raise Conflict(
            "amendment_reviewed_as_minor",
            _(
                "The open round reviews this amendment as a minor modification by the simplified "
                "procedure; a major change needs a meeting review."
            ),
            rule="R32",
        )
    if major and not reasons.strip():
        raise invalid("reasons", _("Give the reasons for the classification (R46)."), "required")
    before = {"classification": application.major_classification}
    application.major_classification = MajorChange.MAJOR if major else MajorChange.MINOR
    application.major_classification_reasons = reasons.strip()
    application.major_classified_by = actor
    application.save(
        update_fields=[
            "major_classification",
            "major_classification_reasons",
            "major_classified_by",
            "updated_at",
        ]
    )
    record(
        actor,
        "application.classify_amendment",
        application,
        before,
        {
            "classification": application.major_classification,
            "declared_major": application.major_change,
            "rule": "R46",
        },
        reasons.strip(),
    )
    return application


def _simplified_as_minor(application: Application) -> bool:
    return application.reviews.filter(state="open", grounds=regulations.MINOR_MODIFICATION).exists()


def partner_approvals_on_file(project: Project) -> bool:
    """R16: a partner-country approval has been uploaded on one of the project's applications."""
    return DocumentVersion.objects.filter(
        document__application__project=project, document__slot=Slot.PARTNER_APPROVALS
    ).exists()


@escalating
@transaction.atomic
def partner_approvals_waive(*, application_id: int, actor: User, reason: str) -> Application:
    """R16: the committee records why an international activity needs no partner approval."""
    application = lock_application(application_id)
    require(actor, "waive_partner_approvals", application)
    require_eligible(actor, application, OfficerStep.WAIVE_PARTNER_APPROVALS)  # R20a
    project = lock_project(application.project_id)
    if not project.international:
        raise Conflict(
            "not_international",
            _("Only an international collaboration needs partner-country approvals."),
            rule="R16",
        )
    if application.status in (Status.DRAFT, Status.WITHDRAWN):
        raise Conflict(
            "determination_not_now",
            _("The committee records this on a submitted application."),
            rule="R16",
        )
    if not reason.strip():
        raise invalid(
            "reason", _("Say why no partner-country approval is needed (R16)."), "required"
        )
    before = {"waiver": project.partner_approvals_waiver}
    project.partner_approvals_waiver = reason.strip()
    project.partner_approvals_waived_by = actor
    project.save(
        update_fields=["partner_approvals_waiver", "partner_approvals_waived_by", "updated_at"]
    )
    record(
        actor,
        "project.partner_approvals_waive",
        project,
        before,
        {"waiver": project.partner_approvals_waiver, "rule": "R16"},
        reason.strip(),
    )
    return application


def partner_approvals_problem(project: Project) -> Conflict | None:
    """R16: why an international activity may not start yet (None: it may)."""
    if not project.international or project.partner_approvals_waiver:
        return None
    if partner_approvals_on_file(project):
        return None
    return Conflict(
        "partner_approvals_missing",
        _(
            "An international collaboration starts only after the partner countries' ethics "
            "approvals are on file or the committee has recorded why none is needed."
        ),
        rule="R16",
    )
