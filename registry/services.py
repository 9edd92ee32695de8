"""Every state change of the registry: filings opened from deadlines or on 1 January, packages
prepared (rendered in Celery), submissions and acknowledgements recorded (R50-R54).

Each service owns its transaction, locks the filing, checks permission, writes the audit row and
notifies the people concerned. Deadline listeners run inside the opening service's transaction.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees import clocks as committee_clocks
from committees import services as committee_services
from committees.models import Committee
from ethics import audit, jobs, pdf, regulations
from ethics import services as kernel
from ethics.deadlines import SHANGHAI, end_of_day
from ethics.errors import Conflict
from ethics.models import Deadline, DeadlineState, User
from ethics.services import require, site_text
from registry import clocks, packages, platform, render, selectors, validation, workflow
from registry.models import Filing, FilingPackage, PackageState
from registry.workflow import ANNUAL_KINDS, COMMITTEE_KINDS, LISTED_KINDS, Action, Kind, Status
from reports import figures
from reviews import clocks as review_clocks

logger = logging.getLogger(__name__)

# Which filing a deadline kind opens.
FILING_FOR_DEADLINE: dict[str, Kind] = {
    committee_clocks.COMMITTEE_REGISTRATION: Kind.COMMITTEE_REGISTRATION,
    committee_clocks.COMMITTEE_UPDATE: Kind.COMMITTEE_UPDATE,
    review_clocks.LISTED_REGISTRATION: Kind.LISTED_REGISTRATION,
    review_clocks.LISTED_UPDATE: Kind.LISTED_UPDATE,  # R51 "及时更新"
    committee_clocks.NHC_FILING: Kind.NHC_FILING,  # N7
}


def last_day(due_at: datetime) -> date:
    """The last day of a period whose exclusive end is `due_at` (24:00 of that day)."""
    return (due_at.astimezone(SHANGHAI) - timedelta(microseconds=1)).date()


def _filing_url(filing: Filing) -> str:
    return reverse("registry:filing-detail", args=[filing.pk])


def _lock(filing_id: int) -> Filing:
    return Filing.objects.select_for_update().select_related("committee").get(pk=filing_id)


def _move(filing: Filing, action: Action) -> Status:
    return workflow.next_status(filing.status, action)


def _project_of(subject: models.Model | None) -> Any:
    """The listed activity behind a deadline subject: a project, or what belongs to one."""
    from reviews.models import Project

    for path in ("", "project", "application.project", "review.application.project"):
        target: Any = subject
        for part in filter(None, path.split(".")):
            target = getattr(target, part, None)
        if isinstance(target, Project):
            return target
    return None


# --- deadline listeners -------------------------------------------------------------------------


def filing_open_for_deadline(deadline: Deadline) -> Filing | None:
    """Listener: a registration or update clock opened, so the filing it asks for exists (R50, R51).

    Idempotent: one filing per deadline; an open filing of the same kind and subject is relinked
    to the new clock instead of duplicated.
    """
    kind = FILING_FOR_DEADLINE.get(deadline.kind)
    if kind is None or deadline.committee_id is None:
        return None
    existing = Filing.objects.filter(deadline=deadline).first()
    if existing is not None:
        return existing
    project = None
    if kind in LISTED_KINDS:
        project = _project_of(deadline.subject)
        if project is None:
            logger.warning("%s deadline %s has no project", deadline.kind, deadline.pk)
            return None
    open_same = Filing.objects.select_for_update().open().filter(kind=kind)
    open_same = (
        open_same.filter(project=project)
        if project
        else open_same.filter(committee_id=deadline.committee_id)
    )
    filing = open_same.first()
    if filing is not None:
        filing.deadline = deadline
        filing.due_on = last_day(deadline.due_at)
        filing.save(update_fields=["deadline", "due_on", "updated_at"])
        return filing
    filing = Filing.objects.create(
        kind=kind,
        committee_id=deadline.committee_id,
        project=project,
        due_on=last_day(deadline.due_at),
        deadline=deadline,
        rule=deadline.rule,
    )
    audit.record(
        actor=None,
        action="filing.open",
        target=filing,
        after={"kind": kind, "due_on": filing.due_on, "deadline": deadline.pk},
    )
    return filing


def filing_due_follows_deadline(deadline: Deadline) -> None:
    """Listener: a holiday import moved the clock, so its open filing's due date moves too (R25)."""
    for filing in Filing.objects.select_for_update().open().filter(deadline=deadline):
        due_on = last_day(deadline.due_at)
        if filing.due_on == due_on:
            continue
        audit.record(
            actor=None,
            action="filing.due_moved",
            target=filing,
            before={"due_on": filing.due_on},
            after={"due_on": due_on, "deadline": deadline.pk},
        )
        filing.due_on = due_on
        filing.save(update_fields=["due_on", "updated_at"])


def filing_waive_for_deadline(deadline: Deadline) -> None:
    """Listener: the clock behind an open filing was waived, so the filing is too (kept as history)."""
    if deadline.state != DeadlineState.WAIVED:
        return
    for filing in Filing.objects.select_for_update().open().filter(deadline=deadline):
        new = _move(filing, Action.WAIVE)
        audit.record(
            actor=None,
            action="filing.waive",
            target=filing,
            before={"status": filing.status},
            after={"status": new},
            reason=deadline.note or "deadline waived",
        )
        filing.status = new
        filing.save(update_fields=["status", "updated_at"])


# --- annual report (R52) ------------------------------------------------------------------------


def _annual_data(filing: Filing) -> dict[str, Any]:
    """The pre-filled figures of an annual report filing (R52, N8)."""
    assert filing.period is not None
    return figures.annual_figures(filing.committee_id, filing.period).as_json()


def _annual_due_on(committee: Committee, year: int) -> date:
    return regulations.annual_report_due_on(year, regulations.combined(committee.regime_codes))


@transaction.atomic
def annual_report_open_for(*, committee_id: int, year: int, actor: User | None = None) -> Filing:
    """Open (once) the draft of `committee`'s report on `year`, pre-filled from the data (R52);
    a committee under NHC also gets its report to the filing authority (N8)."""
    committee = Committee.objects.select_for_update().get(pk=committee_id)
    rules = regulations.combined(committee.regime_codes)
    nhc_due = rules.nhc_annual_report_due
    if nhc_due.value is not None:
        month, day = nhc_due.value
        _annual_filing_open(
            committee,
            year,
            Kind.NHC_ANNUAL_REPORT,
            clocks.NHC_ANNUAL_REPORT,
            date(year + 1, month, day),
            nhc_due.rule,
            _("NHC annual work report %(year)s of %(name)s"),
            _("The NHC annual work report %(year)s of %(name)s is open: due %(due)s"),
            actor,
        )
    return _annual_filing_open(
        committee,
        year,
        Kind.ANNUAL_REPORT,
        clocks.ANNUAL_REPORT,
        _annual_due_on(committee, year),
        rules.annual_report_due.rule,
        _("Annual report %(year)s of %(name)s"),
        _("The annual report %(year)s of %(name)s is open: due %(due)s"),
        actor,
    )


def _annual_filing_open(
    committee: Committee,
    year: int,
    kind: Kind,
    clock: str,
    due_on: date,
    rule: str,
    title: Any,
    notice: Any,
    actor: User | None,
) -> Filing:
    filing = Filing.objects.filter(kind=kind, committee=committee, period=year).first()
    if filing is not None:
        return filing
    filing = Filing.objects.create(
        kind=kind,
        committee=committee,
        period=year,
        due_on=due_on,
        rule=rule,
        data=figures.annual_figures(committee.pk, year).as_json(),
    )
    filing.deadline = kernel.deadline_open(
        kind=clock,
        subject=filing,
        due_at=end_of_day(due_on),
        title=site_text(title, year=year, name=committee.name),
        rule=rule,
        committee_id=committee.pk,
        actor=actor,
    )
    filing.save(update_fields=["deadline", "data", "updated_at"])
    audit.record(
        actor=actor,
        action="filing.open",
        target=filing,
        after={"kind": kind, "period": year, "due_on": due_on},
    )
    kernel.notify(
        recipients=selectors.filing_recipients(committee.pk),
        title=notice,
        params={"year": year, "name": committee.name, "due": due_on.isoformat()},
        url=_filing_url(filing),
        cause=f"filing.open ({rule})",
    )
    return filing


def annual_report_open(*, year: int, actor: User | None = None) -> list[Filing]:
    """1 January: open the report on `year` for every committee that existed during it (R52)."""
    ids = Committee.objects.filter(established_on__lte=date(year, 12, 31)).values_list(
        "pk", flat=True
    )
    return [annual_report_open_for(committee_id=pk, year=year, actor=actor) for pk in ids]


# --- prepare and render --------------------------------------------------------------------------


def _validated(filing: Filing) -> None:
    """R53 (with R3, R4-R7, N1-N3): refuse a package whose content or committee is not valid.

    One 409 lists every problem with its rule ID; nothing is written.
    """
    problems = validation.filing_problems(filing, packages.build(filing))
    if problems:
        raise Conflict(
            "filing_invalid",
            _("The package cannot be prepared until every problem listed is fixed."),
            rule="R53",
            problems=[problem.as_dict() for problem in problems],
        )


@transaction.atomic
def filing_prepare(*, filing_id: int, actor: User) -> FilingPackage:
    """Validate the content (R53), mark the filing prepared and queue a new package version
    for rendering in Celery; a new version needs a new sign-off."""
    filing = _lock(filing_id)
    require(actor, "prepare", filing)
    new = _move(filing, Action.PREPARE)
    if filing.kind in ANNUAL_KINDS and filing.period:
        filing.data = _annual_data(filing)
    _validated(filing)
    version = (filing.packages.aggregate(v=Max("version"))["v"] or 0) + 1
    package = FilingPackage.objects.create(
        filing=filing, version=version, requested_by=actor, state=PackageState.PENDING
    )
    before = filing.status
    filing.status = new
    filing.prepared_at = timezone.now()
    filing.save(update_fields=["status", "prepared_at", "data", "updated_at"])
    audit.record(
        actor=actor,
        action="filing.prepare",
        target=filing,
        before={"status": before},
        after={"status": new, "package_version": version, "validated": "R53"},
    )
    jobs.enqueue("registry.render_package", package_id=package.pk)
    return package


@transaction.atomic
def filing_sign_off(*, filing_id: int, actor: User) -> FilingPackage:
    """R53: the chair or an institution admin signs off the latest package version.

    The content is validated again (the roster or documents may have changed since it was
    prepared); the submission needs the sign-off of the version it files.
    """
    filing = _lock(filing_id)
    require(actor, "sign_off", filing)
    _move(filing, Action.SIGN_OFF)
    package = filing.packages.select_for_update().order_by("-version").first()
    if package is None or package.state != PackageState.READY:
        raise Conflict(
            "package_not_ready",
            _("Wait until the package is rendered before signing it off."),
            rule="R53",
        )
    if package.signed_off_at is not None:
        raise Conflict("already_signed_off", _("This package version is already signed off."))
    _validated(filing)
    package.signed_off_by = actor
    package.signed_off_at = timezone.now()
    package.save(update_fields=["signed_off_by", "signed_off_at"])
    audit.record(
        actor=actor,
        action="filing.sign_off",
        target=filing,
        after={"package_version": package.version, "hash": package.verification_hash},
        reason="R53",
    )
    return package


def _store(package: FilingPackage, field: str, content: bytes, name: str) -> None:
    getattr(package, field).save(name, ContentFile(content), save=False)
    setattr(package, f"{field}_sha256", hashlib.sha256(content).hexdigest())


@transaction.atomic
def package_render(*, package_id: int) -> FilingPackage:
    """Render a package's PDF, JSON and xlsx once (idempotent; a repeated task does nothing)."""
    package = (
        FilingPackage.objects.select_for_update(of=("self",))
        .select_related("filing__committee__institution", "filing__project")
        .get(pk=package_id)
    )
    if package.state == PackageState.READY:
        return package
    filing = package.filing
    data = packages.build(filing)
    code = pdf.verification_hash({"filing": data["filing"], "sections": data["sections"]})
    stem = f"filing-{filing.pk}-v{package.version}"
    _store(package, "pdf", render.to_pdf(data, code), f"{stem}.pdf")
    _store(package, "json", render.to_json(data, code), f"{stem}.json")
    _store(package, "xlsx", render.to_xlsx(data, code), f"{stem}.xlsx")
    package.data = data
    package.verification_hash = code
    package.state = PackageState.READY
    package.rendered_at = timezone.now()
    package.error = ""
    package.save()
    audit.record(
        actor=None,
        action="filing.package_render",
        target=filing,
        after={"version": package.version, "hash": code, "pdf_sha256": package.pdf_sha256},
    )
    if package.requested_by is not None:
        kernel.notify(
            recipients=[package.requested_by],
            title=_("The package of %(filing)s is ready"),
            params={"filing": str(filing)},
            url=_filing_url(filing),
            cause="filing.prepare",
            email=False,
        )
    return package


def package_render_failed(*, package_id: int, error: str) -> None:
    """Record why a rendering failed so the page can say so (the task re-raises for retry)."""
    FilingPackage.objects.filter(pk=package_id).exclude(state=PackageState.READY).update(
        state=PackageState.FAILED, error=error[:2000]
    )


@transaction.atomic
def package_open(*, package_id: int, fmt: str, actor: User, inline: bool = False) -> FilingPackage:
    """Hand out one file of a ready package; the download is audited (`inline`: the PDF's
    preview, audited as ``document.preview``)."""
    package = FilingPackage.objects.select_related("filing__committee").get(pk=package_id)
    require(actor, "download", package.filing)
    if package.state != PackageState.READY or fmt not in ("pdf", "json", "xlsx"):
        raise Conflict("package_not_ready", _("The package has not been rendered yet."))
    audit.record(
        actor=actor,
        action="document.preview" if inline else "filing.package_download",
        target=package.filing,
        after={"version": package.version, "format": fmt}
        | ({"document": "filing_package"} if inline else {}),
    )
    return package


# --- submission and acknowledgement ---------------------------------------------------------------


def _mark_committee_registered(filing: Filing, actor: User) -> None:
    committee_services.committee_registration_recorded(
        committee_id=filing.committee_id, actor=actor, receipt=filing.receipt
    )


def _close_deadline(filing: Filing, actor: User) -> None:
    deadline = filing.deadline
    if deadline is None or not deadline.is_active:
        return
    subject_model = ContentType.objects.get_for_id(deadline.subject_type_id).model_class()
    subject = subject_model(pk=deadline.subject_id) if subject_model else None
    if subject is not None:
        kernel.deadline_close(kind=deadline.kind, subject=subject, actor=actor)


def _validate_submission(submitted_on: date | None, receipt: str) -> None:
    errors: dict[str, ValidationError] = {}
    if not receipt or not receipt.strip():
        errors["receipt"] = ValidationError(
            _("Enter the platform's receipt number."), code="required"
        )
    if submitted_on is None:
        errors["submitted_on"] = ValidationError(_("Enter the submission date."), code="required")
    elif submitted_on > timezone.localdate():
        errors["submitted_on"] = ValidationError(
            _("The submission date cannot be in the future."), code="future_date"
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def filing_submit(*, filing_id: int, actor: User, submitted_on: date, receipt: str) -> Filing:
    """Record that the package was filed on the platform, with its receipt number (R54)."""
    filing = _lock(filing_id)
    require(actor, "submit", filing)
    new = _move(filing, Action.SUBMIT)
    _validate_submission(submitted_on, receipt)
    package = filing.packages.order_by("-version").first()
    if package is None or package.state != PackageState.READY:
        raise Conflict(
            "package_not_ready",
            _("Prepare the package and wait until it is rendered before recording the submission."),
            rule="R53",
        )
    if package.signed_off_at is None:
        raise Conflict(
            "sign_off_required",
            _("The chair or an institution admin must sign the package off first."),
            rule="R53",
        )
    result = platform.client(submitted_on=submitted_on, receipt=receipt).submit(filing, package)
    before = filing.status
    filing.status = new
    filing.submitted_on = result.submitted_on
    filing.receipt = result.number[:100]
    filing.submitted_by = actor
    filing.save(update_fields=["status", "submitted_on", "receipt", "submitted_by", "updated_at"])
    audit.record(
        actor=actor,
        action="filing.submit",
        target=filing,
        before={"status": before},
        after={
            "status": new,
            "submitted_on": filing.submitted_on,
            "receipt": filing.receipt,
            "package_version": package.version,
            "package_hash": package.verification_hash,
        },
    )
    _close_deadline(filing, actor)
    if filing.kind in COMMITTEE_KINDS:
        _mark_committee_registered(filing, actor)
    kernel.notify(
        recipients=selectors.filing_recipients(filing.committee_id, escalation=True),
        title=_("%(filing)s was filed on the national platform, receipt %(receipt)s"),
        params={"filing": str(filing), "receipt": filing.receipt},
        url=_filing_url(filing),
        cause="filing.submit (R54)",
        email=False,
    )
    return filing


@transaction.atomic
def filing_acknowledge(
    *, filing_id: int, actor: User, acknowledged_on: date | None = None, receipt: str = ""
) -> Filing:
    """Record that the platform acknowledged the filing (its record number if it gave a new one)."""
    filing = _lock(filing_id)
    require(actor, "acknowledge", filing)
    new = _move(filing, Action.ACKNOWLEDGE)
    on = acknowledged_on or timezone.localdate()
    if filing.submitted_on and on < filing.submitted_on:
        raise ValidationError(
            {
                "acknowledged_on": ValidationError(
                    _("The acknowledgement cannot precede the submission."), code="invalid"
                )
            }
        )
    before = {"status": filing.status, "receipt": filing.receipt}
    filing.status = new
    filing.acknowledged_on = on
    if receipt.strip():
        filing.receipt = receipt.strip()[:100]
    filing.save(update_fields=["status", "acknowledged_on", "receipt", "updated_at"])
    audit.record(
        actor=actor,
        action="filing.acknowledge",
        target=filing,
        before=before,
        after={"status": new, "acknowledged_on": on, "receipt": filing.receipt},
    )
    return filing


@transaction.atomic
def filing_update_remarks(*, filing_id: int, actor: User, remarks: str) -> Filing:
    """Edit the free-text remarks of an open filing (they appear in the next package)."""
    filing = _lock(filing_id)
    require(actor, "change", filing)
    if not filing.is_open:
        raise Conflict("filing_closed", _("A submitted filing can no longer be edited."))
    before = filing.remarks
    filing.remarks = remarks.strip()
    filing.save(update_fields=["remarks", "updated_at"])
    audit.record(
        actor=actor,
        action="filing.remarks",
        target=filing,
        before={"remarks": before},
        after={"remarks": filing.remarks},
    )
    return filing
