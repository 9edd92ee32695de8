"""HTML forms; they validate input, the services decide and record."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from committees.models import (
    Committee,
    DocumentKind,
    Entrustment,
    FieldOfWork,
    Institution,
    Membership,
    Pledge,
    RegimeChoice,
    Training,
)
from ethics.models import User
from ethics.validators import normalize_credit_code


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class InstitutionForm(forms.ModelForm):
    class Meta:
        model = Institution
        fields = ["name", "credit_code", "kind", "authority", "authority_other", "region"]

    def clean_credit_code(self) -> str:
        return normalize_credit_code(self.cleaned_data["credit_code"])


class CommitteeForm(forms.ModelForm):
    regimes = forms.MultipleChoiceField(
        label=_("regimes"), choices=RegimeChoice.choices, widget=forms.CheckboxSelectMultiple
    )
    fields_of_work = forms.MultipleChoiceField(
        label=_("fields of work"),
        choices=FieldOfWork.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Committee
        fields = ["name", "kind", "regimes", "fields_of_work", "established_on"]
        widgets = {"established_on": DateInput()}


def candidate_people(committee: Committee) -> Any:
    """People a secretary can appoint: the institution's users and people who sat on its committees."""
    return (
        User.objects.filter(
            Q(institution_id=committee.institution_id)
            | Q(memberships__committee__institution_id=committee.institution_id),
            is_active=True,
        )
        .distinct()
        .order_by("name", "username")
    )


class MembershipForm(forms.ModelForm):
    """Appoint an existing person, or create an account for a new one (e.g. an external expert)."""

    user = forms.ModelChoiceField(label=_("person"), queryset=User.objects.none(), required=False)
    new_name = forms.CharField(label=_("or a new person: name"), max_length=150, required=False)
    new_email = forms.EmailField(label=_("new person: e-mail"), required=False)
    appointment_file = forms.FileField(label=_("appointment document"), required=False)

    class Meta:
        model = Membership
        fields = [
            "role",
            "expertise",
            "gender",
            "external",
            "local_knowledge",
            "title",
            "term_start",
            "term_end",
            "appointment_ref",
        ]
        widgets = {"term_start": DateInput(), "term_end": DateInput()}

    def __init__(
        self, *args: Any, committee: Committee, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.committee = committee
        if editing:
            for name in ("user", "new_name", "new_email", "appointment_file"):
                del self.fields[name]
        else:
            self.fields["user"].queryset = candidate_people(committee)
            self.fields["user"].label_from_instance = lambda u: f"{u.display_name} ({u.username})"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "user" in self.fields and not data.get("user") and not data.get("new_name"):
            self.add_error("user", _("Choose a person or enter a new person's name."))
        return data


class EndMembershipForm(forms.Form):
    ended_on = forms.DateField(label=_("last day in office"), widget=DateInput())
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("title"), max_length=200, required=False)
    effective_on = forms.DateField(label=_("effective on"), required=False, widget=DateInput())
    file = forms.FileField(label=_("file"))


class PledgeForm(forms.ModelForm):
    file = forms.FileField(label=_("signed copy"), required=False)

    class Meta:
        model = Pledge
        fields = ["kind", "signed_on", "valid_until", "note"]
        widgets = {"signed_on": DateInput(), "valid_until": DateInput()}


class TrainingForm(forms.ModelForm):
    file = forms.FileField(label=_("certificate"), required=False)

    class Meta:
        model = Training
        fields = ["title", "provider", "completed_on", "hours"]
        widgets = {"completed_on": DateInput()}


class EntrustmentForm(forms.ModelForm):
    agreement = forms.FileField(label=_("signed agreement"))

    class Meta:
        model = Entrustment
        fields = ["entrusting_institution", "scope", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args: Any, committee: Committee, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entrusting_institution"].queryset = Institution.objects.exclude(
            pk=committee.institution_id
        )
