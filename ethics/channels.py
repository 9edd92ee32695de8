"""Delivery of notifications beyond the inbox: e-mail, the daily digest and committee group
robots (企业微信, 钉钉, 飞书); the person's channel choices and private calendar feed token.

Every message is one `Delivery` row per (event, channel) (unique), created in the transaction of
the change that causes it. After commit, e-mail gets a first attempt in the same process (as the
inbox e-mail always had) and group posts go to the `ethics.deliver` Celery task; a row that is
not sent stays pending and the minute sweep (`ethics.sweep_deliveries`) hands it out again. A
sender claims the row with a conditional update on its own columns, so two workers never both
send it; a worker killed between claim and send leaves a lease that runs out, and the row is sent
once more. HTTP errors and 5xx answers are retried with backoff; a bad URL or an error answer from
the vendor is recorded on the row and on the webhook for the secretary, and the row is marked
failed after `DELIVERY_MAX_ATTEMPTS`.

Group robots reach everyone in a chat group: they are only ever sent short texts naming how many
items wait or that a meeting was called, with a link; never a vote, a count, a name of a case or
anything of a conflicted item.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.mime.base import MIMEBase
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ethics import audit
from ethics.action_labels import cause_label
from ethics.channel_models import (
    CalendarFeed,
    ChannelPreference,
    Delivery,
    DeliveryState,
    GroupWebhook,
    Vendor,
)
from ethics.mail import short_subject
from ethics.models import Notification, User

logger = logging.getLogger(__name__)

EMAIL = "email"
WEBHOOK_TIMEOUT_SECONDS = 10


class DeliveryError(Exception):
    """A send that failed; `retry` says whether trying again may help (HTTP 5xx, no answer)."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


# --- a person's channels -----------------------------------------------------------------------


def preferences(user: User) -> ChannelPreference:
    """The person's channels (the defaults, unsaved, when they never chose)."""
    try:
        return user.channel_preference
    except ChannelPreference.DoesNotExist:
        return ChannelPreference(user=user)


@transaction.atomic
def preferences_set(*, user: User, email: bool, digest: bool) -> ChannelPreference:
    before = preferences(user)
    old = {"email": before.email, "digest": before.digest}
    prefs, _created = ChannelPreference.objects.update_or_create(
        user=user, defaults={"email": email, "digest": digest}
    )
    user.channel_preference = prefs
    audit.record(
        actor=user,
        action="user.channels",
        target=user,
        before=old,
        after={"email": email, "digest": digest},
    )
    return prefs


def wants_email_now(user: User) -> bool:
    """E-mail each message now: an address, e-mail on, and no daily digest instead."""
    prefs = preferences(user)
    return bool(user.email) and prefs.email and not prefs.digest


# --- the private calendar feed ----------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_issue(*, user: User) -> str:
    """A new secret feed token for `user` (the old URL stops working); returned once."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_hash": _token_hash(token), "created_at": timezone.now()}
    )
    audit.record(actor=user, action="user.calendar_feed_issue", target=user)
    return token


@transaction.atomic
def feed_revoke(*, user: User) -> int:
    deleted, _rows = CalendarFeed.objects.filter(user=user).delete()
    if deleted:
        audit.record(actor=user, action="user.calendar_feed_revoke", target=user)
    return deleted


def feed_user(token: str) -> User | None:
    """The active person whose feed `token` is, or None (the caller answers 404)."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=_token_hash(token), user__is_active=True)
        .first()
    )
    return feed.user if feed else None


def feed_url(token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/calendar/{token}.ics"


# --- group robots: configuration --------------------------------------------------------------


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_url_problem(url: str) -> str | None:
    """Why `url` is no usable webhook address, or None. HTTPS only; plain HTTP to the machine
    itself only when WEBHOOK_ALLOW_LOOPBACK_HTTP is on (DEBUG and the tests' local sink)."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return str(_("This is not a valid web address."))
    if not host or parts.username or parts.password:
        return str(_("This is not a valid web address."))
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and _loopback(host) and settings.WEBHOOK_ALLOW_LOOPBACK_HTTP:
        return None
    return str(_("The webhook address must start with https://."))


@transaction.atomic
def webhook_save(
    *,
    actor: User,
    committee_id: int,
    vendor: str,
    url: str,
    secret: str | None,
    name: str = "",
    active: bool = True,
    webhook_id: int | None = None,
) -> GroupWebhook:
    """Add or change a committee's group robot (the caller checked the actor may manage the
    committee's robots). `secret=None` keeps the stored one; "" clears it."""
    from ethics.services import invalid

    if vendor not in Vendor.values:
        raise invalid("vendor", _("Choose WeCom, DingTalk or Feishu."), "invalid_choice")
    problem = webhook_url_problem(url)
    if problem:
        raise invalid("url", problem, "invalid")
    if webhook_id is None:
        hook = GroupWebhook(committee_id=committee_id, created_by=actor)
        before: dict[str, Any] = {}
    else:
        hook = GroupWebhook.objects.select_for_update().get(
            pk=webhook_id, committee_id=committee_id
        )
        before = {"vendor": hook.vendor, "name": hook.name, "active": hook.active}
    hook.vendor, hook.url, hook.name, hook.active = vendor, url.strip(), name.strip(), active
    if secret is not None:
        hook.secret = secret.strip()
    hook.save()
    audit.record(
        actor=actor,
        action="committee.webhook_save",
        target=hook,
        before=before,
        # Neither the address nor the secret goes into the audit trail: both are credentials.
        after={"vendor": vendor, "name": hook.name, "active": active, "committee": committee_id},
    )
    return hook


@transaction.atomic
def webhook_delete(*, actor: User, webhook: GroupWebhook) -> None:
    audit.record(
        actor=actor,
        action="committee.webhook_delete",
        target=webhook,
        before={"vendor": webhook.vendor, "name": webhook.name},
    )
    webhook.delete()


# --- creating deliveries ---------------------------------------------------------------------


def _enqueue(delivery_id: int, *, inline: bool) -> None:
    if inline:
        try:
            deliver(delivery_id=delivery_id)
        except Exception:
            logger.warning("delivery %s not sent yet; the sweep retries it", delivery_id)
        return
    from ethics import tasks

    try:
        tasks.deliver_task.apply_async(args=[delivery_id], retry=False)
    except Exception:
        logger.warning("delivery %s not queued; the sweep queues it", delivery_id, exc_info=True)


def email_create(
    *,
    key: str,
    user: User,
    subject: str,
    text: str,
    url: str = "",
    attachment: str = "",
) -> Delivery | None:
    """One e-mail to `user` for the event `key` (nothing when it already exists), attempted
    after the transaction commits."""
    delivery, created = Delivery.objects.get_or_create(
        key=key,
        channel=EMAIL,
        defaults={
            "recipient": user,
            "subject": short_subject(subject)[:300],
            "text": text,
            "url": url[:500],
            "attachment": attachment,
        },
    )
    if not created:
        return None
    transaction.on_commit(partial(_enqueue, delivery.pk, inline=settings.EMAIL_SEND_INLINE))
    return delivery


def notification_email(note: Notification, *, attachment: str = "") -> Delivery | None:
    """The e-mail of one inbox message, in the recipient's language, if they take e-mail now."""
    user = note.recipient
    if not wants_email_now(user):
        return None
    with translation.override(user.language or settings.LANGUAGE_CODE):
        text = render_to_string(
            "emails/notification.txt",
            {
                "user": user,
                "body": note.body or note.title,
                "url": note.url,
                "cause": cause_label(note.cause),
                "site": settings.SITE_URL,
            },
        )
    return email_create(
        key=f"notification:{note.pk}",
        user=user,
        subject=note.title,
        text=text,
        url=note.url,
        attachment=attachment,
    )


def group_post(*, committee_id: int | None, key: str, text: str, url: str = "") -> int:
    """Post `text` (short, nothing confidential: it reaches the whole group) with a link to
    every active group robot of the committee, once per robot for the event `key`."""
    if committee_id is None:
        return 0
    link = absolute(url)
    created = 0
    for hook in GroupWebhook.objects.filter(committee_id=committee_id, active=True):
        delivery, new = Delivery.objects.get_or_create(
            key=key,
            channel=f"webhook:{hook.pk}",
            defaults={"webhook": hook, "subject": text[:300], "text": text, "url": link[:500]},
        )
        if new:
            created += 1
            transaction.on_commit(partial(_enqueue, delivery.pk, inline=False))
    return created


def absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return f"{settings.SITE_URL.rstrip('/')}/{url.lstrip('/')}"


# --- sending ---------------------------------------------------------------------------------


def _lease(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)


def claim(delivery_id: int, now: datetime) -> bool:
    """Take the row for one attempt: a conditional update on the row's own columns, which
    PostgreSQL re-checks against the newest row version when two workers race."""
    return bool(
        Delivery.objects.filter(pk=delivery_id, state=DeliveryState.PENDING)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        .update(claimed_until=_lease(now), attempts=models.F("attempts") + 1)
    )


def deliver(*, delivery_id: int, now: datetime | None = None) -> bool:
    """Send one delivery unless another worker has it or it is done; True when this call sent
    it. A retryable failure is recorded, the claim released and the error raised (the task
    retries with backoff); a permanent one marks the row failed."""
    now = now or timezone.now()
    if not claim(delivery_id, now):
        return False
    delivery = Delivery.objects.select_related("recipient", "webhook").get(pk=delivery_id)
    try:
        if delivery.channel == EMAIL:
            _send_email(delivery)
        elif delivery.webhook is not None:
            _send_webhook(delivery.webhook, delivery, now=now)
        else:
            raise DeliveryError("the webhook was removed", retry=False)
    except Exception as exc:
        _failed(delivery, exc)
        raise
    Delivery.objects.filter(pk=delivery_id).update(
        state=DeliveryState.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    if delivery.webhook_id:
        GroupWebhook.objects.filter(pk=delivery.webhook_id).update(last_sent_at=timezone.now())
    return True


def _failed(delivery: Delivery, exc: Exception) -> None:
    message = str(exc)[:1000] or exc.__class__.__name__
    retry = getattr(exc, "retry", True)
    final = not retry or delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS
    Delivery.objects.filter(pk=delivery.pk).update(
        last_error=message,
        claimed_until=None,
        state=DeliveryState.FAILED if final else DeliveryState.PENDING,
    )
    if delivery.webhook_id:
        GroupWebhook.objects.filter(pk=delivery.webhook_id).update(
            last_error=message, last_error_at=timezone.now()
        )
    logger.warning("delivery %s (%s) failed: %s", delivery.pk, delivery.channel, message)


def message_id(delivery: Delivery) -> str:
    """The one Message-ID of a delivery, the same on every attempt (deduplication key)."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<delivery-{delivery.pk}@{domain}>"


def _send_email(delivery: Delivery) -> None:
    user = delivery.recipient
    if user is None or not user.email:
        raise DeliveryError("no e-mail address", retry=False)
    message = EmailMessage(
        subject=delivery.subject,
        body=delivery.text,
        to=[user.email],
        headers={"Message-ID": message_id(delivery)},
    )
    if delivery.attachment:
        method = "CANCEL" if "METHOD:CANCEL" in delivery.attachment else "REQUEST"
        part = MIMEBase("text", "calendar", method=method, charset="utf-8")
        part.set_payload(delivery.attachment.encode(), charset="utf-8")
        part.add_header("Content-Disposition", "attachment", filename="meeting.ics")
        message.attach(part)
    message.send()


# --- the vendors' message formats --------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    url: str
    body: dict[str, Any]


def _markdown(delivery: Delivery) -> str:
    return (
        f"{delivery.text}\n\n[{_link_label()}]({delivery.url})" if delivery.url else delivery.text
    )


def _link_label() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(_("Open"))


def webhook_request(hook: GroupWebhook, delivery: Delivery, *, now: datetime) -> Request:
    """The address and JSON body a vendor's group robot expects, signed when a secret is set."""
    if hook.vendor == Vendor.WECOM:
        return Request(
            hook.url, {"msgtype": "markdown", "markdown": {"content": _markdown(delivery)}}
        )
    if hook.vendor == Vendor.DINGTALK:
        body = {
            "msgtype": "markdown",
            "markdown": {"title": delivery.subject[:60], "text": _markdown(delivery)},
        }
        url = hook.url
        if hook.secret:
            stamp = str(int(now.timestamp() * 1000))
            digest = hmac.new(
                hook.secret.encode(), f"{stamp}\n{hook.secret}".encode(), hashlib.sha256
            ).digest()
            sign = urllib.parse.quote_plus(base64.b64encode(digest))
            url += ("&" if "?" in url else "?") + f"timestamp={stamp}&sign={sign}"
        return Request(url, body)
    text = f"{delivery.text}\n{delivery.url}" if delivery.url else delivery.text
    feishu: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
    if hook.secret:
        stamp = str(int(now.timestamp()))
        key = f"{stamp}\n{hook.secret}".encode()
        feishu["timestamp"] = stamp
        feishu["sign"] = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    return Request(hook.url, feishu)


def _vendor_error(vendor: str, answer: Any) -> str | None:
    """The vendor's refusal in a 200 answer (errcode / code not 0), or None."""
    if not isinstance(answer, dict):
        return None
    code = answer.get("errcode") if vendor != Vendor.FEISHU else answer.get("code")
    if vendor == Vendor.FEISHU and code is None:
        code = answer.get("StatusCode")
    if code in (None, 0):
        return None
    detail = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
    return f"{code} {detail}".strip()


def _send_webhook(hook: GroupWebhook, delivery: Delivery, *, now: datetime) -> None:
    problem = webhook_url_problem(hook.url)
    if problem:
        raise DeliveryError(problem, retry=False)
    request = webhook_request(hook, delivery, now=now)
    data = json.dumps(request.body, ensure_ascii=False).encode()
    http = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        request.url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(http, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}", retry=exc.code >= 500 or exc.code == 429) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"no answer: {exc}", retry=True) from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = None
    refused = _vendor_error(hook.vendor, answer)
    if refused:
        raise DeliveryError(refused, retry=False)


# --- the sweep and the digest ------------------------------------------------------------------


def deliveries_due(now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Pending rows nobody holds (never sent, or a claim whose lease ran out)."""
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(state=DeliveryState.PENDING)
        .filter(Q(claimed_until=None) | Q(claimed_until__lt=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def digests_create(*, day: date | None = None) -> int:
    """One e-mail per person who chose the daily digest and had messages on `day` (Asia/Shanghai;
    yesterday by default), listing them; once per person and day."""
    day = day or timezone.localdate() - timedelta(days=1)
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    end = start + timedelta(days=1)
    users = User.objects.filter(is_active=True, channel_preference__digest=True).exclude(email="")
    notes = Notification.objects.filter(
        recipient__in=users, created_at__gte=start, created_at__lt=end
    ).order_by("recipient_id", "created_at", "id")
    by_user: dict[int, list[Notification]] = {}
    for note in notes:
        by_user.setdefault(note.recipient_id, []).append(note)
    sent = 0
    for user in users.filter(pk__in=list(by_user)):
        items = by_user[user.pk]
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject = str(_("Daily digest for %(day)s: %(count)d messages")) % {
                "day": f"{day:%Y-%m-%d}",
                "count": len(items),
            }
            text = render_to_string(
                "emails/digest.txt",
                {"user": user, "items": items, "day": day, "site": settings.SITE_URL.rstrip("/")},
            )
        with transaction.atomic():
            key = f"digest:{user.pk}:{day:%Y-%m-%d}"
            if email_create(key=key, user=user, subject=subject, text=text):
                sent += 1
    return sent
