"""The input of every meeting action, one form each, used by the pages and the API alike
(meetings.actions). Field names follow api.md. Forms shape and type-check the input; choices that
depend on the meeting (its committee's members and applications, its items) come from
`meetings.actions` through form kwargs: another committee's id, or no id at all, is "not a valid
choice" (400); the services still decide every rule with its ID (409: R7, R15, R18-R24)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Membership, Role
from ethics.forms import YesNoField, validate_plausible_date, validate_within_horizon
from meetings.models import VoteChoice
from meetings.workflow import Mode

PRESIDING_ROLES = (Role.CHAIR, Role.VICE_CHAIR)


class MemberField(forms.ModelChoiceField):
    """A membership id (api.md: "membership ids"), shown as the member's name and role."""

    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.display_name} · {obj.get_role_display()}"


class IdsField(forms.ModelMultipleChoiceField):
    """Row ids of the queryset (ids no database can hold are refused before the form runs, by
    ethics.actions, with Django's own error codes)."""


class MembersField(IdsField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.display_name} · {obj.get_role_display()}"


class OrderedIdsField(IdsField):
    """Ids of the queryset's rows in the order given (the queryset only checks they exist)."""

    widget = forms.MultipleHiddenInput

    def clean(self, value: Any) -> list[int]:
        super().clean(value)
        return [int(pk) for pk in value]


def _meeting_date(value: Any) -> None:
    """A meeting's time within the calendars' range and the horizon; a date in the past is the
    service's refusal (`past`, the same on every route)."""
    day = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    validate_plausible_date(day)
    validate_within_horizon(day)


class ScheduleForm(forms.Form):
    committee = forms.ModelChoiceField(queryset=None, label=_("Committee"))
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        validators=[_meeting_date],
    )
    mode = forms.ChoiceField(
        label=_("Mode"), choices=Mode.choices, required=False, initial=Mode.IN_PERSON
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    video_link = forms.URLField(
        label=_("Video link"), required=False, max_length=200, assume_scheme="https"
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=200)

    def __init__(self, *args: Any, committees: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = committees

    def clean_mode(self) -> str:
        return self.cleaned_data.get("mode") or Mode.IN_PERSON


class AgendaItemForm(forms.Form):
    """An application under meeting review, or a title for other business (api.md "items")."""

    application = forms.ModelChoiceField(
        queryset=None, label=_("Application"), required=False, widget=forms.HiddenInput
    )
    title = forms.CharField(label=_("Other business"), required=False, max_length=300)

    def __init__(self, *args: Any, applications: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not data.get("application") and not data.get("title", "").strip():
            message = _("Give an application (or a title for other business).")
            raise ValidationError({"application": ValidationError(message, code="required")})
        return data


class OrderForm(forms.Form):
    items = OrderedIdsField(queryset=None, label=_("Agenda items in their new order"))

    def __init__(self, *args: Any, items: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items


class MoveForm(forms.Form):
    item = forms.ModelChoiceField(queryset=None, label=_("Item"), widget=forms.HiddenInput)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("up", _("Up")), ("down", _("Down"))]
    )

    def __init__(self, *args: Any, items: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items


class OpenForm(forms.Form):
    present = MembersField(
        queryset=None, label=_("Members present"), widget=forms.CheckboxSelectMultiple
    )
    presiding = MemberField(queryset=None, label=_("Presiding member"), empty_label=None)
    designation = forms.CharField(
        label=_("Designation by the chair (when a vice-chair presides)"),
        required=False,
        max_length=300,
    )

    def __init__(self, *args: Any, members: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = members
        self.fields["presiding"].queryset = members

    def offer(self, in_term: list[Membership]) -> None:
        """Show the members in term on the meeting day, and as presiding members the chair and
        the vice-chairs among them (R18); the service still checks whatever is posted."""
        present, presiding = self.fields["present"], self.fields["presiding"]
        present.choices = [(m.pk, present.label_from_instance(m)) for m in in_term]
        presiding.choices = [
            (m.pk, presiding.label_from_instance(m)) for m in in_term if m.role in PRESIDING_ROLES
        ]


class DeclareForm(forms.Form):
    conflicted = YesNoField(label=_("I have a conflict of interest"))
    note = forms.CharField(label=_("Details"), required=False)


class RecusalForm(forms.Form):
    member = MemberField(queryset=None, label=_("Member"))
    reason = forms.CharField(label=_("Reason"))

    def __init__(self, *args: Any, members: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class ConsultantForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    affiliation = forms.CharField(
        label=_("Affiliation and expertise"), required=False, max_length=300
    )
    declaration = forms.CharField(label=_("No-direct-interest declaration"))
    no_direct_interest = forms.BooleanField(label=_("Declares no direct interest"), required=False)


class VoteForm(forms.Form):
    """`member` is left out when members vote for themselves; the secretary names the member."""

    member = MemberField(queryset=None, label=_("Member"), required=False)
    choice = forms.ChoiceField(label=_("Vote"), choices=VoteChoice.choices)

    def __init__(self, *args: Any, members: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Discussion notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class _ConfirmInput(forms.CheckboxInput):
    """Hands the posted text to the field as it is (Django's checkbox would read any text as
    "on")."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name, False)


class ConfirmField(forms.BooleanField):
    """An explicit yes: the page's checkbox ("1"/"on"), the API's ``"confirm": true``. Missing,
    false or anything else is refused (400), never read as yes."""

    widget = _ConfirmInput
    YES = frozenset({"1", "on", "true", "True", "yes"})

    def to_python(self, value: Any) -> bool:
        if value is True or (isinstance(value, str) and value in self.YES):
            return True
        if value in (None, "", False):
            return False
        if isinstance(value, str) and value.lower() in ("0", "false", "off", "no"):
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


def _confirm_field(label: Any, message: Any) -> ConfirmField:
    return ConfirmField(
        label=label, required=True, error_messages={"required": message, "invalid": message}
    )


class ConcludeForm(forms.Form):
    confirm = _confirm_field(
        _("I confirm: conclude this item with the tally as it stands"),
        _("Confirm that you want to conclude this item."),
    )
    conditions = forms.CharField(
        label=_("Modifications required"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reasons = forms.CharField(
        label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    dissent = forms.CharField(
        label=_("Dissenting opinions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeferForm(forms.Form):
    reason = forms.CharField(label=_("Reason for deferring"))
    confirm = _confirm_field(
        _("I confirm: defer this item"), _("Confirm that you want to defer this item.")
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=2000)


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("New date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        validators=[_meeting_date],
    )
    reason = forms.CharField(label=_("Reason for rescheduling"), max_length=2000)


class ExcuseForm(forms.Form):
    member = MemberField(queryset=None, label=_("Member"))
    reason = forms.CharField(label=_("Reason for the absence"), max_length=2000)

    def __init__(self, *args: Any, members: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class AttendForm(forms.Form):
    """An arrival or a departure at ``at`` (default: the moment it is posted)."""

    member = MemberField(queryset=None, label=_("Member"))
    at = forms.DateTimeField(
        label=_("Time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, members: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class CorrectionForm(forms.Form):
    text = forms.CharField(label=_("Correction"), widget=forms.Textarea(attrs={"rows": 3}))
