from django import forms
from django.utils.translation import gettext_lazy as _


class SubmitForm(forms.Form):
    submitted_on = forms.DateField(
        label=_("Submitted on"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    receipt = forms.CharField(label=_("Platform receipt number"), max_length=100)


class AcknowledgeForm(forms.Form):
    acknowledged_on = forms.DateField(
        label=_("Acknowledged on"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    receipt = forms.CharField(
        label=_("Platform record number (if it changed)"), max_length=100, required=False
    )


class RemarksForm(forms.Form):
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea)


_MAX_ID = 2**63 - 1  # a bigint primary key


class DeadlineFilterForm(forms.Form):
    """The filters of `GET /api/v1/deadlines/`: a committee id a database can hold."""

    committee = forms.IntegerField(
        label=_("Committee"), required=False, min_value=1, max_value=_MAX_ID
    )
