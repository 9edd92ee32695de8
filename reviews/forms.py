"""The input of every reviews action: one form each, bound by the page and by the API.

Field names are the API's (api.md). A page offers fewer choices than the form accepts where the
service, not the form, decides: a committee the person knows of (it is listed for them, or
they may see it) but outside R17 is a 409 with the rule. A committee they may not see is an
unknown choice (400), exactly as an id that does not exist, so no answer tells them it exists
(`known_committees`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Final

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from committees.models import Committee, Membership
from ethics import regulations, uploads
from ethics.choice_labels import labeller
from ethics.forms import (
    ObjectChoiceField,
    PartialForm,
    PeopleField,
    PersonField,
    PlausibleDates,
    YesNoField,
    plan_period_errors,
    validate_plausible_date,
)
from ethics.models import User, display_name
from reviews import checklist
from reviews.models import Application, Listing, MajorChange, Project
from reviews.workflow import Kind, Procedure, Verdict


def _offer(field: forms.ChoiceField, choices: Any) -> None:
    """Show only `choices` (a queryset for a model field) on the page; validate as before."""
    if isinstance(field, forms.ModelChoiceField):
        shown = copy.deepcopy(field)
        shown.queryset = choices
        field.widget.choices = shown.choices  # lazy: no query unless the page renders it
    else:
        field.widget.choices = list(choices)


def _known(field: forms.Field, queryset: Any) -> None:
    """Validate a model choice against what the person may know of: any other id, existing or
    not, is the same "invalid choice" (400)."""
    if queryset is not None:
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset


def _annex_choices() -> list[tuple[str, str]]:
    annex = regulations.annex_list_on(timezone.localdate())
    return [("", _("Not listed"))] + [
        (str(item.number), f"{item.number}. {item.title_zh}") for item in annex.items
    ]


def _person_label(user: User) -> str:
    """A person by name; the e-mail address (not the username) tells two namesakes apart."""
    return f"{user.display_name} ({user.email})" if user.email else str(user.display_name)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


def _text(label: Any, *, required: bool = False, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


_MAX_ID = 2**63 - 1  # a bigint primary key
_MAX_SMALL = 32767  # a PositiveSmallIntegerField column


class _Checkbox(forms.CheckboxInput):
    """Reads "on", "true", "1", "false", "0" (any case) or nothing; any other text stays text."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if name not in data:
            return False
        value = data.get(name)
        if isinstance(value, str):
            return {"on": True, "true": True, "1": True, "false": False, "0": False}.get(
                value.lower(), value
            )
        return value


class CheckboxField(forms.BooleanField):
    """A yes/no that may be left out (a page's checkbox, a JSON boolean). Django's own field
    reads any text as "on"; here text that is no answer is an error."""

    widget = _Checkbox

    def to_python(self, value: Any) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise ValidationError(_("Expected true or false."), code="invalid")
        return value


class MomentField(forms.DateTimeField):
    """A date and time the calendars can count from (ethics.forms.PlausibleDates for a moment):
    Django's own field takes 9999-12-31T23:59-12:00, past the last moment a database holds in
    UTC (a 500)."""

    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)
        if moment is not None:
            validate_plausible_date(moment.date())
        return moment


# --- projects -----------------------------------------------------------------------------------


class ProjectForm(PlausibleDates, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    committee = forms.ModelChoiceField(
        label=_("Reviewing committee"), queryset=Committee.objects.all()
    )
    scope = forms.MultipleChoiceField(
        label=_("Scope categories (R12)"),
        choices=checklist.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    listed_item = forms.IntegerField(
        label=_("Annex list item (your declaration; the committee determines it, R37)"),
        min_value=1,
        max_value=_MAX_SMALL,
        required=False,
        widget=forms.Select,
    )
    international = CheckboxField(label=_("International collaboration (R16)"), required=False)
    planned_start = forms.DateField(label=_("Planned start"), required=False, widget=_date_input())
    planned_end = forms.DateField(label=_("Planned end"), required=False, widget=_date_input())
    team = PeopleField(
        label=_("Team"),
        queryset=User.objects.all(),
        required=False,
        help_text=_(
            "Usernames, separated by commas. Those named are invited and join when they accept "
            "(R8)."
        ),
    )

    def __init__(
        self,
        *args: Any,
        committees: Any = None,
        colleagues: Any = None,
        known_committees: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["listed_item"].widget.choices = _annex_choices()
        if "committee" in self.fields:
            _known(self.fields["committee"], known_committees)
        if committees is not None and "committee" in self.fields:
            _offer(self.fields["committee"], committees)
        if colleagues is not None:
            # Suggestions for an unknown entry that is a colleague's name (not their username).
            self.fields["team"].suggest_in = colleagues

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        errors = plan_period_errors(
            data.get("planned_start"), data.get("planned_end"), today=timezone.localdate()
        )
        for name, error in errors.items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, error)
        return data


class InviteForm(forms.Form):
    """``POST /projects/{id}/invitations/``: one person, of any institution (R8)."""

    user = PersonField(label=_("Person"), queryset=User.objects.all())
    role = forms.CharField(label=_("Role in the project"), max_length=100, required=False)

    def __init__(self, *args: Any, colleagues: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if colleagues is not None:
            _offer(self.fields["user"], colleagues)
        self.fields["user"].label_from_instance = _person_label


class ProjectUpdateForm(PartialForm, ProjectForm):
    """PATCH: only the fields sent change; the committee is fixed once the project exists."""

    committee = None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def clean_title(self) -> str:
        title = self.cleaned_data["title"]
        if "title" in self.data and not title.strip():
            raise ValidationError(_("A title is required."), code="required")
        return title

    def changes(self) -> dict[str, Any]:
        """The cleaned values of the fields the request named."""
        return {k: v for k, v in self.cleaned_data.items() if k in self.data}


class PrescreenForm(forms.Form):
    """The Art. 2 questions: the API sends `answers` {question: bool}, the page one checkbox each."""

    answers = forms.JSONField(
        label=_("pre-screen answers"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in checklist.PRESCREEN:
            self.fields[question.key] = CheckboxField(label=question.text, required=False)

    def clean_answers(self) -> dict[str, bool]:
        answers = self.cleaned_data["answers"]
        if answers is None:
            return {}
        keys = {q.key for q in checklist.PRESCREEN}
        if not isinstance(answers, dict) or not all(
            key in keys and isinstance(value, bool) for key, value in answers.items()
        ):
            raise ValidationError(
                _("Answer the pre-screen questions (%(keys)s) with true or false.")
                % {"keys": ", ".join(sorted(keys))},
                code="invalid",
            )
        return answers

    def answered(self) -> dict[str, bool]:
        given = self.cleaned_data["answers"]
        return {
            q.key: bool(given.get(q.key) or self.cleaned_data.get(q.key))
            for q in checklist.PRESCREEN
        }


class ParticipantsForm(forms.Form):
    participating_institutions = forms.ModelMultipleChoiceField(
        label=_("Participating institutions (R31)"),
        queryset=Project._meta.get_field("participating_institutions").related_model.objects.all(),
        required=False,  # an empty list clears them; a missing one is refused below
    )

    def clean(self) -> dict[str, Any]:
        if "participating_institutions" not in self.data:
            self.add_error(
                "participating_institutions",
                ValidationError(
                    self.fields["participating_institutions"].error_messages["required"],
                    code="required",
                ),
            )
        return self.cleaned_data


# --- applications and documents -----------------------------------------------------------------


class ApplicationCreateForm(forms.Form):
    project = forms.IntegerField(
        label=_("Project"), min_value=1, max_value=_MAX_ID, widget=forms.HiddenInput
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, required=False)
    major_change = CheckboxField(
        label=_("Major change (your declaration; the committee classifies it, R46)"),
        required=False,
    )
    summary = _text(_("Summary"), rows=3)
    # R20a: an amendment may propose a team change, applied when the committee approves it.
    # The project page does not list people here (hidden, no query); the API names them.
    team_add = PeopleField(
        label=_("Invite to the team (amendment)"),
        queryset=User.objects.all(),
        required=False,
        widget=forms.MultipleHiddenInput,
    )
    team_remove = PeopleField(
        label=_("Remove from the team (amendment)"),
        queryset=User.objects.all(),
        required=False,
        widget=forms.MultipleHiddenInput,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An appeal is filed from the decision it contests (R27): the service says so, with
        # the rule; the page does not offer it.
        _offer(self.fields["kind"], [(k.value, k.label) for k in Kind if k != Kind.APPEAL])

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or Kind.INITIAL


def _slot_choices(slots: Any) -> list[tuple[str, Any]]:
    labels = dict(checklist.Slot.choices)
    return [(slot, labels[slot]) for slot in slots]


class UploadForm(forms.Form):
    slot = forms.ChoiceField(label=_("Document"), choices=checklist.Slot.choices)
    # The help states the accepted types and the limit (settings.UPLOAD_MAX_BYTES); `accept`
    # narrows the browser's file picker (the bytes are still checked, ethics.uploads).
    file = forms.FileField(
        label=_("File"),
        help_text=uploads.UPLOAD_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT}),
    )

    def __init__(self, *args: Any, slots: Any = None, offered: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if slots is not None:
            self.fields["slot"].choices = _slot_choices(slots)
        if offered is not None:
            _offer(self.fields["slot"], _slot_choices(offered))


class CorrectionForm(UploadForm):
    file = None  # type: ignore[assignment]
    note = _text(_("What needs correcting"), required=True)


class MissingItemsField(forms.MultipleChoiceField):
    """R14: checklist documents by slot, or any other item in words (at most 500 characters)."""

    def valid_value(self, value: Any) -> bool:
        text = str(value).strip()
        return bool(text) and len(text) <= 500


class ReturnForm(forms.Form):
    missing = MissingItemsField(
        label=_("Missing or defective documents"),
        choices=checklist.Slot.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Checklist documents by slot; other items in words."),
    )
    other = _text(_("Other missing items (one per line)"))
    note = _text(_("Note"))

    def items(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data.get("other", "").splitlines()]
        return [*self.cleaned_data.get("missing", []), *(line for line in lines if line)]


class ReasonForm(forms.Form):
    reason = _text(_("Reason"), required=True)


class OptionalReasonForm(forms.Form):
    reason = _text(_("Reason"))


class AcceptForm(forms.Form):
    procedure = forms.ChoiceField(label=_("Procedure"), choices=Procedure.choices)
    # The service checks the ground against the regimes' list (R32, a 409 with the rule); the
    # page offers the list, the API may name any text (the emergency basis, R47, too).
    grounds = forms.CharField(
        label=_("Grounds for the simplified procedure (R32)"),
        required=False,
        widget=forms.Select(
            choices=[("", "—"), *regulations.SIMPLIFIED_GROUND_LABELS.items()],
        ),
    )
    basis = _text(_("Emergency basis (R47)"))

    def __init__(self, *args: Any, application: Application | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if application is not None:
            # R32: the page offers only the grounds of the case's regimes that fit its kind.
            allowed = application.rules.simplified_grounds.value
            fitting = [
                (ground, label)
                for ground, label in regulations.SIMPLIFIED_GROUND_LABELS.items()
                if ground in allowed
                and application.kind in regulations.SIMPLIFIED_GROUND_KINDS.get(ground, ())
            ]
            self.fields["grounds"].widget.choices = [("", "—"), *fitting]

    def grounds_value(self) -> str:
        grounds = self.cleaned_data.get("grounds", "")
        if self.cleaned_data["procedure"] == Procedure.EMERGENCY:
            return self.cleaned_data.get("basis", "") or grounds
        return grounds


# --- the committee's determinations (R16, R37, R46) ---------------------------------------------


# What the secretary may propose (R37) and how the committee classifies an amendment (R46); the
# API schema names them (config.settings ENUM_NAME_OVERRIDES).
PROPOSED_LISTINGS: Final = [
    (Listing.NOT_LISTED.value, Listing.NOT_LISTED.label),
    (Listing.LISTED.value, Listing.LISTED.label),
]
CLASSIFICATIONS: Final = [
    (MajorChange.MAJOR.value, MajorChange.MAJOR.label),
    (MajorChange.MINOR.value, MajorChange.MINOR.label),
]


class ListingProposeForm(forms.Form):
    """R37: the secretary's proposal: not listed, or listed under an item of the annex list."""

    listing = forms.ChoiceField(label=_("Annex list (R37)"), choices=PROPOSED_LISTINGS)
    listed_item = forms.IntegerField(
        label=_("Annex list item"),
        min_value=1,
        max_value=_MAX_SMALL,
        required=False,
        widget=forms.Select,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["listed_item"].widget.choices = [("", "—"), *_annex_choices()[1:]]


class ListingConfirmForm(forms.Form):
    reasons = _text(_("Reasons for the determination (R37)"), required=True)


class ClassifyAmendmentForm(forms.Form):
    """R46: the committee's classification of an amendment."""

    classification = forms.ChoiceField(label=_("Classification (R46)"), choices=CLASSIFICATIONS)
    reasons = _text(_("Reasons"))


class AssignForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(
        label=_("Reviewers"),
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        members: Any = None,
        member_rows: Callable[[], Iterable[tuple[Any, ...]]] | None = None,
        **kwargs: Any,
    ) -> None:
        """``members`` checks what is submitted; ``member_rows`` (the same members as rows,
        ``reviews.selectors.reviewer_candidate_rows``) writes the options when the form's
        choices are read in one query (``ethics.listing.one_query_choices``, issue 18)."""
        super().__init__(*args, **kwargs)
        field = self.fields["reviewers"]
        if members is not None:
            field.queryset = members
        field.label_from_instance = lambda m: _member_label(
            m.user.display_name, m.role, m.expertise
        )
        if member_rows is not None:
            field.make_choice_rows = lambda: [
                (pk, _member_label(display_name(name, first, last, username), role, expertise))
                for pk, name, first, last, username, role, expertise in member_rows()
            ]


def _member_label(name: str, role: str, expertise: str) -> str:
    role_label = labeller(Membership, "role")
    expertise_label = labeller(Membership, "expertise")
    return f"{name} · {role_label(role)} · {expertise_label(expertise)}"


class ExtendForm(forms.Form):
    due_at = MomentField(
        label=_("New due date"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = _text(_("Reason"), required=True)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[(o.value, o.label) for o in regulations.Outcome]
    )
    conditions = _text(_("Modifications required"))
    reasons = _text(_("Reasons"))


class NoteForm(forms.Form):
    note = _text(_("Note"))


class RequiredNoteForm(forms.Form):
    note = _text(_("What is still missing"), required=True)


class SubmitRereviewForm(PlausibleDates, forms.Form):
    authority = forms.CharField(label=_("Organising authority (R38)"), max_length=200)
    submitted_on = forms.DateField(label=_("Submitted on"), required=False, widget=_date_input())

    def __init__(
        self, *args: Any, authorities: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if authorities:  # B12: the rule set names the authorities of the activity's field
            self.fields["authority"] = forms.ChoiceField(
                label=_("Organising authority (R38)"), choices=[("", "---------"), *authorities]
            )


class RecordRereviewForm(PlausibleDates, forms.Form):
    opinion = forms.ChoiceField(
        label=_("Re-review opinion (R42)"),
        choices=[(o.value, o.label) for o in regulations.RereviewOpinion],
    )
    received_on = forms.DateField(label=_("Opinion received on"), widget=_date_input())
    panel_size = forms.IntegerField(
        label=_("Number of experts on the panel (R40)"), min_value=0, max_value=_MAX_SMALL
    )
    authority = forms.CharField(label=_("Organising authority"), max_length=200, required=False)
    reasons = _text(_("Panel's reasons"))
    from_originating_committee = forms.IntegerField(
        label=_("Experts from the originating committee"),
        min_value=0,
        max_value=_MAX_SMALL,
        required=False,
    )


class AppealForm(forms.Form):
    grounds = _text(_("Grounds of the appeal (R27)"), required=True, rows=4)


# --- the reviewer -------------------------------------------------------------------------------


class DeclareForm(forms.Form):
    conflicted = YesNoField(
        label=_("Conflict of interest"),
        choices=[
            ("0", _("I have no conflict of interest")),
            ("1", _("I have a conflict of interest")),
        ],
    )
    note = _text(_("Details"))


class OpinionForm(forms.Form):
    """The verdict and the R22 worksheet: `worksheet` {criterion: met | not_met | na} from the
    API, one select per criterion of the project's scope on the page.

    Nothing is pre-selected: the reviewer chooses the recommendation and answers every
    criterion of the scope (page: the error on each select; API: 400 on `worksheet` with code
    ``required`` naming what is missing).
    """

    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[("", _("Choose…")), *Verdict.choices],
    )
    comments = _text(_("Comments"), rows=4)
    worksheet = forms.JSONField(label=_("Worksheet"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, criteria: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"c_{criterion.key}"] = forms.ChoiceField(
                label=criterion.text,
                choices=[
                    ("", _("Choose…")),
                    ("met", pgettext_lazy("review criterion", "Met")),
                    ("not_met", pgettext_lazy("review criterion", "Not met")),
                    ("na", _("Not applicable")),
                ],
                required=False,  # answered here or in `worksheet`: clean() requires one
            )

    def clean_worksheet(self) -> dict[str, Any]:
        worksheet = self.cleaned_data["worksheet"]
        if worksheet is None:
            return {}
        if not isinstance(worksheet, dict):
            raise ValidationError(
                _("The worksheet names each criterion with its answer."), code="invalid"
            )
        return worksheet

    def clean(self) -> dict[str, Any]:
        """R22: every criterion of the scope is answered (no default answer)."""
        cleaned = super().clean() or {}
        sent = cleaned.get("worksheet") or {}
        if not isinstance(sent, dict) or "worksheet" in self.errors:
            return cleaned
        missing = [c for c in self.criteria if not cleaned.get(f"c_{c.key}") and c.key not in sent]
        if not missing:
            return cleaned
        if any(f"c_{c.key}" in self.data for c in self.criteria):  # the page's selects
            for c in missing:
                field = self.fields[f"c_{c.key}"]
                self.add_error(
                    f"c_{c.key}", ValidationError(field.error_messages["required"], code="required")
                )
        else:
            self.add_error(
                "worksheet",
                ValidationError(
                    _("Answer every review criterion; missing: %(keys)s"),
                    code="required",
                    params={"keys": ", ".join(c.key for c in missing)},
                ),
            )
        return cleaned

    def answers(self) -> dict[str, Any]:
        """The worksheet as sent, with the page's selects for the scope's criteria."""
        page = {
            c.key: self.cleaned_data[f"c_{c.key}"]
            for c in self.criteria
            if self.cleaned_data.get(f"c_{c.key}")
        }
        return {**self.cleaned_data["worksheet"], **page}


class ConflictForm(forms.Form):
    """A standing conflict-of-interest declaration (R20a): for oneself, or by a committee
    officer for one of its members."""

    user = forms.IntegerField(
        label=_("Member"),
        min_value=1,
        max_value=_MAX_ID,
        required=False,
        help_text="Defaults to the caller.",
    )
    reason = _text(_("Reason"), required=True)


# --- mutual recognition -------------------------------------------------------------------------


class RecognitionForm(forms.Form):
    committee = forms.ModelChoiceField(
        label=_("Recognising committee"), queryset=Committee.objects.all()
    )
    decision_number = forms.CharField(label=_("Decision number"), max_length=60)
    verification_hash = forms.CharField(label=_("Verification code (SHA-256)"), max_length=64)
    local_checks = _text(_("What this committee still checks locally"))

    def __init__(
        self, *args: Any, committees: Any = None, known_committees: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _known(self.fields["committee"], known_committees)
        if committees is not None:
            _offer(self.fields["committee"], committees)


class OutsideRecognitionForm(forms.Form):
    """A decision issued by a committee outside this system (R31, N12): its letter and code."""

    committee = forms.ModelChoiceField(
        label=_("Recognising committee"), queryset=Committee.objects.all()
    )
    project = ObjectChoiceField(
        label=_("This committee's record of the activity"), queryset=Project.objects.none()
    )
    issuing_committee = forms.CharField(label=_("Issuing committee"), max_length=200)
    decision_number = forms.CharField(label=_("Decision number"), max_length=60)
    decided_on = forms.DateField(label=_("Decision date"), widget=_date_input())
    letter = forms.FileField(label=_("Decision letter (PDF)"), help_text=uploads.LETTER_HELP)
    verification_hash = forms.RegexField(
        label=_("Verification code (SHA-256)"),
        regex=r"^\s*[0-9a-fA-F]{64}\s*$",
        max_length=80,
        error_messages={"invalid": _("A verification code is 64 hexadecimal characters.")},
    )
    local_checks = _text(_("What this committee still checks locally"))

    def __init__(
        self,
        *args: Any,
        committees: Any = None,
        projects: Any = None,
        known_committees: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _known(self.fields["committee"], known_committees)
        if committees is not None:
            _offer(self.fields["committee"], committees)
        if projects is not None:
            self.fields["project"].queryset = projects

    def clean_decided_on(self) -> Any:
        decided_on = self.cleaned_data["decided_on"]
        if decided_on > timezone.localdate():
            raise forms.ValidationError(_("The decision date cannot be in the future."), "future")
        return decided_on
