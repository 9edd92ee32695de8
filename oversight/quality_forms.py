"""Inputs of quality control (B1) and the expert pool (R40, B11): one form per action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from committees.models import FieldOfWork
from ethics import policies
from ethics.forms import ObjectChoiceField, PersonField, PlausibleDates
from ethics.models import Authority, Institution, User
from oversight.models_quality import (
    CorrectiveState,
    Finding,
    PoolExpert,
    SampleFinding,
    SelfEvaluation,
)
from oversight.quality_policies import managed_committees
from reviews.models import Project

_TEXT_MAX = 4000


def _text(label: Any, *, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class _PeriodForm(PlausibleDates, forms.Form):
    committee = ObjectChoiceField(label=_("Committee"), queryset=User.objects.none())
    period_start = forms.DateField(
        label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Period to"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = managed_committees(user).order_by("name")


class EvaluationOpenForm(_PeriodForm):
    pass


class AuditDrawForm(_PeriodForm):
    size = forms.IntegerField(label=_("Reviews to sample"), min_value=1, max_value=100)
    seed = forms.RegexField(
        label=_("Random seed (leave empty for a new one)"),
        regex=r"^[0-9A-Za-z_-]{1,32}$",
        required=False,
        max_length=32,
    )


class _EvaluationPart(forms.Form):
    def __init__(self, *args: Any, evaluation: SelfEvaluation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.evaluation = evaluation


class ItemAnswerForm(_EvaluationPart):
    item = ObjectChoiceField(label=_("Checklist item"), queryset=User.objects.none())
    finding = forms.ChoiceField(label=_("Finding"), choices=Finding.choices)
    evidence = _text(_("Evidence"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = self.evaluation.items.all()


class CorrectiveAddForm(PlausibleDates, _EvaluationPart):
    description = _text(_("Corrective action"))
    due_on = forms.DateField(
        label=_("Due on (empty: the rule set's default)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    owner = PersonField(
        label=_("Responsible person (username)"), queryset=User.objects.none(), required=False
    )
    item = ObjectChoiceField(
        label=_("Checklist item"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = self.evaluation.items.all()
        committee = self.evaluation.committee
        self.fields["owner"].queryset = User.objects.filter(
            Q(memberships__committee=committee) | Q(institution_id=committee.institution_id),
            is_active=True,
        ).distinct()


class CorrectiveCloseForm(_EvaluationPart):
    action = ObjectChoiceField(label=_("Corrective action"), queryset=User.objects.none())
    outcome = _text(_("What was done"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = self.evaluation.corrective_actions.filter(
            state=CorrectiveState.OPEN
        )


class EvaluationCloseForm(_EvaluationPart):
    summary = _text(_("Summary"), rows=4)


class SampleRecordForm(forms.Form):
    sample = ObjectChoiceField(label=_("Sampled review"), queryset=User.objects.none())
    finding = forms.ChoiceField(label=_("Finding"), choices=SampleFinding.choices)
    notes = _text(_("Notes"), required=False)

    def __init__(self, *args: Any, audit: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sample"].queryset = audit.samples.all()


class ExpertAddForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    account = PersonField(
        label=_("Account (username; empty for an external expert)"),
        queryset=User.objects.none(),
        required=False,
    )
    committee = ObjectChoiceField(
        label=_("Kept by committee"), queryset=User.objects.none(), required=False
    )
    authority = forms.ChoiceField(
        label=_("Kept by authority"), choices=[("", "—"), *Authority.choices], required=False
    )
    fields_of_work = forms.MultipleChoiceField(
        label=_("Fields"), choices=FieldOfWork.choices, widget=forms.CheckboxSelectMultiple
    )
    institution = ObjectChoiceField(
        label=_("Affiliation"), queryset=Institution.objects.none(), required=False
    )
    affiliation = forms.CharField(
        label=_("Affiliation (outside the system)"), max_length=200, required=False
    )
    declared_interests = _text(_("Declared interests"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = User.objects.filter(is_active=True)
        self.fields["committee"].queryset = managed_committees(user).order_by("name")
        self.fields["institution"].queryset = Institution.objects.order_by("name")


class InterestAddForm(forms.Form):
    institution = ObjectChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), required=False
    )
    project = ObjectChoiceField(label=_("Project"), queryset=User.objects.none(), required=False)
    description = _text(_("Interest"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.order_by("name")
        self.fields["project"].queryset = policies.visible(user, Project.objects.all())


class PanelSeatForm(forms.Form):
    experts = forms.ModelMultipleChoiceField(
        label=_("Experts"),
        queryset=PoolExpert.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = PoolExpert.objects.filter(active=True).order_by(
            "name", "id"
        )
