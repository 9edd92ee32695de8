"""Kernel services: deadlines, reminders, notifications and accounts, and the small helpers
every app's services share (permission check, field error, text in the site language)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ethics import audit, channels, hooks, policies
from ethics.action_labels import cause_label
from ethics.deadlines import SHANGHAI, due_display
from ethics.errors import Conflict
from ethics.mail import short_subject
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
from ethics.token_models import PREFIX_LENGTH, ApiToken, hash_key, new_key

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
        if not params:
            return rendered
        # Lazy labels among the parameters (a role, a kind) are read in the recipient's language.
        return rendered % {k: str(v) if isinstance(v, Promise) else v for k, v in params.items()}


# What an export's audit event keeps of the request's query: the filters, not an unbounded string.
_EXPORT_QUERY_KEYS = 20
_EXPORT_VALUE_LENGTH = 200


@transaction.atomic
def export_record(
    *,
    actor: User,
    action: str,
    target: models.Model | None = None,
    query: Mapping[str, Any] | None = None,
    **details: Any,
) -> None:
    """Audit a download of data written for the reader (a list or dashboard export, a summary
    PDF): who, what, in which format and with which filters (design: every download audited;
    stored files are audited by their own services)."""
    filters = {
        str(key)[:_EXPORT_VALUE_LENGTH]: str(value)[:_EXPORT_VALUE_LENGTH]
        for key, value in list((query or {}).items())[:_EXPORT_QUERY_KEYS]
        if value not in ("", None)
    }
    audit.record(actor=actor, action=action, target=target, after={**details, "filters": filters})


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
    ics: str = "",
) -> None:
    """In-app message for each recipient, and an e-mail (one outbox row each, sent after the
    transaction commits) to those who take e-mail now (not the daily digest); `ics` is a
    calendar entry attached to the e-mail (meeting notices)."""
    seen: set[int] = set()
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        note = notification_create(
            recipient=user, title=title, body=body, params=params, url=url, cause=cause
        )
        if email:
            channels.notification_email(note, attachment=ics)


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
            {
                "user": user,
                "body": body,
                "url": url,
                "cause": cause_label(cause),
                "site": settings.SITE_URL,
            },
        )
    headers = {"Message-ID": message_id} if message_id else None
    EmailMessage(subject=short_subject(subject), body=text, to=[user.email], headers=headers).send()


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
    fresh: dict[int, list[str]] = {}
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
            added = Reminder.objects.filter(deadline=deadline, stage=stage.key).count() - before
            created += added
            if added and deadline.committee_id is not None:
                fresh.setdefault(deadline.committee_id, []).append(f"{deadline.pk}/{stage.key}")
    for committee_id, stages in fresh.items():
        _group_reminder_post(committee_id, stages)
    to_send = list(
        Reminder.objects.filter(sent_at=None, deadline__state__in=ACTIVE_DEADLINE_STATES)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        .values_list("pk", flat=True)[:5000]
    )
    return ScanResult(marked_overdue=overdue, reminders_created=created, to_send=to_send)


def _group_reminder_post(committee_id: int, stages: list[str]) -> None:
    """Tell the committee's chat groups that reminders went out: how many, and a link; the
    key is the set of (deadline, stage) pairs, so a repeated scan posts nothing new."""
    digest = hashlib.sha256("|".join(sorted(stages)).encode()).hexdigest()[:24]
    text = site_text(
        _("Ethics committee: %(count)d deadline reminders are due. Please sign in to see them."),
        count=len(stages),
    )
    channels.group_post(
        committee_id=committee_id,
        key=f"reminders:{committee_id}:{digest}",
        text=text,
        url=reverse("ethics:inbox"),
    )


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
        if channels.wants_email_now(user):
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
        params = {
            "title": deadline.title,
            "kind": deadline.get_kind_display(),
            "due": due_display(deadline.due_at),
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
    """Open an account: site admins for any institution, institution admins for their own.

    Nobody sets another person's password: the account starts without a usable one and its
    owner gets a link to choose it (the `password_reset` e-mail) when an address is given.
    """
    if not policies.may(actor, "create", User()):
        raise PermissionDenied
    values = {key: value for key, value in data.items() if key in USER_FIELDS}
    if not actor.is_superuser:
        # Institution admins create accounts for their own institution only.
        values.pop("institution", None)
        values["institution_id"] = actor.institution_id
        values["institution_admin"] = False
    user = User(**values)
    user.set_unusable_password()
    user.save()
    audit.record(actor=actor, action="user.create", target=user, after={"username": user.username})
    if user.email:
        send_password_reset(actor=actor, user=user)
    return user


@transaction.atomic
def user_update(*, user_id: int, actor: User, data: Mapping[str, Any]) -> User:
    """Change an account (its owner, the institution's admins, site admins).

    The owner changes only their e-mail address and language; the username, display name and
    rights are set by whoever administers the account (UserForm refuses the rest with field
    codes; this is the service's own guard). Passwords change through `password_change` only.
    """
    user = User.objects.select_for_update().get(pk=user_id)
    if not policies.may(actor, "change", user):
        raise PermissionDenied
    values = {key: value for key, value in data.items() if key in USER_FIELDS}
    if not policies.administers(actor, user):
        for key in ("username", "name", "institution", "institution_admin"):
            values.pop(key, None)
    if not actor.is_superuser:
        values.pop("institution", None)
    before = {key: getattr(user, key) for key in values if key != "institution"}
    for key, value in values.items():
        setattr(user, key, value)
    user.save()
    after = {key: getattr(user, key) for key in before}
    audit.record(actor=actor, action="user.change", target=user, before=before, after=after)
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


@transaction.atomic
def password_change(*, user: User, password: str, reason: str = "user.password_change") -> int:
    """Set `user`'s own new password (already validated against the user's attributes by the
    form) and revoke every API token they hold; returns how many tokens were revoked.

    Django's session auth hash ends the person's other browser sessions by itself; the caller
    keeps the current one with update_session_auth_hash.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    revoked = tokens_revoke_all(user=user)
    audit.record(actor=user, action=reason, target=user, after={"tokens_revoked": revoked})
    return revoked


def send_password_reset(*, actor: User | None, user: User) -> None:
    """E-mail `user` a link to choose a new password (Django's PasswordResetForm mail and
    default_token_generator), audited as `user.password_reset_sent`."""
    from urllib.parse import urlsplit

    from django.contrib.auth.forms import PasswordResetForm
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    site = urlsplit(settings.SITE_URL)
    context = {
        "email": user.email,
        "domain": site.netloc,
        "site_name": site.netloc,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": site.scheme or "https",
    }
    language = user.language or settings.LANGUAGE_CODE

    def send() -> None:
        with translation.override(language):
            PasswordResetForm().send_mail(
                "registration/password_reset_subject.txt",
                "registration/password_reset_email.txt",
                context,
                None,
                user.email,
            )

    # Only once the account (or the change that asked for the link) is committed: a refused
    # or rolled-back creation, e.g. a directory import's dry run, sends nothing.
    transaction.on_commit(send)
    audit.record(
        actor=actor,
        action="user.password_reset_sent",
        target=user,
        after={"email": user.email},
    )


@transaction.atomic
def user_password_reset(*, actor: User, user_id: int) -> User:
    """An administrator's way to help with a password: a reset link to the owner, never a
    password the administrator knows."""
    user = User.objects.select_for_update().get(pk=user_id)
    if not policies.administers(actor, user):
        raise PermissionDenied
    if not user.email:
        raise Conflict(
            "no_email",
            _("The account has no e-mail address to send the reset link to."),
        )
    send_password_reset(actor=actor, user=user)
    return user


def password_reset_requested(*, user: User) -> None:
    """The reset page sent `user` a link (the page's own request, no actor)."""
    with transaction.atomic():
        audit.record(
            actor=None, action="user.password_reset_sent", target=user, after={"email": user.email}
        )


# --- API tokens --------------------------------------------------------------------------------


@transaction.atomic
def token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for an authenticated account: the row and its secret (shown only now)."""
    key = new_key()
    token = ApiToken.objects.create(
        user=user, name=name or "api", prefix=key[:PREFIX_LENGTH], key_hash=hash_key(key)
    )
    audit.record(
        actor=user,
        action="token.issue",
        target=token,
        after={"name": token.name, "prefix": token.prefix},
    )
    return token, key


def token_for(*, user: User) -> str:
    """A new API token's secret (kept for callers of the old single-token API)."""
    return token_issue(user=user)[1]


@transaction.atomic
def token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of `actor`'s own tokens; anyone else's reads as missing (404)."""
    token = (
        ApiToken.objects.select_for_update()
        .filter(pk=token_id, user=actor, revoked_at=None)
        .first()
    )
    if token is None:
        raise Http404
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="token.revoke", target=token, after={"name": token.name})
    return token


def tokens_revoke_all(*, user: User) -> int:
    """Revoke every live token of `user` (a password change); audited by the caller."""
    return ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())


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
