"""The dashboards' filters: period, committee (within the scope) and field of work."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import FieldOfWork
from reports.dashboards import Filters

MAX_DAYS = 366 * 5  # five years at most in one view


class DashboardFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    committee = forms.TypedChoiceField(
        label=_("Committee"), required=False, coerce=int, empty_value=None
    )
    field = forms.ChoiceField(
        label=_("Field"), required=False, choices=[("", _("All fields")), *FieldOfWork.choices]
    )

    def __init__(self, *args: Any, committees: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["committee"].choices = [("", _("All committees"))] + [
            (c.pk, c.name) for c in committees
        ]
        for name in ("start", "end"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})
        if len(committees) <= 1:
            self.fields["committee"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error(
                "end", forms.ValidationError(_("The end is before the start."), code="order")
            )
        elif start and end and (end - start).days > MAX_DAYS:
            self.add_error(
                "end", forms.ValidationError(_("At most five years at a time."), code="too_long")
            )
        return data

    def filters(self, today: date | None = None) -> Filters:
        """The filters asked for; the last twelve months where the form says nothing (or is
        invalid)."""
        default = Filters.default(today or timezone.localdate())
        if not self.is_bound or not self.is_valid():
            return default
        data = self.cleaned_data
        first = data.get("start") or default.first
        last = data.get("end") or max(default.last, first)
        return Filters(
            first=first, last=last, committee=data.get("committee"), field=data.get("field") or ""
        )
