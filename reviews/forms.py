"""HTML forms of reviews; each maps onto one service call."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from committees.models import Committee, Membership
from ethics import regulations
from reviews import checklist
from reviews.workflow import Kind, Procedure, Verdict


def _annex_choices() -> list[tuple[str, str]]:
    annex = regulations.annex_list_on(timezone.localdate())
    return [("", _("Not listed"))] + [
        (str(item.number), f"{item.number}. {item.title_zh}") for item in annex.items
    ]


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    committee = forms.ModelChoiceField(
        label=_("Reviewing committee"), queryset=Committee.objects.none()
    )
    scope = forms.MultipleChoiceField(
        label=_("Scope categories (R12)"),
        choices=checklist.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    listed_item = forms.TypedChoiceField(
        label=_("Annex list item (R37)"), choices=(), coerce=int, empty_value=None, required=False
    )
    international = forms.BooleanField(label=_("International collaboration (R16)"), required=False)
    planned_start = forms.DateField(
        label=_("Planned start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_end = forms.DateField(
        label=_("Planned end"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    team = forms.CharField(
        label=_("Team members (user names, comma-separated)"), required=False, max_length=1000
    )

    def __init__(self, *args: Any, committees: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = (
            committees if committees is not None else Committee.objects.all()
        )
        self.fields["listed_item"].choices = _annex_choices()


class PrescreenForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in checklist.PRESCREEN:
            self.fields[question.key] = forms.BooleanField(label=question.text, required=False)


class ApplicationCreateForm(forms.Form):
    # An appeal is filed from the decision it contests (R27).
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(k.value, k.label) for k in Kind if k != Kind.APPEAL]
    )
    major_change = forms.BooleanField(label=_("Major change (R32, R46)"), required=False)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class UploadForm(forms.Form):
    slot = forms.ChoiceField(label=_("Document"), choices=checklist.Slot.choices)
    file = forms.FileField(label=_("File"))


class CorrectionForm(forms.Form):
    slot = forms.ChoiceField(label=_("Document"), choices=checklist.Slot.choices)
    note = forms.CharField(
        label=_("What needs correcting"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(forms.Form):
    missing = forms.MultipleChoiceField(
        label=_("Missing or defective documents"),
        choices=checklist.Slot.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other = forms.CharField(
        label=_("Other missing items (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def items(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data.get("other", "").splitlines()]
        return [*self.cleaned_data.get("missing", []), *(line for line in lines if line)]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AcceptForm(forms.Form):
    procedure = forms.ChoiceField(label=_("Procedure"), choices=Procedure.choices)
    grounds = forms.ChoiceField(
        label=_("Grounds for the simplified procedure (R32)"),
        choices=[("", "—"), *((k, v) for k, v in regulations.SIMPLIFIED_GROUND_LABELS.items())],
        required=False,
    )
    basis = forms.CharField(
        label=_("Emergency basis (R47)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def grounds_value(self) -> str:
        if self.cleaned_data["procedure"] == Procedure.EMERGENCY:
            return self.cleaned_data.get("basis", "")
        return self.cleaned_data.get("grounds", "")


class AssignForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(
        label=_("Reviewers"),
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, members: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["reviewers"].queryset = members
        self.fields["reviewers"].label_from_instance = lambda m: (
            f"{m.user.display_name} · {m.get_role_display()} · {m.get_expertise_display()}"
        )


class ExtendForm(forms.Form):
    due_at = forms.DateTimeField(
        label=_("New due date"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(o.value, o.label) for o in regulations.Outcome],
    )
    conditions = forms.CharField(
        label=_("Modifications required"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reasons = forms.CharField(
        label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeclareForm(forms.Form):
    conflicted = forms.TypedChoiceField(
        label=_("Conflict of interest"),
        choices=[
            ("0", _("I have no conflict of interest")),
            ("1", _("I have a conflict of interest")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class OpinionForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices)
    comments = forms.CharField(
        label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, criteria: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"c_{criterion.key}"] = forms.ChoiceField(
                label=criterion.text,
                choices=[
                    ("met", pgettext_lazy("review criterion", "Met")),
                    ("not_met", pgettext_lazy("review criterion", "Not met")),
                    ("na", _("Not applicable")),
                ],
                initial="met",
            )

    def worksheet(self) -> dict[str, str]:
        return {c.key: self.cleaned_data[f"c_{c.key}"] for c in self.criteria}


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredNoteForm(forms.Form):
    note = forms.CharField(
        label=_("What is still missing"), widget=forms.Textarea(attrs={"rows": 2})
    )


class SubmitRereviewForm(forms.Form):
    authority = forms.CharField(label=_("Organising authority (R38)"), max_length=200)
    submitted_on = forms.DateField(
        label=_("Submitted on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class RecordRereviewForm(forms.Form):
    opinion = forms.ChoiceField(
        label=_("Re-review opinion (R42)"),
        choices=[(o.value, o.label) for o in regulations.RereviewOpinion],
    )
    received_on = forms.DateField(
        label=_("Opinion received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    panel_size = forms.IntegerField(label=_("Number of experts on the panel (R40)"), min_value=0)
    authority = forms.CharField(label=_("Organising authority"), max_length=200, required=False)
    reasons = forms.CharField(
        label=_("Panel's reasons"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AppealForm(forms.Form):
    grounds = forms.CharField(
        label=_("Grounds of the appeal (R27)"), widget=forms.Textarea(attrs={"rows": 4})
    )


class RecognitionForm(forms.Form):
    committee = forms.ModelChoiceField(
        label=_("Recognising committee"), queryset=Committee.objects.none()
    )
    decision_number = forms.CharField(label=_("Decision number"), max_length=60)
    verification_hash = forms.CharField(label=_("Verification code (SHA-256)"), max_length=64)
    local_checks = forms.CharField(
        label=_("What this committee still checks locally"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, committees: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if committees is not None:
            self.fields["committee"].queryset = committees
