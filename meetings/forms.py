"""Forms of the meeting pages; the services validate the rules, forms only shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from meetings.workflow import Mode


class ScheduleForm(forms.Form):
    committee = forms.ModelChoiceField(queryset=None, label=_("Committee"))
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices)
    place = forms.CharField(label=_("Place"), required=False)
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")
    title = forms.CharField(label=_("Title"), required=False)

    def __init__(self, *args: Any, committees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = committees


class OpenForm(forms.Form):
    present = forms.TypedMultipleChoiceField(
        label=_("Members present"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    presiding = forms.TypedChoiceField(label=_("Presiding member"), coerce=int)
    designation = forms.CharField(
        label=_("Designation by the chair (when a vice-chair presides)"), required=False
    )

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(m.pk, f"{m.user.display_name} · {m.get_role_display()}") for m in members]
        self.fields["present"].choices = choices
        self.fields["presiding"].choices = [
            (m.pk, m.user.display_name) for m in members if m.role in ("chair", "vice_chair")
        ]


class ConcludeForm(forms.Form):
    conditions = forms.CharField(
        label=_("Modifications required"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reasons = forms.CharField(
        label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    dissent = forms.CharField(
        label=_("Dissenting opinions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
