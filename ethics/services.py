"""Kernel services: deadlines, reminders, notifications and accounts, and the small helpers
every app's services share (permission check, field error, text in the site language)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ethics import audit, hooks, policies
from ethics.deadlines import SHANGHAI
from ethics.models import (
    ACTIVE_DEADLINE_STATES,
    Deadline,
    DeadlineState,
    Holiday,
    HolidayKind,
    Notification,
    Reminder,
    User,
)
from ethics.reminders import current_stage

logger = logging.getLogger(__name__)


# --- shared by every app's services --------------------------------------------------------


def require(actor: User, action: str, obj: models.Model) -> None:
    """Raise PermissionDenied unless the policy of `obj`'s model lets `actor` take `action`."""
    if not policies.may(actor, action, obj):
        raise PermissionDenied


def invalid(field: str, message: Any, code: str) -> ValidationError:
    """A validation error on one field, with its code (400 with per-field codes in the API)."""
    return ValidationError({field: ValidationError(message, code=code)})


def site_text(text: Any, **params: Any) -> str:
    """`text` rendered in the site language: titles stored once for everyone (clocks, filings)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % params if params else str(text)


# --- notifications -------------------------------------------------------------------------


def _in_language(user: User, text: str | Promise, params: dict[str, Any] | None) -> str:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        rendered = str(text)
        return rendered % params if params else rendered


def notification_create(
    *,
    recipient: User,
    title: str | Promise,
    body: str | Promise = "",
    params: dict[str, Any] | None = None,
    url: str = "",
    cause: str = "",
) -> Notification:
    """Put a message in the recipient's inbox, written in the recipient's language."""
    return Notification.objects.create(
        recipient=recipient,
        title=_in_language(recipient, title, params)[:300],
        body=_in_language(recipient, body, params) if body else "",
        url=url,
        cause=cause,
    )


def notify(
    *,
    recipients: list[User],
    title: str | Promise,
    body: str | Promise = "",
    params: dict[str, Any] | None = None,
    url: str = "",
    cause: str = "",
    email: bool = True,
) -> None:
    """In-app message for each recipient, and an e-mail sent after the transaction commits."""
    seen: set[int] = set()
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        note = notification_create(
            recipient=user, title=title, body=body, params=params, url=url, cause=cause
        )
        if email and user.email:
            transaction.on_commit(partial(_email_notification, note.pk))


def _email_notification(notification_id: int) -> None:
    note = Notification.objects.select_related("recipient").get(pk=notification_id)
    # The message itself is the title when no longer body was written.
    _send_mail(note.recipient, note.title, note.body or note.title, note.url, note.cause)


def reminder_message_id(reminder: Reminder) -> str:
    """The one Message-ID of a reminder, the same on every attempt (deduplication key)."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<reminder-{reminder.pk}.{reminder.deadline_id}@{domain}>"


def _send_mail(
    user: User, subject: str, body: str, url: str, cause: str, *, message_id: str | None = None
) -> None:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        text = render_to_string(
            "emails/notification.txt",
            {"user": user, "body": body, "url": url, "cause": cause, "site": settings.SITE_URL},
        )
    headers = {"Message-ID": message_id} if message_id else None
    EmailMessage(subject=subject, body=text, to=[user.email], headers=headers).send()


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of `user` as read; returns how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at=None)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


# --- deadlines -----------------------------------------------------------------------------


@transaction.atomic
def deadline_open(
    *,
    kind: str,
    subject: models.Model,
    due_at: datetime,
    title: str,
    rule: str = "",
    committee_id: int | None = None,
    actor: User | None = None,
) -> Deadline:
    """Open the clock `kind` on `subject`; an already active one of that kind is returned as is."""
    existing = Deadline.objects.select_for_update().of(subject).active().filter(kind=kind).first()
    if existing is not None:
        return existing
    deadline = Deadline.objects.create(
        kind=kind,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        committee_id=committee_id,
        title=title[:300],
        rule=rule,
        due_at=due_at,
        note=calendar_note(due_at),
    )
    audit.record(
        actor=actor,
        action="deadline.open",
        target=deadline,
        after={"kind": kind, "due_at": due_at, "rule": rule},
    )
    hooks.deadline_opened(deadline)
    return deadline


def calendar_note(due_at: datetime, years: frozenset[int] | None = None) -> str:
    """Say so when the last day falls in a year whose official holiday calendar is not loaded.

    ``due_at`` is the exclusive end (24:00 of the last day is the next day's 00:00), so the year
    is the last day's: a period ending on 31 December is not a year without data. ``years``
    are the years with data when the caller has them (``ethics.selectors.calendar_years``).
    """
    year = last_day_year(due_at)
    if years is not None:
        if year in years:
            return ""
    elif Holiday.objects.filter(date__year=year).exists():
        return ""
    return str(
        _("The holiday calendar for %(year)s is not loaded yet: only weekends were counted.")
        % {"year": year}
    )


def last_day_year(due_at: datetime) -> int:
    return (timezone.localtime(due_at) - timedelta(microseconds=1)).year


@transaction.atomic
def deadline_close(
    *,
    kind: str,
    subject: models.Model,
    state: str = DeadlineState.MET,
    actor: User | None = None,
    reason: str = "",
) -> int:
    """Mark the active `kind` clock of `subject` met (or waived); reminders stop. Returns count."""
    now = timezone.now()
    closed = 0
    for deadline in Deadline.objects.select_for_update().of(subject).active().filter(kind=kind):
        before = deadline.state
        deadline.state = state
        deadline.met_at = now
        deadline.save(update_fields=["state", "met_at"])
        audit.record(
            actor=actor,
            action=f"deadline.{state}",
            target=deadline,
            before={"state": before},
            after={"state": state},
            reason=reason,
        )
        hooks.deadline_closed(deadline)
        closed += 1
    return closed


@transaction.atomic
def deadline_extend(
    *, deadline_id: int, due_at: datetime, reason: str, actor: User | None
) -> Deadline:
    """Move an active deadline to a new due time; the reason is required and audited (R25)."""
    if not reason.strip():
        raise ValueError("an extension needs a reason")
    deadline = Deadline.objects.select_for_update().get(pk=deadline_id)
    if not deadline.is_active:
        raise ValueError("only an active deadline can be extended")
    before = {"due_at": deadline.due_at, "state": deadline.state}
    deadline.due_at = due_at
    deadline.state = DeadlineState.OPEN if due_at > timezone.now() else DeadlineState.OVERDUE
    deadline.save(update_fields=["due_at", "state"])
    audit.record(
        actor=actor,
        action="deadline.extend",
        target=deadline,
        before=before,
        after={"due_at": due_at, "state": deadline.state},
        reason=reason,
    )
    return deadline


# --- the reminder scan ---------------------------------------------------------------------


def scan_candidates(now: datetime) -> models.QuerySet[Deadline]:
    """The scan's claim query: active deadlines within the longest reminder lead, by due time.

    Only the columns the stage and the recipient resolvers need, over the partial index
    `deadline_active_due_idx`; scripts/bench_deadline_scan.py measures exactly this queryset.
    """
    return (
        Deadline.objects.active()
        .filter(due_at__lte=now + hooks.longest_reminder_lead())
        .only("id", "kind", "due_at", "state", "committee_id", "subject_type_id", "subject_id")
        .order_by("due_at")
    )


@dataclass(frozen=True)
class ScanResult:
    marked_overdue: int
    reminders_created: int
    to_send: list[int]


def deadlines_scan(*, now: datetime | None = None) -> ScanResult:
    """One beat pass: mark late clocks overdue, create due reminders once, list unsent ones.

    Safe in several processes at once: reminder rows have a unique (deadline, stage, recipient)
    key and are inserted with ignore_conflicts, so a repeated or concurrent scan adds nothing.
    """
    now = now or timezone.now()
    overdue = Deadline.objects.filter(state=DeadlineState.OPEN, due_at__lte=now).update(
        state=DeadlineState.OVERDUE
    )
    created = 0
    for deadline in scan_candidates(now).iterator(chunk_size=500):
        stage = current_stage(deadline.due_at, now, hooks.deadline_stages(deadline.kind))
        if stage is None:
            continue
        recipients = hooks.deadline_recipients(deadline)
        rows = [
            Reminder(deadline=deadline, stage=stage.key, recipient=user, escalation=False)
            for user in recipients.responsible
        ]
        if stage.overdue:
            rows += [
                Reminder(deadline=deadline, stage=stage.key, recipient=user, escalation=True)
                for user in recipients.escalation
            ]
        unique = {(r.recipient_id): r for r in rows}
        if unique:
            before = Reminder.objects.filter(deadline=deadline, stage=stage.key).count()
            Reminder.objects.bulk_create(list(unique.values()), ignore_conflicts=True)
            created += Reminder.objects.filter(deadline=deadline, stage=stage.key).count() - before
    to_send = list(
        Reminder.objects.filter(sent_at=None, deadline__state__in=ACTIVE_DEADLINE_STATES)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        .values_list("pk", flat=True)[:5000]
    )
    return ScanResult(marked_overdue=overdue, reminders_created=created, to_send=to_send)


def reminder_send(*, reminder_id: int, now: datetime | None = None) -> bool:
    """Send one reminder unless another worker has it; returns True when this call sent it.

    The claim is a lease: a worker killed mid-send leaves `claimed_until` in the past after the
    lease, and the next scan hands the reminder out again, so nothing is lost. Success records
    `sent_at` and the inbox entry in one transaction, so the inbox entry exists exactly once.

    E-mail cannot be taken back: if a worker dies after the mail server accepted the message but
    before `sent_at` was committed, the retry sends it again. Every attempt therefore carries the
    same Message-ID (the reminder's own), so mail systems and clients treat the copies as one
    message; `sending_at` records that an attempt reached the mail server. A deadline that was
    met or waived in the meantime is not sent at all.
    """
    now = now or timezone.now()
    lease = now + timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    if not Reminder.objects.filter(
        pk=reminder_id, deadline__state__in=ACTIVE_DEADLINE_STATES
    ).exists():
        return False
    # The claim filters on the reminder's own columns only: PostgreSQL re-checks those against
    # the newest row version when two workers race, which a condition through a join (an
    # "id IN (subquery)" update) would not, and both would win the claim.
    claimed = (
        Reminder.objects.filter(pk=reminder_id, sent_at=None)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        .update(claimed_until=lease, attempts=models.F("attempts") + 1)
    )
    if not claimed:
        return False
    reminder = Reminder.objects.select_related("deadline", "recipient").get(pk=reminder_id)
    deadline, user = reminder.deadline, reminder.recipient
    try:
        title, body = _reminder_text(reminder)
        url = hooks.deadline_url(deadline)
        cause = _("Deadline %(kind)s (%(rule)s)")
        cause_text = _in_language(
            user, cause, {"kind": deadline.get_kind_display(), "rule": deadline.rule or "-"}
        )
        if user.email:
            Reminder.objects.filter(pk=reminder_id).update(sending_at=timezone.now())
            _send_mail(user, title, body, url, cause_text, message_id=reminder_message_id(reminder))
        with transaction.atomic():
            Reminder.objects.filter(pk=reminder_id).update(sent_at=timezone.now())
            Notification.objects.create(
                recipient=user, title=title[:300], body=body, url=url, cause=cause_text
            )
    except Exception:
        Reminder.objects.filter(pk=reminder_id).update(claimed_until=None)
        raise
    return True


def _reminder_text(reminder: Reminder) -> tuple[str, str]:
    deadline, user = reminder.deadline, reminder.recipient
    with translation.override(user.language or settings.LANGUAGE_CODE):
        local_due = timezone.localtime(deadline.due_at) - timedelta(microseconds=1)
        params = {
            "title": deadline.title,
            "kind": deadline.get_kind_display(),
            "due": f"{local_due:%Y-%m-%d}",
        }
        if reminder.escalation:
            title = _("Overdue, escalated: %(kind)s — %(title)s") % params
        elif deadline.state == DeadlineState.OVERDUE:
            title = _("Overdue: %(kind)s — %(title)s") % params
        else:
            title = _("Reminder: %(kind)s — %(title)s is due on %(due)s") % params
        body = render_to_string(
            "emails/reminder.txt", {"deadline": deadline, "params": params, "reminder": reminder}
        )
    return str(title), body


# --- accounts ----------------------------------------------------------------------------------

USER_FIELDS = ("username", "name", "email", "institution", "institution_admin", "language")


@transaction.atomic
def user_create(*, actor: User, data: Mapping[str, Any]) -> User:
    """Open an account: site admins for any institution, institution admins for their own."""
    if not policies.may(actor, "create", User()):
        raise PermissionDenied
    values = {key: value for key, value in data.items() if key in USER_FIELDS}
    if not actor.is_superuser:
        # Institution admins create accounts for their own institution only.
        values.pop("institution", None)
        values["institution_id"] = actor.institution_id
        values["institution_admin"] = False
    user = User(**values)
    password = data.get("password")
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit.record(actor=actor, action="user.create", target=user, after={"username": user.username})
    return user


@transaction.atomic
def user_update(*, user_id: int, actor: User, data: Mapping[str, Any]) -> User:
    """Change an account (its owner, the institution's admins, site admins)."""
    user = User.objects.select_for_update().get(pk=user_id)
    if not policies.may(actor, "change", user):
        raise PermissionDenied
    values = {key: value for key, value in data.items() if key in USER_FIELDS}
    if not actor.is_superuser:
        values.pop("institution", None)
        if not actor.institution_admin or user.pk == actor.pk:
            values.pop("institution_admin", None)
    password = data.get("password")
    before = {key: getattr(user, key) for key in values if key != "institution"}
    for key, value in values.items():
        setattr(user, key, value)
    if password:
        user.set_password(password)
    user.save()
    after = {key: getattr(user, key) for key in before}
    audit.record(
        actor=actor,
        action="user.change",
        target=user,
        before=before,
        after=after | ({"password": "changed"} if password else {}),
    )
    return user


@transaction.atomic
def user_unlock(*, user_id: int, actor: User) -> int:
    """End the login lock on an account (README "Login protection"): superusers for any account,
    institution admins for their institution's; returns how many failure records were cleared.
    Unlocking an account that is not locked is allowed and recorded all the same."""
    from axes.handlers.proxy import AxesProxyHandler

    user = User.objects.select_for_update().get(pk=user_id)
    if not policies.may(actor, "unlock", user):
        raise PermissionDenied
    cleared = int(AxesProxyHandler.reset_attempts(username=user.get_username()))
    audit.record(
        actor=actor,
        action="user.unlock",
        target=user,
        after={"username": user.get_username(), "failure_records_cleared": cleared},
    )
    return cleared


@transaction.atomic
def login_locks_clear(*, usernames: list[str], actor: User) -> int:
    """The Django admin's unlock (superusers, axes' failure records): each username's records
    are cleared and recorded as `user.unlock` (`"via": "admin"`), an account or not."""
    from axes.handlers.proxy import AxesProxyHandler

    if not actor.is_superuser:
        raise PermissionDenied
    total = 0
    for username in sorted(set(usernames)):
        cleared = int(AxesProxyHandler.reset_attempts(username=username))
        total += cleared
        audit.record(
            actor=actor,
            action="user.unlock",
            target=User.objects.filter(username=username).first(),
            after={"username": username, "failure_records_cleared": cleared, "via": "admin"},
        )
    return total


def user_language_set(*, user: User, language: str) -> User:
    """Keep the interface language the person chose as their preference."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def token_for(*, user: User) -> str:
    """The API token of an authenticated account (created on first use)."""
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=user)
    return str(token.key)


# --- the holiday calendar ----------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayImport:
    year: int
    rest_days: int
    makeup_days: int
    moved: list[tuple[int, datetime, datetime]]  # (deadline id, before, after)
    notes_cleared: int


@transaction.atomic
def holiday_year_import(
    *,
    year: int,
    rest_days: list[tuple[date, str]],
    makeup_days: list[tuple[date, str]],
    source: str = "",
    actor: User | None = None,
) -> HolidayImport:
    """Replace one year's official rest days and make-up working days (R25 Civil Code counting).

    Open clocks the new calendar moves are recomputed by their app's counting
    (``hooks.register_deadline_recompute``), audited and their people notified; a clock whose due
    time is not what the old calendar gives (extended with a reason, R25) keeps it. The
    "calendar not loaded" note is cleared on the clocks ending in that year.
    """
    from ethics.selectors import working_calendar

    rest = dict(rest_days)
    makeup = dict(makeup_days)
    if any(day.year != year for day in [*rest, *makeup]) or set(rest) & set(makeup):
        raise ValueError("dates outside the year, or both rest and make-up days")
    # Lock the year's rows (and, through the recompute below, the clocks) for the swap.
    list(Holiday.objects.select_for_update().filter(date__year=year).values_list("pk", flat=True))
    old_calendar = working_calendar()
    before = {
        d.isoformat(): kind
        for d, kind in Holiday.objects.filter(date__year=year).values_list("date", "kind")
    }
    Holiday.objects.filter(date__year=year).delete()
    Holiday.objects.bulk_create(
        [Holiday(date=day, kind=HolidayKind.HOLIDAY, name=name[:100]) for day, name in rest.items()]
        + [
            Holiday(date=day, kind=HolidayKind.MAKEUP, name=name[:100])
            for day, name in makeup.items()
        ]
    )
    new_calendar = working_calendar()
    after = {
        d.isoformat(): kind
        for d, kind in Holiday.objects.filter(date__year=year).values_list("date", "kind")
    }
    audit.record(
        actor=actor,
        action="holiday.import",
        target=None,
        before={"year": year, "days": before},
        after={"year": year, "days": after, "source": source},
        reason=source,
    )
    moved = _recompute_deadlines(year, old_calendar, new_calendar, actor)
    cleared = 0
    for deadline in Deadline.objects.select_for_update().active().exclude(note=""):
        if last_day_year(deadline.due_at) == year:
            deadline.note = calendar_note(deadline.due_at, new_calendar.years)
            deadline.save(update_fields=["note"])
            cleared += 1
    return HolidayImport(year, len(rest), len(makeup), moved, cleared)


def _recompute_deadlines(
    year: int, old_calendar: Any, new_calendar: Any, actor: User | None
) -> list[tuple[int, datetime, datetime]]:
    """Move the open clocks whose due time the new calendar changes (see holiday_year_import)."""
    kinds = hooks.recomputable_kinds()
    if not kinds:
        return []
    # A period rolls forward at most a few weeks past the year's last rest day.
    start = datetime(year, 1, 1, tzinfo=SHANGHAI)
    moved: list[tuple[int, datetime, datetime]] = []
    candidates = (
        Deadline.objects.select_for_update()
        .active()
        .filter(kind__in=kinds, due_at__gte=start, due_at__lt=start.replace(year=year + 2))
        .order_by("pk")
    )
    now = timezone.now()
    for deadline in candidates:
        recompute = hooks.deadline_recompute(deadline.kind)
        if recompute is None:
            continue
        was = recompute.due(deadline, old_calendar)
        if was is None or was != deadline.due_at:
            continue  # not counted from the calendar, or extended with a reason (R25)
        due_at = recompute.due(deadline, new_calendar)
        if due_at is None or due_at == deadline.due_at:
            continue
        before = deadline.due_at
        deadline.due_at = due_at
        deadline.state = DeadlineState.OPEN if due_at > now else DeadlineState.OVERDUE
        deadline.note = calendar_note(due_at, new_calendar.years)
        deadline.save(update_fields=["due_at", "state", "note"])
        audit.record(
            actor=actor,
            action="deadline.recompute",
            target=deadline,
            before={"due_at": before},
            after={"due_at": due_at, "state": deadline.state},
            reason=f"holiday calendar {year}",
        )
        if recompute.moved is not None:
            recompute.moved(deadline)
        hooks.deadline_moved(deadline)
        local = timezone.localtime(due_at) - timedelta(microseconds=1)
        notify(
            recipients=hooks.deadline_recipients(deadline).responsible,
            title=_("The due date of %(title)s moved to %(due)s (holiday calendar %(year)s)"),
            params={"title": deadline.title, "due": f"{local:%Y-%m-%d}", "year": year},
            url=hooks.deadline_url(deadline),
            cause=f"holiday.import ({deadline.rule or 'R25'})",
        )
        moved.append((deadline.pk, before, due_at))
    return moved
