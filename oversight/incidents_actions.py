"""The state changes of incidents, the risk register and funding records (ethics.actions tables),
for their pages and the API alike."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ethics.actions import Action, ActionTable, Call, policy
from ethics.models import User
from oversight import incidents_forms as forms
from oversight import incidents_policies as office
from oversight import incidents_selectors as selectors
from oversight.models_incidents import Incident, IncidentStatus, RiskEntry
from oversight.services import incidents as services


def _signed_in(user: User, target: Any) -> bool:
    return True  # the form's project choices and the service decide which projects


def _actor_kwargs(user: User, target: Any) -> dict[str, Any]:
    return {"actor": user}


# --- incidents ------------------------------------------------------------------------------------


def _report(call: Call) -> Any:
    data = dict(call.data)
    project = data.pop("project")
    return services.incident_report(project_id=project.pk, actor=call.actor, **data)


def _follow_up(call: Call) -> Any:
    return services.incident_follow_up(
        incident_id=call.target.pk, note=call.data["note"], actor=call.actor
    )


def _escalate(call: Call) -> Any:
    return services.incident_escalate(
        incident_id=call.target.pk, reason=call.data["reason"], actor=call.actor
    )


def _close(call: Call) -> Any:
    return services.incident_close(
        incident_id=call.target.pk, summary=call.data["summary"], actor=call.actor
    )


def _incident_open(incident: Incident) -> bool:
    return incident.status != IncidentStatus.CLOSED


INCIDENTS = ActionTable(
    "oversight.incident",
    load=lambda user, pk: selectors.incident_get_for_user(user, pk),
    actions=[
        Action(
            "create",
            run=_report,
            label=_("Report an incident"),
            input=forms.IncidentForm,
            form_kwargs=_actor_kwargs,
            allowed=_signed_in,
            rule="R30",
            done=_("The incident was reported."),
            detail=False,
            status=201,
            on_page=False,
        ),
        Action(
            "follow_up",
            run=_follow_up,
            label=_("Add a follow-up"),
            input=forms.FollowUpForm,
            allowed=policy("follow_up"),
            shown=_incident_open,
            done=_("The follow-up was recorded."),
            url_path="follow-up",
            status=201,
        ),
        Action(
            "escalate",
            run=_escalate,
            label=_("Escalate to the chair and the institution"),
            input=forms.EscalateForm,
            allowed=policy("escalate"),
            shown=lambda incident: incident.status == IncidentStatus.OPEN,
            done=_("The incident was escalated."),
        ),
        Action(
            "close",
            run=_close,
            label=_("Close the incident"),
            input=forms.CloseIncidentForm,
            allowed=policy("close"),
            who=_("The committee's chair, vice-chair or secretary closes an incident."),
            rule="R30",
            shown=_incident_open,
            done=_("The incident was closed."),
        ),
    ],
)


# --- the risk register ----------------------------------------------------------------------------


def _register(call: Call) -> Any:
    data = dict(call.data)
    project = data.pop("project")
    return services.risk_register(project_id=project.pk, actor=call.actor, **data)


def _review(call: Call) -> Any:
    return services.risk_review(entry_id=call.target.pk, actor=call.actor, **call.data)


def _risk_close(call: Call) -> Any:
    return services.risk_close(
        entry_id=call.target.pk, reason=call.data["reason"], actor=call.actor
    )


def _risk_open(entry: RiskEntry) -> bool:
    return entry.closed_at is None


RISKS = ActionTable(
    "oversight.risk",
    load=lambda user, pk: selectors.risk_get_for_user(user, pk),
    actions=[
        Action(
            "create",
            run=_register,
            label=_("Enter a risk in the register"),
            input=forms.RiskForm,
            form_kwargs=_actor_kwargs,
            # Officers and institution admins only (R36/R45); the form's people picker must not
            # show a researcher the committee's people (R8).
            allowed=lambda actor, target: office.may_see_office_panels(actor),
            rule="R45",
            done=_("The risk was entered in the register."),
            detail=False,
            status=201,
            on_page=False,
        ),
        Action(
            "review",
            run=_review,
            label=_("Record a review"),
            input=forms.RiskReviewForm,
            allowed=policy("review"),
            rule="R45",
            shown=_risk_open,
            done=_("The review was recorded."),
            status=201,
        ),
        Action(
            "close",
            run=_risk_close,
            label=_("Close the risk"),
            input=forms.RiskCloseForm,
            allowed=policy("close"),
            shown=_risk_open,
            done=_("The risk was closed."),
        ),
    ],
)


# --- funded programmes (R59) ----------------------------------------------------------------------


def _add(call: Call) -> Any:
    data = dict(call.data)
    project = data.pop("project")
    return services.funding_add(project_id=project.pk, actor=call.actor, **data)


def _update(call: Call) -> Any:
    return services.funding_update(funding_id=call.target.pk, actor=call.actor, **call.data)


def _remove(call: Call) -> Any:
    return services.funding_remove(funding_id=call.target.pk, actor=call.actor)


def _issue(call: Call) -> Any:
    return services.statement_issue(funding_id=call.target.pk, actor=call.actor)


def _confirm_remove(call: Call) -> Any:
    return _(
        "The funding record %(grant)s is removed from the project. Statements issued for it "
        "stay verifiable."
    ) % {"grant": call.target.grant_number}


FUNDINGS = ActionTable(
    "oversight.funding",
    load=lambda user, pk: selectors.funding_get_for_user(user, pk),
    actions=[
        Action(
            "create",
            run=_add,
            label=_("Record funding"),
            input=forms.FundingForm,
            form_kwargs=_actor_kwargs,
            allowed=_signed_in,
            rule="R59",
            done=_("The funding was recorded."),
            detail=False,
            status=201,
            on_page=False,
        ),
        Action(
            "update",
            run=_update,
            label=_("Correct"),
            input=forms.FundingUpdateForm,
            allowed=policy("change"),
            done=_("The funding record was corrected."),
        ),
        Action(
            "remove",
            run=_remove,
            label=_("Remove"),
            allowed=policy("remove"),
            confirm=_confirm_remove,
            done=_("The funding record was removed."),
            # The removed record leaves the lists, so the answer is not the reloaded target.
            respond=lambda call, funding: {"id": funding.pk, "removed_at": funding.removed_at},
        ),
        Action(
            "issue_statement",
            run=_issue,
            label=_("Issue an approval statement for the funder"),
            allowed=policy("issue_statement"),
            rule="R59",
            done=_("The statement is being prepared; this page shows it when ready."),
            url_path="statement",
            status=201,
        ),
    ],
)
