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
