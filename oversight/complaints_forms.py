"""The inputs of complaints (R55) and investigations (R56): the public form and the officers'."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Committee
from ethics import uploads
from ethics.forms import ObjectChoiceField, PeopleField, PlausibleDates
from ethics.models import Institution, User
from oversight.models_complaints import (
    ComplaintStatus,
    CorrectiveMeasure,
    Finding,
    HandlingBody,
    ReporterKind,
    StepKind,
    SubjectKind,
)
from reviews.models import Project


def _choices(form: forms.Form, name: str) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    """The form's choice field `name` (its queryset is set per request)."""
    return cast(forms.ModelChoiceField, form.fields[name])  # type: ignore[type-arg]


_TEXT = forms.Textarea(attrs={"rows": 4})
_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class PublicComplaintForm(forms.Form):
    """Anyone's report of an ethics concern (R55); no account, no outside service."""

    institution = ObjectChoiceField(
        label=_("Institution"), queryset=Institution.objects.order_by("name")
    )
    committee = ObjectChoiceField(
        label=_("Committee (if you know it)"),
        queryset=Committee.objects.order_by("name"),
        required=False,
    )
    subject_kind = forms.ChoiceField(label=_("The concern is about"), choices=SubjectKind.choices)
    project_text = forms.CharField(
        label=_("Project number or title"), max_length=300, required=False
    )
    person_text = forms.CharField(label=_("Person concerned"), max_length=200, required=False)
    summary = forms.CharField(label=_("Summary"), max_length=200)
    description = forms.CharField(label=_("What happened"), max_length=10000, widget=_TEXT)
    anonymous = forms.BooleanField(label=_("Report anonymously"), required=False)
    reporter_kind = forms.ChoiceField(label=_("You are"), choices=ReporterKind.choices)
    reporter_name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    reporter_contact = forms.CharField(
        label=_("How to reach you (telephone or e-mail)"), max_length=200, required=False
    )
    # A field people never see (hidden by the stylesheet): what fills it is a robot.
    website = forms.CharField(label=_("Leave this empty"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("website"):
            raise ValidationError(_("This report could not be accepted."), code="robot")
        committee = data.get("committee")
        institution = data.get("institution")
        if (
            committee is not None
            and institution is not None
            and committee.institution_id != institution.pk
        ):
            self.add_error(
                "committee",
                ValidationError(
                    _("This committee does not belong to that institution."), code="mismatch"
                ),
            )
        if not data.get("anonymous"):
            for name in ("reporter_name", "reporter_contact"):
                if not (data.get(name) or "").strip():
                    self.add_error(
                        name,
                        ValidationError(_("Give this, or report anonymously."), code="required"),
                    )
        if data.get("subject_kind") == SubjectKind.PROJECT and not data.get("project_text"):
            self.add_error(
                "project_text",
                ValidationError(_("Name the project (number or title)."), code="required"),
            )
        return data


class AcknowledgeForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the reporter"), max_length=5000, required=False, widget=_TEXT
    )


# R55: what triage may decide (the API schema's TriageOutcomeEnum).
TRIAGE_OUTCOMES = [
    (ComplaintStatus.ACCEPTED, ComplaintStatus.ACCEPTED.label),
    (ComplaintStatus.NOT_ACCEPTED, _("Not accepted")),
    (ComplaintStatus.REFERRED, _("Referred")),
]


class TriageForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=TRIAGE_OUTCOMES)
    reason = forms.CharField(label=_("Reasons"), max_length=5000, required=False, widget=_TEXT)
    referred_to = forms.CharField(label=_("Referred to"), max_length=200, required=False)
    message = forms.CharField(
        label=_("Message to the reporter"), max_length=5000, required=False, widget=_TEXT
    )


class LinkForm(forms.Form):
    projects = forms.ModelMultipleChoiceField(
        label=_("Projects"), queryset=Project.objects.none(), required=False
    )
    persons = PeopleField(label=_("People"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, complaint: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        institution_id = complaint.institution_id if complaint is not None else 0
        _choices(self, "projects").queryset = Project.objects.filter(institution_id=institution_id)
        _choices(self, "persons").queryset = User.objects.filter(is_active=True)
        if complaint is not None and not self.is_bound:
            projects = getattr(complaint, "project_list", None)
            persons = getattr(complaint, "person_list", None)
            projects = complaint.projects.all() if projects is None else projects
            persons = complaint.persons.all() if persons is None else persons
            self.initial = {
                "projects": [p.pk for p in projects],
                "persons": [p.username for p in persons],
            }


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), max_length=5000, widget=_TEXT)
    to_reporter = forms.BooleanField(
        label=_("Show it to the reporter (on the receipt page)"), required=False
    )


class CloseComplaintForm(forms.Form):
    reason = forms.CharField(label=_("How it was handled"), max_length=5000, widget=_TEXT)
    message = forms.CharField(
        label=_("Message to the reporter"), max_length=5000, required=False, widget=_TEXT
    )


class InvestigateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    scope = forms.CharField(label=_("Scope"), max_length=5000, required=False, widget=_TEXT)
    handling_body = forms.ChoiceField(
        label=_("Handling body (R56)"), choices=HandlingBody.choices, initial=HandlingBody.UNIT
    )


class InvestigationOpenForm(InvestigateForm):
    committee = ObjectChoiceField(label=_("Committee"), queryset=Committee.objects.none())
    persons = PeopleField(
        label=_("Persons concerned"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "committee").queryset = _managed(user)
        _choices(self, "persons").queryset = User.objects.filter(is_active=True)


def _managed(user: Any) -> Any:
    from committees.models import MANAGING_ROLES
    from committees.policies import current_memberships

    if user is None or not getattr(user, "is_authenticated", False):
        return Committee.objects.none()
    if user.is_superuser:
        return Committee.objects.order_by("name")
    managed = current_memberships(user).filter(role__in=MANAGING_ROLES).values("committee_id")
    qs = Committee.objects.filter(pk__in=managed)
    if user.institution_admin and user.institution_id:
        qs = qs | Committee.objects.filter(institution_id=user.institution_id)
    return qs.distinct().order_by("name")


class StepForm(PlausibleDates, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=StepKind.choices)
    happened_on = forms.DateField(label=_("Date"), widget=_DATE)
    title = forms.CharField(label=_("Title"), max_length=200)
    interviewee = forms.CharField(label=_("Interviewee"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=20000, required=False, widget=_TEXT)

    def clean_happened_on(self) -> Any:
        value = self.cleaned_data["happened_on"]
        if value > timezone.localdate():
            raise ValidationError(_("This date cannot be in the future."), code="future_date")
        return value


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("file"), widget=forms.FileInput, help_text=uploads.UPLOAD_HELP)


class ConcludeForm(forms.Form):
    finding = forms.ChoiceField(label=_("Finding"), choices=Finding.choices)
    conclusion = forms.CharField(label=_("Conclusion"), max_length=20000, widget=_TEXT)


class MeasureForm(PlausibleDates, forms.Form):
    description = forms.CharField(label=_("Measure"), max_length=300)
    due_on = forms.DateField(label=_("Due on"), widget=_DATE)
    responsible = PeopleField(label=_("Responsible"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "responsible").queryset = User.objects.filter(is_active=True)

    def clean_responsible(self) -> Any:
        people = self.cleaned_data.get("responsible") or []
        if len(people) > 1:
            raise ValidationError(_("Name one person."), code="too_many")
        return people[0] if people else None


class MeasureDoneForm(PlausibleDates, forms.Form):
    measure = ObjectChoiceField(label=_("Measure"), queryset=CorrectiveMeasure.objects.none())
    completed_on = forms.DateField(label=_("Completed on"), widget=_DATE)
    note = forms.CharField(label=_("How it was done"), max_length=5000, widget=_TEXT)

    def __init__(self, *args: Any, investigation: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "measure").queryset = CorrectiveMeasure.objects.filter(
            investigation=investigation, completed_on=None
        )

    def clean_completed_on(self) -> Any:
        value = self.cleaned_data["completed_on"]
        if value > timezone.localdate():
            raise ValidationError(_("This date cannot be in the future."), code="future_date")
        return value


class ReferralForm(forms.Form):
    authority = forms.CharField(label=_("Competent authority"), max_length=200)
