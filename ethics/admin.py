"""Django admin for the kernel, and the read-only admin every app uses for audited history.

R60: every change to a model the services audit goes through those services. The admin of such a
model is read-only (view, search, filter); the one exception is the account admin, which a site
administrator needs (passwords, staff rights) and which records a `user.create` / `user.change`
audit event in the admin's own transaction for every save.
"""

import json
from collections.abc import Mapping
from typing import Any

from axes import admin as axes_admin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ethics import audit, services
from ethics.action_labels import TASK_LABELS, action_label, cause_label
from ethics.job_models import Heartbeat
from ethics.models import (
    AuditChainHead,
    AuditEvent,
    CalendarFeed,
    ChannelPreference,
    Deadline,
    Delivery,
    ExternalIdentity,
    GroupWebhook,
    Holiday,
    Institution,
    Job,
    Notification,
    Reminder,
    SubmissionToken,
    User,
)
from ethics.templatetags.ethics_tags import last_day as due_text
from ethics.token_models import ApiToken

WORDS = "__words"


def json_words(value: Any, labels: Mapping[str, Any] | None = None) -> str:
    """A JSON value as a person reads it: a list of codes by their labels ("MEAS, NHC" rather
    than `["meas", "nhc"]`); structured data (a tally, an audit snapshot) as a <pre> block."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, str):
        return str(dict(labels or {}).get(value, value))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        names = dict(labels or {})
        return "、".join(str(names.get(v, v)) for v in value)
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, cls=DjangoJSONEncoder)
    return format_html("<pre>{}</pre>", text)


class JsonWordsMixin:
    """Shows every JSON field of the model through `json_words` (change page and list).

    `json_labels` maps a field to the labels of the codes it lists, e.g. {"regimes":
    RegimeChoice.choices}. A field `name` is shown as `name__words`, a display method made on
    demand, so no admin has to write one per field.
    """

    model: Any
    json_labels: Mapping[str, Any] = {}

    def _json_fields(self) -> set[str]:
        """JSON fields, and the code fields (without choices) that `json_labels` names."""
        json_fields = {f.name for f in self.model._meta.fields if isinstance(f, models.JSONField)}
        return json_fields | set(self.json_labels)

    def __getattr__(self, name: str) -> Any:
        if not name.endswith(WORDS):
            raise AttributeError(name)
        field_name = name[: -len(WORDS)]
        field = self.model._meta.get_field(field_name)
        labels = self.json_labels.get(field_name)

        def show(obj: Any) -> str:
            return json_words(getattr(obj, field_name), labels)

        show.short_description = field.verbose_name  # type: ignore[attr-defined]
        return show

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_fields(request, obj)  # type: ignore[misc]
        json_fields = self._json_fields()
        return list(dict.fromkeys(f"{f}{WORDS}" if f in json_fields else f for f in fields))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        excluded = set(getattr(self, "exclude", None) or ())
        shown = [f"{f}{WORDS}" for f in sorted(self._json_fields()) if f not in excluded]
        return list(dict.fromkeys([*readonly, *shown]))

    def get_list_display(self, request: HttpRequest) -> Any:
        json_fields = self._json_fields()
        return [
            f"{f}{WORDS}" if f in json_fields else f
            for f in super().get_list_display(request)  # type: ignore[misc]
        ]


class ReadOnlyAdmin(JsonWordsMixin, admin.ModelAdmin):
    """View, search and filter only: every change goes through the services (audit, clocks)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """An inline that shows rows without adding, changing or deleting any."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


ADMIN_REASON = "Django admin"


def _audit_value(value: Any) -> Any:
    """A form value as the audit stores it: objects by primary key, sets as sorted lists."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (models.QuerySet, list, tuple, set)):
        return sorted(_audit_value(item) for item in value)
    return value


@admin.register(Institution)
class InstitutionAdmin(ReadOnlyAdmin):
    """institution_create / institution_update (audited) are the only ways to change one."""

    list_display = ["name", "credit_code", "kind", "authority", "region"]
    list_filter = ["kind", "authority", "region"]
    search_fields = ["name", "credit_code"]


class UserAddForm(ModelForm):
    """A new account in the admin has no password: its owner chooses one from an e-mailed link
    (as with `POST /api/v1/users/`), so nobody ever knows another person's password."""

    class Meta:
        model = User
        fields = ["username", "name", "email", "institution", "institution_admin"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserAddForm
    add_fieldsets = (
        (
            None,
            {
                "fields": ("username", "name", "email", "institution", "institution_admin"),
                "description": _(
                    "The new account has no password: when it has an e-mail address, its owner "
                    "is sent a link to choose one."
                ),
            },
        ),
    )
    list_display = ["username", "name", "email", "institution", "institution_admin", "is_active"]
    list_filter = ["institution_admin", "is_staff", "is_superuser", "is_active", "language"]
    search_fields = ["username", "name", "email", "first_name", "last_name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Ethics committee"),
            {"fields": ("name", "language", "institution", "institution_admin")},
        ),
    )
    autocomplete_fields = ["institution"]

    # Accounts are deactivated, never deleted (audit events keep their actor).
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        # Inside changeform_view's transaction: the audit row commits with the change.
        fields = [
            name
            for name in form.changed_data
            if name not in {"password1", "password2"}
            # The same instant shown in another time zone is no change.
            and not (change and form.initial.get(name) == form.cleaned_data.get(name))
        ]
        before = {name: _audit_value(form.initial.get(name)) for name in fields} if change else {}
        if not change:
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)
        after = {name: _audit_value(form.cleaned_data.get(name)) for name in fields}
        if "password" in after or "password1" in form.changed_data:
            before.pop("password", None)
            after["password"] = "changed"  # noqa: S105 (a marker, not a password)
        after.setdefault("username", obj.username)
        audit.record(
            actor=request.user,  # type: ignore[arg-type]
            action="user.change" if change else "user.create",
            target=obj,
            before=before,
            after=after,
            reason=ADMIN_REASON,
        )
        if not change and obj.email:
            services.send_password_reset(actor=request.user, user=obj)  # type: ignore[arg-type]

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Superusers too send reset links (POST /api/v1/users/{id}/password_reset/) instead of
        setting someone else's password; their own changes on /accounts/password/."""
        if str(request.user.pk) != str(id):
            raise PermissionDenied
        return HttpResponseRedirect(reverse("password_change"))


class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    """django-axes' failure records (README "Login protection"): deleting one ends that
    username's lock, through `services.login_locks_clear` (superusers, audited `user.unlock`)."""

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.login_locks_clear(usernames=[obj.username], actor=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        usernames = list(queryset.values_list("username", flat=True))
        services.login_locks_clear(usernames=usernames, actor=request.user)  # type: ignore[arg-type]


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, AccessAttemptAdmin)


class ActionFilter(admin.SimpleListFilter):
    """Filter the audit trail by action, listed by label."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = AuditEvent.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(((code, action_label(code)) for code in codes), key=lambda c: c[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_name", "action_words", "target_repr", "reason"]
    list_filter = [ActionFilter, ("target_type", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["actor"]
    search_fields = ["actor_label", "action", "target_repr", "target_id", "reason", "hash"]
    date_hierarchy = "created_at"
    readonly_fields = ["action_words", "actor_name"]
    exclude = ["action", "actor_label"]

    @admin.display(description=_("action"), ordering="action")
    def action_words(self, obj: AuditEvent) -> str:
        return action_label(obj.action)

    @admin.display(description=_("actor"), ordering="actor_label")
    def actor_name(self, obj: AuditEvent) -> str:
        if obj.actor is not None:
            return str(obj.actor.display_name)
        return str(_("System")) if obj.actor_label in ("", "system") else obj.actor_label


class DueColumn:
    """``due``: a deadline in the admin as on pages and in e-mails (``ethics_tags.last_day``)."""

    @admin.display(description=_("Due"), ordering="due_at")
    def due(self, obj: Any) -> str:
        return due_text(obj.due_at)


@admin.register(Deadline)
class DeadlineAdmin(DueColumn, ReadOnlyAdmin):
    """Clocks are opened, extended and recomputed by audited services (deadline_*)."""

    list_display = ["title", "kind", "committee_id", "due", "state", "met_at", "rule"]
    list_filter = ["kind", "state", "rule"]
    search_fields = ["title", "note"]
    date_hierarchy = "due_at"
    readonly_fields = ["subject_type", "subject_id", "opened_at", "due", "met_at"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["deadline", "stage", "recipient", "escalation", "sent_at", "attempts"]
    list_filter = ["escalation", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["stage", "recipient__username", "deadline__title"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "title", "created_at", "read_at", "cause_words"]

    @admin.display(description=_("cause"))
    def cause_words(self, obj: Notification) -> str:
        return cause_label(obj.cause)

    list_filter = [("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "body", "recipient__username"]


@admin.register(Holiday)
class HolidayAdmin(ReadOnlyAdmin):
    """Imported by holiday_year_import (audited), which also moves the clocks it affects."""

    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """The rendering outbox: what is waiting, running, done or failed (ethics/jobs.py)."""

    list_display = [
        "created_at",
        "task",
        "kwargs",
        "state",
        "attempts",
        "dispatches",
        "finished_at",
    ]
    list_filter = ["state"]
    search_fields = ["key", "last_error"]
    json_labels = {"task": TASK_LABELS.items()}
    # The dedupe key and the last error are technical records: the key is left out, the error
    # shows as a block of log text.
    exclude = ["key", "last_error"]
    readonly_fields = ["error_log"]

    @admin.display(description=_("last error"))
    def error_log(self, obj: Job) -> str:
        return format_html("<pre>{}</pre>", obj.last_error) if obj.last_error else "—"

    date_hierarchy = "created_at"


@admin.register(SubmissionToken)
class SubmissionTokenAdmin(ReadOnlyAdmin):
    """Remembered one-time form tokens and Idempotency-Keys (ethics/idempotency.py)."""

    list_display = ["created_at", "user", "scope", "result_url", "status_code"]
    list_filter = ["scope"]
    search_fields = ["user__username", "scope"]
    date_hierarchy = "created_at"


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    """The newest hash of the audit chain (ethics/audit.py): written by audit.record only."""

    list_display = ["id", "last_hash"]


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    """When each worker and the scheduler last showed they were alive (read by /healthz)."""

    list_display = ["name", "at"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """API tokens (README "API"): issued and revoked through the audited services; the key
    itself is never stored, only its hash."""

    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "user__name", "name", "prefix"]
    list_select_related = ["user"]
    exclude = ["key_hash"]


@admin.register(GroupWebhook)
class GroupWebhookAdmin(ReadOnlyAdmin):
    """Read-only; the secretary manages robots on the committee's page. Neither the address nor
    the secret is shown (both are credentials)."""

    list_display = ["committee_id", "vendor", "name", "active", "last_sent_at", "last_error_at"]
    list_filter = ["vendor", "active"]
    fields = [
        "committee_id",
        "vendor",
        "name",
        "active",
        "last_sent_at",
        "last_error",
        "last_error_at",
    ]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The outbox (ethics/channels.py): one row per message and channel, read-only. The event key
    and the channel code are machine keys; people read the subject, the way out and the state."""

    list_display = ["subject", "way_out", "recipient", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["state"]
    list_select_related = ["recipient", "webhook"]
    search_fields = ["subject", "recipient__name", "recipient__username", "last_error"]
    fields = [
        "subject",
        "way_out",
        "recipient",
        "webhook",
        "text",
        "url",
        "state",
        "attempts",
        "created_at",
        "sent_at",
        "last_error",
    ]

    @admin.display(description=_("channel"))
    def way_out(self, obj: Delivery) -> str:
        if obj.webhook_id is not None and obj.webhook is not None:
            robot = _("group robot")
            return f"{robot} · {obj.webhook.get_vendor_display()} · {obj.webhook.name}"
        return str(_("e-mail"))


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(ReadOnlyAdmin):
    """Each person's notification channels; they change them on their profile page."""

    list_display = ["user", "email", "digest"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__name"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    """Who has a calendar feed address (only its hash is kept; the owner revokes it)."""

    list_display = ["user", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__name"]
    exclude = ["token_hash"]


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(ReadOnlyAdmin):
    """Accounts linked to a single sign-on identity (ethics/sso.py; `manage.py sso_link`)."""

    list_display = ["user", "provider", "subject", "created_at", "last_login"]
    list_filter = ["provider"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__name", "subject"]
