"""Quality control's and the expert pool's state changes, declared once for pages and the API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ethics.actions import Action, ActionTable, Call, policy
from ethics.models import User
from oversight import quality_forms as forms
from oversight import quality_selectors as selectors
from oversight.models_quality import EvaluationState, QualityAudit, SelfEvaluation
from oversight.quality_policies import may_organise_panel, may_use_pool, may_use_quality
from oversight.services import quality as services


def _user_kwargs(actor: User, target: Any) -> dict[str, Any]:
    return {"user": actor}


def _evaluation_kwargs(actor: User, target: SelfEvaluation) -> dict[str, Any]:
    return {"evaluation": target}


def _audit_kwargs(actor: User, target: QualityAudit) -> dict[str, Any]:
    return {"audit": target}


def _may_use_quality(actor: User, target: Any) -> bool:
    return may_use_quality(actor)


def _may_use_pool(actor: User, target: Any) -> bool:
    return may_use_pool(actor)


def _is_open(evaluation: SelfEvaluation) -> bool:
    return evaluation.state == EvaluationState.OPEN


# --- self-evaluations (B1) ----------------------------------------------------------------------


def _open(call: Call) -> Any:
    data = call.data
    return services.evaluation_open(
        committee_id=data["committee"].pk,
        period_start=data["period_start"],
        period_end=data["period_end"],
        actor=call.actor,
    )


def _answer(call: Call) -> Any:
    data = call.data
    return services.item_answer(
        evaluation_id=call.target.pk,
        item_id=data["item"].pk,
        finding=data["finding"],
        evidence=data["evidence"],
        actor=call.actor,
    )


def _corrective(call: Call) -> Any:
    data = call.data
    return services.corrective_add(
        evaluation_id=call.target.pk,
        description=data["description"],
        due_on=data.get("due_on"),
        owner=data.get("owner"),
        item_id=data["item"].pk if data.get("item") else None,
        actor=call.actor,
    )


def _corrective_close(call: Call) -> Any:
    return services.corrective_close(
        evaluation_id=call.target.pk,
        action_id=call.data["action"].pk,
        outcome=call.data["outcome"],
        actor=call.actor,
    )


def _confirm_close(call: Call) -> Any:
    return _(
        "The self-evaluation is closed with this summary; its findings can no longer change. "
        "Open corrective actions keep their clocks."
    )


def _close(call: Call) -> Any:
    return services.evaluation_close(
        evaluation_id=call.target.pk, summary=call.data["summary"], actor=call.actor
    )


EVALUATIONS = ActionTable(
    "oversight.quality_evaluation",
    load=lambda user, pk: selectors.evaluation_get_for_user(user, pk),
    actions=[
        Action(
            "open",
            run=_open,
            label=_("Open a self-evaluation"),
            input=forms.EvaluationOpenForm,
            form_kwargs=_user_kwargs,
            allowed=_may_use_quality,
            detail=False,
            status=201,
            done=_("The self-evaluation was opened."),
        ),
        Action(
            "answer",
            run=_answer,
            label=_("Record the finding"),
            input=forms.ItemAnswerForm,
            form_kwargs=_evaluation_kwargs,
            allowed=policy("change"),
            shown=_is_open,
            done=_("The finding was recorded."),
        ),
        Action(
            "corrective",
            run=_corrective,
            label=_("Add a corrective action"),
            input=forms.CorrectiveAddForm,
            form_kwargs=_evaluation_kwargs,
            allowed=policy("change"),
            shown=_is_open,
            done=_("The corrective action was added; its clock is running."),
        ),
        Action(
            "corrective_close",
            run=_corrective_close,
            label=_("Complete a corrective action"),
            input=forms.CorrectiveCloseForm,
            form_kwargs=_evaluation_kwargs,
            allowed=policy("change"),
            url_path="corrective-close",
            done=_("The corrective action was completed."),
        ),
        Action(
            "close",
            run=_close,
            confirm=_confirm_close,
            label=_("Close the self-evaluation"),
            input=forms.EvaluationCloseForm,
            form_kwargs=_evaluation_kwargs,
            allowed=policy("change"),
            shown=_is_open,
            done=_("The self-evaluation was closed."),
        ),
    ],
)


# --- quality audits (B1) ------------------------------------------------------------------------


def _draw(call: Call) -> Any:
    data = call.data
    return services.audit_draw(
        committee_id=data["committee"].pk,
        period_start=data["period_start"],
        period_end=data["period_end"],
        size=data["size"],
        seed=data.get("seed") or "",
        actor=call.actor,
    )


def _record(call: Call) -> Any:
    data = call.data
    return services.sample_record(
        audit_id=call.target.pk,
        sample_id=data["sample"].pk,
        finding=data["finding"],
        notes=data.get("notes") or "",
        actor=call.actor,
    )


AUDITS = ActionTable(
    "oversight.quality_audit",
    load=lambda user, pk: selectors.audit_get_for_user(user, pk),
    actions=[
        Action(
            "draw",
            run=_draw,
            label=_("Draw a sample of reviews"),
            input=forms.AuditDrawForm,
            form_kwargs=_user_kwargs,
            allowed=_may_use_quality,
            detail=False,
            status=201,
            done=_("The sample was drawn."),
        ),
        Action(
            "record",
            run=_record,
            label=_("Record the audit finding"),
            input=forms.SampleRecordForm,
            form_kwargs=_audit_kwargs,
            allowed=policy("change"),
            done=_("The audit finding was recorded."),
        ),
    ],
)


# --- the expert pool (R40, B11) -----------------------------------------------------------------


def _add(call: Call) -> Any:
    data = call.data
    return services.expert_add(
        actor=call.actor,
        name=data.get("name") or "",
        user=data.get("account"),
        committee=data.get("committee"),
        authority=data.get("authority") or "",
        fields_of_work=data["fields_of_work"],
        institution=data.get("institution"),
        affiliation=data.get("affiliation") or "",
        declared_interests=data.get("declared_interests") or "",
    )


def _interest(call: Call) -> Any:
    data = call.data
    return services.interest_add(
        expert_id=call.target.pk,
        institution=data.get("institution"),
        project=data.get("project"),
        description=data["description"],
        actor=call.actor,
    )


EXPERTS = ActionTable(
    "oversight.pool_expert",
    load=lambda user, pk: selectors.expert_get_for_user(user, pk),
    actions=[
        Action(
            "add",
            run=_add,
            label=_("Add an expert to the pool"),
            input=forms.ExpertAddForm,
            form_kwargs=_user_kwargs,
            allowed=_may_use_pool,
            detail=False,
            status=201,
            done=_("The expert was added to the pool."),
        ),
        Action(
            "interest",
            run=_interest,
            label=_("Record a declared interest"),
            input=forms.InterestAddForm,
            form_kwargs=_user_kwargs,
            allowed=policy("change"),
            done=_("The declared interest was recorded."),
        ),
    ],
)


# --- the panel of one re-review (R40) -----------------------------------------------------------


def _seat(call: Call) -> Any:
    return services.panel_seat(
        rereview_id=call.target.pk, experts=list(call.data["experts"]), actor=call.actor
    )


PANELS = ActionTable(
    "oversight.rereview_panel",
    load=lambda user, pk: selectors.rereview_for_panel(user, pk),
    actions=[
        Action(
            "seat",
            run=_seat,
            label=_("Seat the panel"),
            input=forms.PanelSeatForm,
            allowed=may_organise_panel,
            rule="R40",
            done=_("The panel was seated."),
        ),
    ],
)
