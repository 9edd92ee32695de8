"""The input of every committees action (committees/actions.py), for the pages and the API alike.

Field names follow api.md and the API's serializers. The forms validate input; the services
decide and record. Forms that change an existing row take `partial=True` from the API's PATCH.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from committees import selectors
from committees.models import (
    Committee,
    CommitteeKind,
    DocumentKind,
    Entrustment,
    FieldOfWork,
    ImportKind,
    Institution,
    Membership,
    Pledge,
    RegimeChoice,
    Role,
    Training,
)
from ethics import channels, uploads
from ethics.channel_models import Vendor
from ethics.forms import ObjectChoiceField, PartialForm, PlausibleDates, validate_within_horizon
from ethics.models import User
from ethics.validators import normalize_credit_code


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _unique(values: list[str]) -> list[str]:
    """The chosen values once each, in the order given."""
    return list(dict.fromkeys(values))


class InstitutionForm(PartialForm, forms.ModelForm):
    class Meta:
        model = Institution
        fields = ["name", "credit_code", "kind", "authority", "authority_other", "region"]

    def clean_credit_code(self) -> str:
        return normalize_credit_code(self.cleaned_data["credit_code"])


class CommitteeForm(PlausibleDates, PartialForm, forms.ModelForm):
    """A committee's particulars; its institution never changes."""

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
        fields = [
            "name",
            "kind",
            "regimes",
            "fields_of_work",
            "established_on",
            "emergency_member_review",
        ]
        widgets = {"established_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].required = False  # the model's default when left out

    def clean_kind(self) -> str:
        return self.cleaned_data.get("kind") or CommitteeKind.INSTITUTIONAL

    def clean_regimes(self) -> list[str]:
        return _unique(self.cleaned_data["regimes"])

    def clean_fields_of_work(self) -> list[str]:
        return _unique(self.cleaned_data.get("fields_of_work") or [])


class CommitteeCreateForm(CommitteeForm):
    """A new committee of an institution the person can see, unless the page's URL names it."""

    institution = ObjectChoiceField(label=_("institution"), queryset=Institution.objects.none())

    field_order = ["institution"]

    def __init__(
        self, *args: Any, actor: User, institution: Institution | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if institution is not None:
            del self.fields["institution"]
        else:
            self.fields["institution"].queryset = selectors.institutions_for_user(actor)


def candidate_people(committee: Committee) -> QuerySet[User]:
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


class MembershipForm(PlausibleDates, PartialForm, forms.ModelForm):
    """An appointment's role, categories and term (api.md memberships)."""

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "role" in self.fields:
            self.fields["role"].required = False  # an ordinary member when left out

    def clean_role(self) -> str:
        return self.cleaned_data.get("role") or Role.MEMBER

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = data.get("term_start", self.instance.term_start if self.instance.pk else None)
        end = data.get("term_end", self.instance.term_end if self.instance.pk else None)
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.add_error(
                "term_end" if "term_end" in self.fields else None,
                forms.ValidationError(_("The term cannot end before it starts."), code="invalid"),
            )
        # A term may have begun; neither end lies past the horizon (ethics.forms).
        for name in ("term_start", "term_end"):
            value = data.get(name)
            if isinstance(value, date) and name not in self.errors:
                try:
                    validate_within_horizon(value)
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data


class MembershipAddForm(MembershipForm):
    """Appoint an existing person, or create an account for a new one (e.g. an external expert)."""

    user = ObjectChoiceField(label=_("person"), queryset=User.objects.none(), required=False)
    new_name = forms.CharField(label=_("or a new person: name"), max_length=150, required=False)
    new_email = forms.EmailField(label=_("new person: e-mail"), required=False)
    appointment_file = forms.FileField(
        label=_("appointment document"),
        required=False,
        widget=forms.FileInput,
        help_text=uploads.UPLOAD_HELP,
    )

    field_order = ["user", "new_name", "new_email"]

    def __init__(self, *args: Any, committee: Committee, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.committee = committee
        self.fields["user"].queryset = candidate_people(committee)
        # A person by name; the e-mail address (not the username) tells two namesakes apart.
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.display_name} ({u.email})" if u.email else u.display_name
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("user") and not data.get("new_name") and "user" not in self.errors:
            self.add_error("user", _("Choose a person or enter a new person's name."))
        return data


class EndMembershipForm(PlausibleDates, forms.Form):
    ended_on = forms.DateField(label=_("last day in office"), widget=DateInput())
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


class DocumentForm(PlausibleDates, forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("title"), max_length=200, required=False)
    effective_on = forms.DateField(label=_("effective on"), required=False, widget=DateInput())
    file = forms.FileField(label=_("file"), widget=forms.FileInput, help_text=uploads.UPLOAD_HELP)


class PledgeForm(PlausibleDates, forms.ModelForm):
    file = forms.FileField(
        label=_("signed copy"),
        required=False,
        widget=forms.FileInput,
        help_text=uploads.UPLOAD_HELP,
    )

    class Meta:
        model = Pledge
        fields = ["kind", "signed_on", "valid_until", "note"]
        widgets = {"signed_on": DateInput(), "valid_until": DateInput()}


class TrainingForm(PlausibleDates, forms.ModelForm):
    file = forms.FileField(
        label=_("certificate"),
        required=False,
        widget=forms.FileInput,
        help_text=uploads.UPLOAD_HELP,
    )

    class Meta:
        model = Training
        fields = ["title", "provider", "completed_on", "hours"]
        widgets = {"completed_on": DateInput()}


class EntrustmentForm(PlausibleDates, forms.ModelForm):
    entrusting_institution = ObjectChoiceField(
        label=_("entrusting institution"), queryset=Institution.objects.none()
    )
    agreement = forms.FileField(
        label=_("signed agreement"), widget=forms.FileInput, help_text=uploads.UPLOAD_HELP
    )

    class Meta:
        model = Entrustment
        fields = ["entrusting_institution", "scope", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args: Any, committee: Committee, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entrusting_institution"].queryset = Institution.objects.exclude(
            pk=committee.institution_id
        ).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error(
                "ends_on",
                forms.ValidationError(
                    _("The entrustment cannot end before it starts."), code="invalid"
                ),
            )
        return data


class EndEntrustmentForm(PlausibleDates, forms.Form):
    ended_on = forms.DateField(
        label=_("last day"), required=False, widget=DateInput(), help_text=_("Today if empty.")
    )
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


def _overridable_choices() -> list[tuple[str, str]]:
    from ethics import regulations

    return [(name, str(getattr(regulations.MEAS, name).label)) for name in regulations.OVERRIDABLE]


class RuleOverrideForm(forms.Form):
    """The committee's SOP value of one parameter the texts leave to it (B2, R33, R61)."""

    name = forms.ChoiceField(label=_("Rule parameter"), choices=_overridable_choices)
    value = forms.IntegerField(
        label=_("SOP value"),
        required=False,
        min_value=0,
        max_value=100000,
        help_text=_("Empty: use the default of the texts again."),
    )
    reason = forms.CharField(
        label=_("Reason (e.g. the SOP document and its clause)"), max_length=300
    )


class DeputyForm(forms.Form):
    """R20a: the vice-chair the chair designates to act when the chair may not (empty: none)."""

    deputy = ObjectChoiceField(
        label=_("deputy (acting vice-chair)"),
        queryset=Membership.objects.none(),
        required=False,
        help_text=_(
            "Takes the chair's steps on an application the chair leads, is on the team of or "
            "declared a conflict of interest on (R20a). Empty: no deputy; another vice-chair acts."
        ),
    )

    def __init__(self, *args: Any, committee: Committee, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputy"].queryset = selectors.vice_chairs_in_term(committee)
        self.fields["deputy"].label_from_instance = lambda m: m.user.display_name
        if not self.is_bound and committee.deputy_id:
            self.initial.setdefault("deputy", committee.deputy_id)


class ImportForm(forms.Form):
    """A directory sheet to check (README "Directory import"); the check keeps it for applying."""

    kind = forms.ChoiceField(label=_("what the sheet holds"), choices=ImportKind.choices)
    committee = ObjectChoiceField(
        label=_("committee"),
        queryset=Committee.objects.none(),
        required=False,
        help_text=_("For a members sheet: the committee the members sit on."),
    )
    file = forms.FileField(
        label=_("sheet"),
        help_text=_("The template filled in, as .xlsx or .csv (UTF-8 or GB18030), at most 2 MB."),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        from committees.models import ImportKind
        from committees.services import may_import

        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["committee"].queryset = selectors.committees_managed_by(actor)
        self.fields["kind"].choices = [
            (value, label)
            for value, label in ImportKind.choices
            if value == ImportKind.MEMBERS or may_import(actor, value, None)
        ]

    def clean_file(self) -> Any:
        from committees.directory import MAX_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        if not upload.name.lower().endswith((".xlsx", ".csv", ".txt")):
            raise forms.ValidationError(
                _("Upload the template as .xlsx or .csv."), code="file_type"
            )
        return upload


class WebhookForm(forms.Form):
    """A committee's chat-group robot (README "Notifications and calendars")."""

    vendor = forms.ChoiceField(label=_("Service"), choices=Vendor.choices)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("Which group this is, for you (e.g. “委员群”)."),
    )
    url = forms.CharField(
        label=_("Webhook URL"),
        max_length=1000,
        help_text=_("The robot's address from the group settings; it must start with https://."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "DingTalk and Feishu robots with signing on: the secret (SEC…). Never shown again."
        ),
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        problem = channels.webhook_url_problem(url)
        if problem:
            raise forms.ValidationError(problem, code="invalid")
        return url
