"""Inputs of incidents, the risk register and funding records (one form per action)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ethics.forms import ObjectChoiceField, PartialForm, PersonField, PlausibleDates
from ethics.models import User
from oversight import incidents_policies as rules
from oversight.models_incidents import IncidentKind, RiskLevel, Severity
from reviews.models import Project

_TEXT = 4000


class IncidentForm(PlausibleDates, forms.Form):
    project = ObjectChoiceField(label=_("Project"), queryset=Project.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=IncidentKind.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("What happened"), max_length=_TEXT, widget=forms.Textarea)
    measures = forms.CharField(
        label=_("Measures taken"), max_length=_TEXT, required=False, widget=forms.Textarea
    )
    aware_at = forms.DateTimeField(
        label=_("Became aware at"),
        help_text=_("R30: the report is due within the rule set's hours from this moment."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        project_field: Any = self.fields["project"]
        project_field.queryset = (
            rules.reportable_projects(actor).order_by("-created_at")
            if actor is not None
            else project_field.queryset.none()
        )


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("Follow-up"), max_length=_TEXT, widget=forms.Textarea)


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for escalation"), max_length=_TEXT, widget=forms.Textarea
    )


class CloseIncidentForm(forms.Form):
    summary = forms.CharField(label=_("Closure summary"), max_length=_TEXT, widget=forms.Textarea)


class RiskForm(PlausibleDates, forms.Form):
    project = ObjectChoiceField(label=_("Project"), queryset=Project.objects.none())
    title = forms.CharField(label=_("Risk"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=_TEXT, required=False, widget=forms.Textarea
    )
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    measures = forms.CharField(
        label=_("Control measures"), max_length=_TEXT, required=False, widget=forms.Textarea
    )
    owner = PersonField(label=_("Owner"), queryset=User.objects.filter(is_active=True))
    next_review_on = forms.DateField(
        label=_("Next review on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        project_field: Any = self.fields["project"]
        project_field.queryset = (
            rules.registrable_projects(actor).order_by("-created_at")
            if actor is not None
            else project_field.queryset.none()
        )


class RiskReviewForm(PlausibleDates, forms.Form):
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    note = forms.CharField(
        label=_("Findings"), max_length=_TEXT, required=False, widget=forms.Textarea
    )
    next_review_on = forms.DateField(
        label=_("Next review on"), widget=forms.DateInput(attrs={"type": "date"})
    )


class RiskCloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=_TEXT, widget=forms.Textarea)


class FundingForm(forms.Form):
    project = ObjectChoiceField(label=_("Project"), queryset=Project.objects.none())
    funder = forms.CharField(label=_("Funder"), max_length=200)
    programme = forms.CharField(label=_("Programme"), max_length=200, required=False)
    grant_number = forms.CharField(label=_("Grant number"), max_length=100)

    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        project_field: Any = self.fields["project"]
        project_field.queryset = (
            rules.fundable_projects(actor).order_by("-created_at")
            if actor is not None
            else project_field.queryset.none()
        )


class FundingUpdateForm(PartialForm, forms.Form):
    funder = forms.CharField(label=_("Funder"), max_length=200)
    programme = forms.CharField(label=_("Programme"), max_length=200, required=False)
    grant_number = forms.CharField(label=_("Grant number"), max_length=100)
