"""Every state change of the committees app: institutions, committees, roster, documents,
pledges, training and entrustments. Each service owns its transaction, checks permission, writes
the audit row and opens or closes the deadlines the change implies (R50, R7)."""

# Chinese names and citations use full-width punctuation on purpose.

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Max
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees import clocks, selectors
from committees.composition import latest_term_end, term_too_long
from committees.models import (
    Committee,
    CommitteeDocument,
    DocumentKind,
    Entrustment,
    Membership,
    Pledge,
    PledgeKind,
    RegimeChoice,
    RegistrationStatus,
    Role,
    StoredFile,
    Training,
)
from ethics import audit, policies, regulations, uploads
from ethics import services as kernel
from ethics.deadlines import (
    SHANGHAI,
    Calendar,
    add_months,
    day_period_due_at,
    end_of_day,
    month_period_due_on,
)
from ethics.errors import Conflict
from ethics.models import Deadline, DeadlineState, Institution, User
from ethics.selectors import working_calendar
from ethics.services import invalid, require, site_text
from ethics.validators import normalize_credit_code

# Content types accepted for documents, pledges, certificates and agreements (checked by content).
ALLOWED_MIME = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
    }
)

INSTITUTION_FIELDS = ("name", "credit_code", "kind", "authority", "authority_other", "region")
COMMITTEE_FIELDS = (
    "name",
    "kind",
    "regimes",
    "fields_of_work",
    "established_on",
    "emergency_member_review",  # R47-R49: an SOP setting, audited with the particulars
)
# Settings of the committee's own procedures: not registered content (R50).
_UNREGISTERED_FIELDS = frozenset({"emergency_member_review"})
MEMBERSHIP_FIELDS = (
    "role",
    "expertise",
    "gender",
    "external",
    "local_knowledge",
    "title",
    "term_start",
    "term_end",
    "appointment_ref",
)


def _snapshot(obj: models.Model, names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


# --- files ----------------------------------------------------------------------------------


def attach_file(obj: StoredFile, upload: UploadedFile, *, field: str = "file") -> None:
    """Check an upload (size, content type by its bytes) and store it on `obj` with its SHA-256."""
    if upload.size is not None and upload.size > settings.UPLOAD_MAX_BYTES:
        raise invalid(field, _("The file is larger than the upload limit."), "too_large")
    data = upload.read()
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise invalid(field, _("The file is larger than the upload limit."), "too_large")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED_MIME:
        markers = uploads.lead_markers(data)
        if markers and uploads.looks_like_hidden_pdf(data):
            raise uploads.refusal(
                field,
                "polyglot",
                _("The file also contains web page or script content (%(found)s) and was refused."),
                found=", ".join(markers),
            )
        raise invalid(
            field, _("Upload a PDF, Word, OpenDocument, JPEG or PNG file."), "unsupported_type"
        )
    active = uploads.inspect(data, kind.mime, field=field)
    if active and not uploads.quarantine_active_content():
        raise uploads.active_content_refusal(field, active)
    # UPLOAD_ACTIVE_CONTENT=quarantine: kept, flagged, downloadable only by the secretaries;
    # the caller audits it with `quarantine_record` once the row is saved.
    obj.quarantine = ", ".join(active)[:255]
    obj.original_name = (upload.name or "file")[:255]
    obj.sha256 = hashlib.sha256(data).hexdigest()
    obj.size = len(data)
    obj.content_type = kind.mime
    obj.file.save(f"upload.{kind.extension}", ContentFile(data), save=False)


def quarantine_record(obj: StoredFile, actor: User, *, committee_id: int | None) -> None:
    """Audit (and tell the secretaries about) a file kept in quarantine; nothing when clean."""
    if not obj.quarantine:
        return
    audit.record(
        actor=actor,
        action="file.quarantine",
        target=obj,
        after={"sha256": obj.sha256, "name": obj.original_name, "found": obj.quarantine},
    )
    kernel.notify(
        recipients=selectors.officers(committee_id, [Role.SECRETARY]),
        title=_("A file with active content was quarantined: %(name)s"),
        body=_(
            "%(found)s was found in %(name)s. Only the committee's secretaries can download it; "
            "check it before anyone relies on it."
        ),
        params={"name": obj.original_name, "found": obj.quarantine},
        cause="file.quarantine",
    )


def file_committee_id(obj: StoredFile) -> int | None:
    """The committee a committees-app file belongs to (whose secretaries see it in quarantine)."""
    if isinstance(obj, Pledge | Training):
        return obj.membership.committee_id
    if isinstance(obj, Entrustment):
        return obj.receiving_committee_id
    committee_id: int | None = getattr(obj, "committee_id", None)
    return committee_id


def may_open_quarantined(actor: User, committee_id: int | None) -> bool:
    """Only the committee's secretaries in term open a quarantined file."""
    return committee_id is not None and any(
        user.pk == actor.pk for user in selectors.officers(committee_id, [Role.SECRETARY])
    )


@transaction.atomic
def file_open(*, obj: StoredFile, actor: User) -> StoredFile:
    """Permission-check a download of a stored file and audit it (design: downloads audited).
    A quarantined file is a 404 for everyone but the committee's secretaries."""
    require(actor, "download", obj)
    if obj.quarantine and not may_open_quarantined(actor, file_committee_id(obj)):
        raise Http404
    if not obj.file:
        raise Conflict("no_file", _("No file is stored here."))
    audit.record(
        actor=actor,
        action="file.download",
        target=obj,
        after={"sha256": obj.sha256, "name": obj.original_name},
    )
    return obj


# --- institutions ---------------------------------------------------------------------------


def _clean_institution(institution: Institution) -> None:
    institution.credit_code = normalize_credit_code(institution.credit_code)
    if institution.authority != "other":
        institution.authority_other = ""
    institution.full_clean()


@transaction.atomic
def institution_create(*, actor: User, **data: Any) -> Institution:
    """Create an institution (site administrators)."""
    if not actor.is_superuser:
        raise PermissionDenied
    institution = Institution(**{k: v for k, v in data.items() if k in INSTITUTION_FIELDS})
    _clean_institution(institution)
    institution.save()
    audit.record(
        actor=actor,
        action="institution.create",
        target=institution,
        after=_snapshot(institution, INSTITUTION_FIELDS),
    )
    return institution


@transaction.atomic
def institution_update(*, institution_id: int, actor: User, data: dict[str, Any]) -> Institution:
    """Change an institution's profile (its institution admins, site administrators)."""
    institution = Institution.objects.select_for_update().get(pk=institution_id)
    require(actor, "change", institution)
    changed = [k for k in data if k in INSTITUTION_FIELDS]
    before = _snapshot(institution, changed)
    for key in changed:
        setattr(institution, key, data[key])
    _clean_institution(institution)
    institution.save()
    audit.record(
        actor=actor,
        action="institution.update",
        target=institution,
        before=before,
        after=_snapshot(institution, changed),
    )
    return institution


# --- committees -----------------------------------------------------------------------------


def _clean_regimes(regimes: list[str] | None) -> list[str]:
    chosen = [code for code in RegimeChoice.values if code in (regimes or [])]
    if not chosen or len(chosen) != len(set(regimes or [])):
        raise invalid("regimes", _("Choose MEAS, NHC or both."), "invalid_choice")
    return chosen


def registration_due_at(committee: Committee, calendar: Calendar | None = None) -> datetime:
    """R50: registration within 30 days after the committee is set up (Civil Code counting)."""
    rules = selectors.committee_rules(committee)
    established = datetime.combine(committee.established_on, time.min, tzinfo=SHANGHAI)
    return day_period_due_at(
        established,
        rules.committee_registration_days.value,
        calendar=calendar or working_calendar(),
        roll_forward=rules.roll_forward_rest_days.value,
    )


def _open_registration_deadline(committee: Committee, actor: User | None) -> None:
    kernel.deadline_open(
        kind=clocks.COMMITTEE_REGISTRATION,
        subject=committee,
        due_at=registration_due_at(committee),
        title=site_text(_("Register %(name)s on the national platform"), name=committee.name),
        rule=selectors.committee_rules(committee).committee_registration_days.rule,
        committee_id=committee.pk,
        actor=actor,
    )


def kernel_deadline_exists(committee: Committee, kind: str) -> bool:
    """Whether a clock of `kind` was ever opened on the committee (any state)."""
    return Deadline.objects.of(committee).filter(kind=kind).exists()


def _open_nhc_filing_deadline(committee: Committee, actor: User | None) -> None:
    """N7: a committee under the NHC regime files with its health authority (国家医学研究登记
    备案信息系统) within the rule set's months of set-up; only when the rules give a period."""
    months = selectors.committee_rules(committee).nhc_filing_months
    if months.value is None:
        return
    rules = selectors.committee_rules(committee)
    kernel.deadline_open(
        kind=clocks.NHC_FILING,
        subject=committee,
        due_at=end_of_day(
            month_period_due_on(
                committee.established_on,
                months.value,
                calendar=working_calendar(),
                roll_forward=rules.roll_forward_rest_days.value,
            )
        ),
        title=site_text(
            _("File %(name)s with the health authority (medical research registration system)"),
            name=committee.name,
        ),
        rule=months.rule,
        committee_id=committee.pk,
        actor=actor,
    )


def _registered_content_changed(committee: Committee, actor: User, what: str) -> None:
    """R50: after registration, a change to roster, officers or charter needs an update filing.

    The caller holds the committee row lock.
    """
    if committee.registration_status == RegistrationStatus.UNREGISTERED:
        return
    if committee.registration_status != RegistrationStatus.UPDATE_DUE:
        committee.registration_status = RegistrationStatus.UPDATE_DUE
        committee.save(update_fields=["registration_status"])
        audit.record(
            actor=actor,
            action="committee.update_due",
            target=committee,
            before={"registration_status": RegistrationStatus.REGISTERED},
            after={"registration_status": RegistrationStatus.UPDATE_DUE},
            reason=what,
        )
    rules = selectors.committee_rules(committee)
    kernel.deadline_open(
        kind=clocks.COMMITTEE_UPDATE,
        subject=committee,
        due_at=day_period_due_at(
            timezone.now(),
            rules.committee_registration_days.value,
            calendar=working_calendar(),
            roll_forward=rules.roll_forward_rest_days.value,
        ),
        title=site_text(
            _("Update the registration of %(name)s on the national platform"), name=committee.name
        ),
        rule=rules.committee_registration_days.rule,
        committee_id=committee.pk,
        actor=actor,
    )


@transaction.atomic
def committee_registration_recorded(*, committee_id: int, actor: User, receipt: str) -> Committee:
    """The platform accepted a registration or an update (R50): the committee is registered.

    Called by the registry when a secretary records the platform's receipt; later changes to the
    registered content set it back to update_due (see _registered_content_changed).
    """
    committee = _lock_committee(committee_id)
    if committee.registration_status == RegistrationStatus.REGISTERED:
        return committee
    before = committee.registration_status
    committee.registration_status = RegistrationStatus.REGISTERED
    committee.save(update_fields=["registration_status"])
    audit.record(
        actor=actor,
        action="committee.registered",
        target=committee,
        before={"registration_status": before},
        after={"registration_status": RegistrationStatus.REGISTERED, "receipt": receipt},
    )
    return committee


@transaction.atomic
def committee_create(
    *,
    actor: User,
    institution: Institution,
    name: str,
    established_on: date,
    kind: str = "institutional",
    regimes: list[str] | None = None,
    fields_of_work: list[str] | None = None,
    emergency_member_review: bool = False,
) -> Committee:
    """Set up a committee and open its registration deadline (R50)."""
    require(actor, "create_committee", institution)
    committee = Committee(
        institution=institution,
        name=name,
        kind=kind,
        regimes=_clean_regimes(regimes or ["meas"]),
        fields_of_work=list(fields_of_work or []),
        established_on=established_on,
        emergency_member_review=emergency_member_review,
    )
    committee.full_clean()
    committee.save()
    audit.record(
        actor=actor,
        action="committee.create",
        target=committee,
        after=_snapshot(committee, COMMITTEE_FIELDS),
    )
    _open_registration_deadline(committee, actor)
    _open_nhc_filing_deadline(committee, actor)
    return committee


@transaction.atomic
def committee_update(*, committee_id: int, actor: User, data: dict[str, Any]) -> Committee:
    """Change a committee's particulars; registered content changes need an update (R50)."""
    committee = Committee.objects.select_for_update().get(pk=committee_id)
    require(actor, "change", committee)
    changed = [k for k in data if k in COMMITTEE_FIELDS and data[k] != getattr(committee, k)]
    if not changed:
        return committee
    before = _snapshot(committee, changed)
    for key in changed:
        setattr(committee, key, data[key])
    if "regimes" in changed:
        committee.regimes = _clean_regimes(committee.regimes)
    committee.full_clean()
    committee.save()
    audit.record(
        actor=actor,
        action="committee.update",
        target=committee,
        before=before,
        after=_snapshot(committee, changed),
    )
    if (
        "established_on" in changed
        and committee.registration_status == RegistrationStatus.UNREGISTERED
    ):
        kernel.deadline_close(
            kind=clocks.COMMITTEE_REGISTRATION,
            subject=committee,
            state=DeadlineState.WAIVED,
            actor=actor,
            reason="established_on changed",
        )
        _open_registration_deadline(committee, actor)
    if "regimes" in changed and not kernel_deadline_exists(committee, clocks.NHC_FILING):
        _open_nhc_filing_deadline(committee, actor)  # N7: the committee now works under NHC
    if set(changed) - _UNREGISTERED_FIELDS:
        _registered_content_changed(committee, actor, "committee particulars")
    return committee


@transaction.atomic
def committee_designate_deputy(
    *, committee_id: int, actor: User, deputy: Membership | None
) -> Committee:
    """R20a: the chair designates the vice-chair who acts in the chair's place on applications
    the chair may not act on (lead, team, declared conflict); None withdraws the designation."""
    committee = Committee.objects.select_for_update().get(pk=committee_id)
    if not may_designate_deputy(actor, committee):
        raise PermissionDenied
    if deputy is not None and not (
        deputy.committee_id == committee.pk
        and deputy.role == Role.VICE_CHAIR
        and deputy.in_term(timezone.localdate())
    ):
        raise invalid("deputy", _("Choose a vice-chair of this committee in term."), "invalid")
    before = committee.deputy_id
    new = deputy.pk if deputy is not None else None
    if before == new:
        return committee
    committee.deputy = deputy
    committee.save(update_fields=["deputy"])
    audit.record(
        actor=actor,
        action="committee.deputy",
        target=committee,
        before={"deputy": before},
        after={"deputy": new, "rule": "R20a"},
    )
    if deputy is not None:
        kernel.notify(
            recipients=[deputy.user],
            title=_("You were designated to act for the chair of %(committee)s (R20a)"),
            params={"committee": committee.name},
            url=reverse("committees:committee-detail", args=[committee.pk]),
            cause="committee.deputy (R20a)",
        )
    return committee


def may_designate_deputy(user: User, committee: Committee) -> bool:
    """The chair in term (or a site admin) designates the deputy (R20a)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return (
        Membership.objects.in_term(on=timezone.localdate())
        .filter(committee_id=committee.pk, user_id=user.pk, role=Role.CHAIR)
        .exists()
    )


# --- roster ---------------------------------------------------------------------------------


def _lock_committee(committee_id: int) -> Committee:
    return Committee.objects.select_for_update().select_related("institution").get(pk=committee_id)


def _check_term(committee: Committee, term_start: date, term_end: date) -> None:
    if term_end < term_start:
        raise invalid("term_end", _("The term cannot end before it starts."), "invalid")
    years = selectors.committee_rules(committee).max_term_years
    if term_too_long(term_start, term_end, years.value):
        raise invalid(
            "term_end",
            _("A term may last at most %(years)s years, so it must end by %(latest)s (%(rule)s).")
            % {
                "years": years.value,
                "latest": latest_term_end(term_start, years.value).isoformat(),
                "rule": years.rule,
            },
            "term_too_long",
        )


def _term_deadline(membership: Membership, actor: User | None) -> None:
    """R7: the end of each member's term is a clock the secretary is reminded of (60/30 days)."""
    committee = membership.committee
    kernel.deadline_open(
        kind=clocks.MEMBER_TERM,
        subject=membership,
        due_at=end_of_day(membership.term_end),
        title=site_text(
            _("Term of %(person)s on %(committee)s ends"),
            person=membership.user.display_name,
            committee=committee.name,
        ),
        rule=selectors.committee_rules(committee).max_term_years.rule,
        committee_id=committee.pk,
        actor=actor,
    )


def _committee_url(committee: Committee) -> str:
    return reverse("committees:committee-detail", args=[committee.pk])


def person_create(*, actor: User, name: str, email: str, institution: Institution | None) -> User:
    """An account for a new member (e.g. an external expert); they set a password via reset."""
    base = (email.split("@")[0] if email else "member")[:20] or "member"
    username = f"{base}-{secrets.token_hex(3)}"
    user = User(username=username, name=name, email=email, institution=institution)
    user.set_unusable_password()
    user.save()
    audit.record(actor=actor, action="user.create", target=user, after={"username": username})
    return user


@transaction.atomic
def membership_add(
    *,
    committee_id: int,
    actor: User,
    user: User,
    role: str,
    expertise: str,
    gender: str,
    term_start: date,
    term_end: date,
    external: bool = False,
    local_knowledge: bool = False,
    title: str = "",
    appointment_ref: str = "",
    appointment_file: UploadedFile | None = None,
) -> Membership:
    """Appoint a person; opens the term-end clock and, after registration, an update (R50)."""
    committee = _lock_committee(committee_id)
    require(actor, "manage", committee)
    _check_term(committee, term_start, term_end)
    if Membership.objects.open().filter(committee=committee, user=user).exists():
        raise invalid("user", _("This person already sits on the committee."), "duplicate")
    membership = Membership(
        committee=committee,
        user=user,
        role=role,
        expertise=expertise,
        gender=gender,
        external=external,
        local_knowledge=local_knowledge,
        title=title,
        term_start=term_start,
        term_end=term_end,
        appointment_ref=appointment_ref,
    )
    if appointment_file is not None:
        attach_file(membership, appointment_file, field="appointment_file")
    membership.full_clean(exclude=["file"])
    membership.save()
    quarantine_record(membership, actor, committee_id=committee.pk)
    audit.record(
        actor=actor,
        action="membership.add",
        target=membership,
        after={"user": user.pk, **_snapshot(membership, MEMBERSHIP_FIELDS)},
    )
    _term_deadline(membership, actor)
    _registered_content_changed(committee, actor, "roster")
    kernel.notify(
        recipients=[user],
        title=_("You were appointed to %(committee)s"),
        body=_("Role: %(role)s. Term: %(start)s to %(end)s."),
        params={
            "committee": committee.name,
            "role": Role(membership.role).label,
            "start": term_start.isoformat(),
            "end": term_end.isoformat(),
        },
        url=_committee_url(committee),
        cause="membership.add",
    )
    return membership


@transaction.atomic
def membership_update(*, membership_id: int, actor: User, data: dict[str, Any]) -> Membership:
    """Change an appointment (role, categories, term); a new term end moves its clock."""
    committee_id = Membership.objects.values_list("committee_id", flat=True).get(pk=membership_id)
    committee = _lock_committee(committee_id)
    membership = Membership.objects.select_related("user").get(pk=membership_id)
    membership.committee = committee
    require(actor, "manage", membership)
    if membership.ended_on is not None:
        raise Conflict("membership_ended", _("This membership has ended and is kept as history."))
    changed = [k for k in data if k in MEMBERSHIP_FIELDS and data[k] != getattr(membership, k)]
    if not changed:
        return membership
    before = _snapshot(membership, changed)
    for key in changed:
        setattr(membership, key, data[key])
    _check_term(committee, membership.term_start, membership.term_end)
    membership.full_clean(exclude=["file"])
    membership.save()
    audit.record(
        actor=actor,
        action="membership.update",
        target=membership,
        before=before,
        after=_snapshot(membership, changed),
    )
    if "term_end" in changed:
        kernel.deadline_close(
            kind=clocks.MEMBER_TERM, subject=membership, actor=actor, reason="term changed"
        )
        _term_deadline(membership, actor)
    _registered_content_changed(committee, actor, "roster")
    return membership


@transaction.atomic
def membership_end(
    *, membership_id: int, actor: User, ended_on: date, reason: str = ""
) -> Membership:
    """End an appointment; the row stays as history with its last day in office."""
    committee_id = Membership.objects.values_list("committee_id", flat=True).get(pk=membership_id)
    committee = _lock_committee(committee_id)
    membership = Membership.objects.select_related("user").get(pk=membership_id)
    membership.committee = committee
    require(actor, "manage", membership)
    if membership.ended_on is not None:
        raise Conflict("membership_ended", _("This membership has already ended."))
    if ended_on < membership.term_start:
        raise invalid("ended_on", _("A membership cannot end before its term starts."), "invalid")
    membership.ended_on = min(ended_on, membership.term_end)
    membership.end_reason = reason[:300]
    membership.save(update_fields=["ended_on", "end_reason"])
    audit.record(
        actor=actor,
        action="membership.end",
        target=membership,
        before={"ended_on": None},
        after={"ended_on": membership.ended_on},
        reason=reason,
    )
    kernel.deadline_close(
        kind=clocks.MEMBER_TERM,
        subject=membership,
        state=DeadlineState.MET,
        actor=actor,
        reason="membership ended",
    )
    _registered_content_changed(committee, actor, "roster")
    kernel.notify(
        recipients=[membership.user],
        title=_("Your membership of %(committee)s ends on %(date)s"),
        params={"committee": committee.name, "date": membership.ended_on.isoformat()},
        url=_committee_url(committee),
        cause="membership.end",
    )
    return membership


# --- documents, pledges, training -------------------------------------------------------------


@transaction.atomic
def document_upload(
    *,
    committee_id: int,
    actor: User,
    kind: str,
    upload: UploadedFile,
    title: str = "",
    effective_on: date | None = None,
) -> CommitteeDocument:
    """Add a new version of a charter or SOP document (R3, R21, R47); earlier versions stay."""
    committee = _lock_committee(committee_id)
    require(actor, "manage", committee)
    if kind not in DocumentKind.values:
        raise invalid("kind", _("Unknown document kind."), "invalid_choice")
    latest = CommitteeDocument.objects.filter(committee=committee, kind=kind).aggregate(
        v=Max("version")
    )["v"]
    document = CommitteeDocument(
        committee=committee,
        kind=kind,
        version=(latest or 0) + 1,
        title=title,
        effective_on=effective_on,
        uploaded_by=actor,
    )
    attach_file(document, upload)
    document.save()
    quarantine_record(document, actor, committee_id=committee.pk)
    audit.record(
        actor=actor,
        action="committee.document_upload",
        target=document,
        after={"kind": kind, "version": document.version, "sha256": document.sha256},
    )
    _retain_superseded(committee, kind, document, actor)
    if kind != DocumentKind.OTHER:
        _registered_content_changed(committee, actor, f"document {kind}")
    return document


def _retain_superseded(
    committee: Committee, kind: str, current: CommitteeDocument, actor: User
) -> None:
    """R61: the versions a new upload supersedes are closed records: each gets its retention
    date (the rule set's years from today), audited; none is deleted."""
    years = selectors.committee_rules(committee).retention_years.value
    until = add_months(timezone.localdate(), 12 * years)
    superseded = CommitteeDocument.objects.filter(
        committee=committee, kind=kind, retain_until=None
    ).exclude(pk=current.pk)
    for old in superseded:
        old.retain_until = until
        old.save(update_fields=["retain_until"])
        audit.record(
            actor=actor,
            action="committee.document_superseded",
            target=old,
            after={"retain_until": until, "superseded_by": current.version, "rule": "R61"},
        )


def _membership_for_change(membership_id: int, actor: User) -> Membership:
    membership = Membership.objects.select_related("committee", "user").get(pk=membership_id)
    require(actor, "manage", membership)
    return membership


def _save_member_record(
    record: StoredFile,
    upload: UploadedFile | None,
    actor: User,
    action: str,
    after: dict[str, Any],
) -> None:
    """Attach the signed file if any, validate, save and audit a pledge or training record."""
    if upload is not None:
        attach_file(record, upload)
    record.full_clean(exclude=["file"])
    record.save()
    audit.record(actor=actor, action=action, target=record, after=after)
    quarantine_record(record, actor, committee_id=file_committee_id(record))


@transaction.atomic
def pledge_record(
    *,
    membership_id: int,
    actor: User,
    kind: str,
    signed_on: date,
    valid_until: date | None = None,
    note: str = "",
    upload: UploadedFile | None = None,
) -> Pledge:
    """Record a signed confidentiality pledge or standing COI declaration (R8, N14)."""
    membership = _membership_for_change(membership_id, actor)
    if kind not in PledgeKind.values:
        raise invalid("kind", _("Unknown pledge kind."), "invalid_choice")
    pledge = Pledge(
        membership=membership, kind=kind, signed_on=signed_on, valid_until=valid_until, note=note
    )
    _save_member_record(
        pledge,
        upload,
        actor,
        "membership.pledge",
        {"membership": membership.pk, "kind": kind, "signed_on": signed_on},
    )
    return pledge


@transaction.atomic
def training_record(
    *,
    membership_id: int,
    actor: User,
    title: str,
    completed_on: date,
    provider: str = "",
    hours: Any = None,
    upload: UploadedFile | None = None,
) -> Training:
    """Record a training a member attended (R10a)."""
    membership = _membership_for_change(membership_id, actor)
    training = Training(
        membership=membership,
        title=title,
        completed_on=completed_on,
        provider=provider,
        hours=hours,
    )
    _save_member_record(
        training,
        upload,
        actor,
        "membership.training",
        {"membership": membership.pk, "title": title, "completed_on": completed_on},
    )
    return training


# --- entrustments (R17) -----------------------------------------------------------------------


@transaction.atomic
def entrustment_create(
    *,
    actor: User,
    entrusting_institution: Institution,
    receiving_committee_id: int,
    scope: str,
    starts_on: date,
    agreement: UploadedFile,
    ends_on: date | None = None,
) -> Entrustment:
    """Record a written entrustment of review to a committee (R17, N13)."""
    committee = _lock_committee(receiving_committee_id)
    if not (
        policies.may(actor, "manage", committee)
        or policies.may(actor, "entrust", entrusting_institution)
    ):
        raise PermissionDenied
    if entrusting_institution.pk == committee.institution_id:
        raise invalid(
            "entrusting_institution",
            _("A committee reviews its own institution's projects without an entrustment."),
            "own_institution",
        )
    entrustment = Entrustment(
        entrusting_institution=entrusting_institution,
        receiving_committee=committee,
        scope=scope,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    attach_file(entrustment, agreement, field="agreement")
    entrustment.full_clean(exclude=["file"])
    entrustment.save()
    quarantine_record(entrustment, actor, committee_id=committee.pk)
    audit.record(
        actor=actor,
        action="entrustment.create",
        target=entrustment,
        after={
            "entrusting_institution": entrusting_institution.pk,
            "receiving_committee": committee.pk,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "sha256": entrustment.sha256,
        },
    )
    return entrustment


@transaction.atomic
def entrustment_end(
    *, entrustment_id: int, actor: User, ended_on: date, reason: str = ""
) -> Entrustment:
    """End an entrustment early; the row stays, and reviews after that date are no longer covered."""
    entrustment = (
        Entrustment.objects.select_for_update()
        .select_related("receiving_committee")
        .get(pk=entrustment_id)
    )
    require(actor, "manage", entrustment)
    if entrustment.ended_on is not None:
        raise Conflict("entrustment_ended", _("This entrustment has already ended."))
    entrustment.ended_on = max(ended_on, entrustment.starts_on)
    entrustment.save(update_fields=["ended_on"])
    audit.record(
        actor=actor,
        action="entrustment.end",
        target=entrustment,
        before={"ended_on": None},
        after={"ended_on": entrustment.ended_on},
        reason=reason,
    )
    return entrustment


# --- SOP values of the rules (B2, R33, R61) ----------------------------------------------------


@transaction.atomic
def rule_override_set(
    *, committee_id: int, name: str, value: int | None, reason: str, actor: User
) -> Committee:
    """Set (or, with ``value=None``, remove) the committee's SOP value of one parameter.

    Only where the texts leave the value to the committee (``regulations.OVERRIDABLE``) and within
    the legal bounds: the emergency time limit at most 72 hours (R48 / N5, BJ 三（二）), at
    least two simplified-procedure reviewers (R33 / N9), records kept at least the minimum
    (R61). Anything else is refused with the rule ID (409). Audited; the clocks read the
    committee's effective rule set from the next clock they open.
    """
    committee = Committee.objects.select_for_update().get(pk=committee_id)
    require(actor, "manage", committee)
    defaults = regulations.combined(committee.regime_codes)
    if name not in regulations.PARAM_NAMES:
        raise invalid("name", _("Unknown rule parameter."), "invalid_choice")
    if value is not None:
        problems = regulations.override_problems(defaults, name, value)
        if problems:
            raise Conflict(
                problems[0].code,
                problems[0].message,
                rule=problems[0].rule,
                problems=[p.as_dict() for p in problems],
            )
    elif name not in regulations.OVERRIDABLE:
        raise Conflict(
            "not_overridable",
            _("The texts do not leave this parameter to the committee."),
            rule=getattr(defaults, name).rule,
        )
    current = dict(committee.rule_overrides) if isinstance(committee.rule_overrides, dict) else {}
    before = current.get(name)
    if value is None:
        current.pop(name, None)
    else:
        current[name] = value
    if before == value:
        return committee
    committee.rule_overrides = current
    committee.save(update_fields=["rule_overrides"])
    param = getattr(defaults, name)
    audit.record(
        actor=actor,
        action="committee.rule_override",
        target=committee,
        before={name: before},
        after={name: value, "default": param.value, "rule": param.rule},
        reason=reason,
    )
    return committee


# --- directory import ------------------------------------------------------------------------


def may_import(actor: User, kind: str, committee: Committee | None) -> bool:
    """Institutions: site administrators; accounts: site and institution administrators;
    members: whoever manages the committee."""
    from committees.models import ImportKind

    if not getattr(actor, "is_authenticated", False):
        return False
    if kind == ImportKind.INSTITUTIONS:
        return bool(actor.is_superuser)
    if kind == ImportKind.USERS:
        return bool(actor.is_superuser or (actor.institution_admin and actor.institution_id))
    return committee is not None and policies.may(actor, "manage", committee)


def import_check(
    *, actor: User, kind: str, committee: Committee | None, name: str, content: bytes
) -> Any:
    """Keep an uploaded directory sheet and check it (a dry run): the report says, row by row,
    what applying it would create, change or refuse, and why. Changes nothing else."""
    from committees import directory
    from committees.models import ImportBatch, ImportKind

    if kind == ImportKind.MEMBERS and committee is None:
        raise invalid("committee", _("Choose the committee whose members you import."), "required")
    if not may_import(actor, kind, committee):
        raise PermissionDenied
    try:
        rows = directory.read_sheet(kind, name, content)
    except directory.SheetError as exc:
        raise invalid("file", exc.messages[0], exc.code or "invalid") from None
    results = directory.run(kind=kind, rows=rows, actor=actor, committee=committee, commit=False)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=kind,
            committee=committee if kind == ImportKind.MEMBERS else None,
            created_by=actor,
            file_name=name[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            report=[r.as_dict() for r in results],
            checked_at=timezone.now(),
        )
        audit.record(
            actor=actor,
            action="directory.check",
            target=batch,
            after={"kind": kind, "sha256": batch.sha256, **directory.summary(results)},
        )
    return batch


def import_apply(*, batch_id: int, actor: User) -> Any:
    """Apply a checked sheet: every row or none. Rows are checked again against the records as
    they are now; if any row fails, nothing changes and the refreshed report says why (409)."""
    from committees import directory
    from committees.models import ImportBatch

    with transaction.atomic():
        # `of=self`: PostgreSQL locks no row of the nullable side of the committee's outer join.
        batch = (
            ImportBatch.objects.select_for_update(of=("self",))
            .select_related("committee")
            .get(pk=batch_id)
        )
        if batch.created_by_id != actor.pk and not actor.is_superuser:
            raise Http404
        if not may_import(actor, batch.kind, batch.committee):
            raise PermissionDenied
        if batch.applied_at is not None:
            raise Conflict("import_applied", _("This sheet has already been applied."))
        rows = directory.read_sheet(batch.kind, batch.file_name, bytes(batch.content))
        results = directory.run(
            kind=batch.kind, rows=rows, actor=actor, committee=batch.committee, commit=True
        )
        batch.report = [r.as_dict() for r in results]
        batch.checked_at = timezone.now()
        failed = [r for r in results if r.outcome == "error"]
        if not failed:
            batch.applied_at = batch.checked_at
        batch.save(update_fields=["report", "checked_at", "applied_at"])
        if not failed:
            audit.record(
                actor=actor,
                action="directory.apply",
                target=batch,
                after={"kind": batch.kind, "sha256": batch.sha256, **directory.summary(results)},
            )
    if failed:
        raise Conflict(
            "import_has_errors",
            _(
                "Nothing was imported: %(count)s row(s) have problems; correct the sheet and upload it again."
            )
            % {"count": len(failed)},
            problems=[
                {"row": str(r.row), "key": r.key, "message": "；".join(r.errors)} for r in failed
            ],
        )
    return batch
