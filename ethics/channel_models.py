"""Where notifications go besides the inbox (README "Notifications and calendars").

A person's channel choices (`ChannelPreference`: e-mail on or off, a daily digest instead of one
e-mail each; the in-app inbox always), their private calendar feed (`CalendarFeed`, stored as a
hash of its secret token), the group robots of a committee's chat (`GroupWebhook`: 企业微信, 钉钉,
飞书; the committee is a plain id the apps resolve, like `Deadline.committee_id`), and the outbox
(`Delivery`): one row per (event, channel), claimed with a lease so each message goes out once per
channel under retries and worker crashes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChannelPreference(models.Model):
    """A person's channels; a person without a row has the defaults (e-mail on, no digest)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="channel_preference",
    )
    email = models.BooleanField(_("e-mail"), default=True)
    digest = models.BooleanField(_("daily digest"), default=False)

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")

    def __str__(self) -> str:
        return str(self.user)


class CalendarFeed(models.Model):
    """A person's private ICS feed: the URL carries a secret token, stored here only as its
    SHA-256; regenerating replaces it and revoking deletes the row (the old URL then 404s)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="calendar_feed",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)


class Vendor(models.TextChoices):
    WECOM = "wecom", _("WeCom (企业微信) group robot")
    DINGTALK = "dingtalk", _("DingTalk (钉钉) group robot")
    FEISHU = "feishu", _("Feishu/Lark (飞书) group robot")


class GroupWebhook(models.Model):
    """A committee's group robot. The secret (DingTalk, Feishu signing) is stored, never shown
    back; the last error of a delivery is kept here for the secretary to see."""

    committee_id = models.BigIntegerField(_("committee"), db_index=True)
    vendor = models.CharField(_("service"), max_length=20, choices=Vendor.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    url = models.URLField(_("webhook URL"), max_length=1000)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    last_sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    class Meta:
        ordering = ["committee_id", "id"]
        verbose_name = _("group webhook")
        verbose_name_plural = _("group webhooks")
        constraints = [
            models.CheckConstraint(
                condition=Q(vendor__in=Vendor.values), name="group_webhook_vendor_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_vendor_display()} {self.name}".strip()


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One message on one channel: an e-mail to a person or a post to a group robot.

    `(key, channel)` is unique: `key` names the event ("notification:12", "digest:5:2026-12-01",
    "meeting:7:notice:3"), `channel` the way out ("email", "webhook:4"). A sender claims the row
    with a conditional update (`claimed_until` empty or past), so one worker has it at a time; a
    worker that dies leaves a lease that runs out and the sweep hands the row out again.
    """

    key = models.CharField(max_length=200)
    channel = models.CharField(max_length=40)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    webhook = models.ForeignKey(
        GroupWebhook, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    #: An `.ics` to attach to the e-mail (meeting notices), empty for none.
    attachment = models.TextField(blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["key", "channel"], name="delivery_once_per_channel"),
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="delivery_state_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(state="pending"),
                name="delivery_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return self.subject
