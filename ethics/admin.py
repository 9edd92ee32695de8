"""Django admin for the kernel, and the read-only admin every app uses for audited history."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ethics.models import (
    AuditEvent,
    Deadline,
    Holiday,
    Institution,
    Job,
    Notification,
    Reminder,
    SubmissionToken,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """View, search and filter only: every change goes through the services (audit, clocks)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "kind", "authority", "region"]
    list_filter = ["kind", "authority", "region"]
    search_fields = ["name", "credit_code"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_label", "action", "target_repr", "reason"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_label", "action", "target_repr", "target_id", "reason", "hash"]
    date_hierarchy = "created_at"


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "committee_id", "due_at", "state", "met_at", "rule"]
    list_filter = ["kind", "state", "rule"]
    search_fields = ["title", "note"]
    date_hierarchy = "due_at"
    readonly_fields = ["subject_type", "subject_id", "opened_at", "met_at"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["deadline", "stage", "recipient", "escalation", "sent_at", "attempts"]
    list_filter = ["escalation", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["stage", "recipient__username", "deadline__title"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "title", "created_at", "read_at", "cause"]
    list_filter = [("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "body", "recipient__username"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
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
    list_filter = ["state", "task"]
    search_fields = ["key", "last_error"]
    date_hierarchy = "created_at"


@admin.register(SubmissionToken)
class SubmissionTokenAdmin(ReadOnlyAdmin):
    """Remembered one-time form tokens and Idempotency-Keys (ethics/idempotency.py)."""

    list_display = ["created_at", "user", "scope", "result_url", "status_code"]
    list_filter = ["scope"]
    search_fields = ["user__username", "scope"]
    date_hierarchy = "created_at"
