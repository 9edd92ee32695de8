from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics.forms import PlausibleDates


def _not_in_future(value: Any) -> None:
    """A filing's date is a day that has happened (Asia/Shanghai)."""
    if value is not None and value > timezone.localdate():
        raise ValidationError(_("This date cannot be in the future."), code="future_date")


class SubmitForm(PlausibleDates, forms.Form):
    submitted_on = forms.DateField(
        label=_("Submitted on"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        validators=[_not_in_future],
    )
    receipt = forms.CharField(label=_("Platform receipt number"), max_length=100)


class AcknowledgeForm(PlausibleDates, forms.Form):
    acknowledged_on = forms.DateField(
        label=_("Acknowledged on"),
        required=False,
        validators=[_not_in_future],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    receipt = forms.CharField(
        label=_("Platform record number (if it changed)"), max_length=100, required=False
    )


class RemarksForm(forms.Form):
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea)
