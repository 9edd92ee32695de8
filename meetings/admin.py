"""Django admin for meetings: read-only, since every change goes through the services."""

from django.contrib import admin

from committees.models import Expertise, Gender, Role
from ethics.admin import ReadOnlyAdmin, ReadOnlyInline
from meetings.models import (
    AgendaItem,
    Attendance,
    Consultant,
    Declaration,
    Excusal,
    Meeting,
    Minutes,
    MinutesCorrection,
    Recusal,
    Vote,
)


class AgendaItemInline(ReadOnlyInline):
    model = AgendaItem
    fields = ["position", "kind", "title", "status", "outcome", "decision"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["starts_at", "committee", "mode", "status", "presiding"]
    list_filter = ["status", "mode", "committee"]
    search_fields = ["title", "committee__name", "place"]
    date_hierarchy = "starts_at"
    list_select_related = ["committee", "presiding__user"]
    inlines = [AgendaItemInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "position", "kind", "title", "status", "outcome"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "application__ref"]
    list_select_related = ["meeting__committee"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = [
        "meeting", "membership", "role", "expertise", "external", "in_term", "arrived_at", "left_at",
    ]  # fmt: skip
    list_select_related = ["meeting__committee", "membership__user", "membership__committee"]
    # The roster as it stood at the meeting (codes copied from the membership), by label.
    json_labels = {"role": Role.choices, "expertise": Expertise.choices, "gender": Gender.choices}


@admin.register(Excusal)
class ExcusalAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "membership", "reason", "recorded_at"]
    list_select_related = ["meeting__committee", "membership__user", "membership__committee"]


@admin.register(Recusal)
class RecusalAdmin(ReadOnlyAdmin):
    list_display = ["item", "membership", "reason", "recorded_at"]
    list_select_related = ["item", "membership__user", "membership__committee"]


@admin.register(Consultant)
class ConsultantAdmin(ReadOnlyAdmin):
    list_display = ["item", "name", "affiliation", "admitted_at"]
    list_select_related = ["item"]


@admin.register(Minutes)
class MinutesAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "version", "sha256", "rendered_at"]
    list_select_related = ["meeting__committee"]


@admin.register(MinutesCorrection)
class MinutesCorrectionAdmin(ReadOnlyAdmin):
    list_display = ["meeting", "created_by", "created_at"]
    list_select_related = ["meeting__committee", "created_by"]


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    """Conflict declarations on a meeting item (R20a): history, read only."""

    list_display = ["item", "membership", "conflicted", "declared_at"]
    list_filter = ["conflicted"]
    search_fields = ["item__title", "membership__user__name"]
    list_select_related = ["item", "membership__user", "membership__committee"]


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    """Votes (R26): the record of the tally, read only; choices show by their labels."""

    list_display = ["item", "membership", "choice", "cast_by", "cast_at"]
    list_filter = ["choice"]
    search_fields = ["item__title", "membership__user__name"]
    list_select_related = ["item", "membership__user", "membership__committee", "cast_by"]
