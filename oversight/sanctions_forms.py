"""The inputs of sanctions (R57) and researchers' training (R10a): one form per action, for the
pages and the API alike (ethics.actions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from committees.forms import DateInput
from ethics.forms import ObjectChoiceField, PlausibleDates
from ethics.models import Institution, User
from oversight.complaints_selectors import investigations_for_user
from oversight.models_complaints import Investigation
from oversight.models_sanctions import Measure, SubjectKind
from oversight.sanctions_policies import institution_q


def people_for(user: User) -> QuerySet[User]:
    """Whom `user` may name: the staff anybody; an institution admin their institution's people;
    a committee officer the people of the institutions of their committees."""
    active = User.objects.filter(is_active=True)
    if user.is_superuser or user.is_staff:
        return active
    return active.filter(institution_q(user, "institution_id"))


class SanctionForm(PlausibleDates, forms.Form):
    subject_kind = forms.ChoiceField(label=_("against"), choices=SubjectKind.choices)
    person = ObjectChoiceField(label=_("person"), queryset=User.objects.none(), required=False)
    target_institution = ObjectChoiceField(
        label=_("sanctioned institution"), queryset=Institution.objects.all(), required=False
    )
    measure = forms.ChoiceField(label=_("measure"), choices=Measure.choices)
    grounds = forms.CharField(label=_("grounds"), max_length=5000, widget=forms.Textarea)
    decided_on = forms.DateField(label=_("decided on"), widget=DateInput())
    ban_starts_on = forms.DateField(
        label=_("ban starts on"), required=False, widget=DateInput(), help_text=_("Bans only.")
    )
    ban_ends_on = forms.DateField(
        label=_("ban ends on"),
        required=False,
        widget=DateInput(),
        help_text=_("The last day of the ban (inclusive); it ends by itself after that day."),
    )
    investigation = ObjectChoiceField(
        label=_("investigation"),
        queryset=Investigation.objects.none(),
        required=False,
        help_text=_("The investigation of the recording institution the sanction follows from."),
    )

    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if actor is not None:
            self.fields["person"].queryset = people_for(actor)  # type: ignore[attr-defined]
            self.fields["investigation"].queryset = (  # type: ignore[attr-defined]
                investigations_for_user(actor)
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("subject_kind")
        if kind == SubjectKind.PERSON and not data.get("person"):
            self.add_error("person", forms.ValidationError(_("Name the person."), "required"))
        if kind == SubjectKind.INSTITUTION and not data.get("target_institution"):
            self.add_error(
                "target_institution",
                forms.ValidationError(_("Name the institution."), "required"),
            )
        if data.get("measure") == Measure.BAN:
            for name in ("ban_starts_on", "ban_ends_on"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(
                        name, forms.ValidationError(_("A ban needs its period."), "required")
                    )
            start, end = data.get("ban_starts_on"), data.get("ban_ends_on")
            if start and end and end < start:
                self.add_error(
                    "ban_ends_on",
                    forms.ValidationError(_("The ban ends before it starts."), "invalid"),
                )
        return data


class SanctionLiftForm(PlausibleDates, forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=2000, widget=forms.Textarea)
    on = forms.DateField(
        label=_("lifted from"), required=False, widget=DateInput(), help_text=_("Today if empty.")
    )


class ResearcherTrainingForm(PlausibleDates, forms.Form):
    person = ObjectChoiceField(label=_("person"), queryset=User.objects.none())
    title = forms.CharField(label=_("course"), max_length=200)
    provider = forms.CharField(label=_("provider"), max_length=200, required=False)
    completed_on = forms.DateField(label=_("completed on"), widget=DateInput())
    expires_on = forms.DateField(
        label=_("valid until"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: the rule set's validity from the completion (R10a)."),
    )

    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if actor is not None:
            self.fields["person"].queryset = people_for(actor)  # type: ignore[attr-defined]
