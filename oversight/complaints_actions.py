"""The state changes of complaints (R55) and investigations (R56), for the pages and the API.

The public report itself is no table's action: it is taken by people without an account
(`oversight.complaints_views.report`, `oversight.api.complaints.PublicComplaintView`), through
the same form and service.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ethics.actions import Action, ActionTable, Call, policy
from oversight import complaints_forms as forms
from oversight import complaints_selectors as selectors
from oversight.complaints_workflow import ComplaintAction, complaint_actions_from
from oversight.models_complaints import Complaint, Investigation, InvestigationStatus
from oversight.services import complaints as services


def _complaint_offers(*actions: ComplaintAction) -> Any:
    def shown(complaint: Complaint) -> bool:
        return any(a in complaint_actions_from(complaint.status) for a in actions)

    return shown


def _acknowledge(call: Call) -> Any:
    return services.complaint_acknowledge(
        complaint_id=call.target.pk, actor=call.actor, message=call.data.get("message", "")
    )


def _triage(call: Call) -> Any:
    return services.complaint_triage(complaint_id=call.target.pk, actor=call.actor, **call.data)


def _link(call: Call) -> Any:
    return services.complaint_link(
        complaint_id=call.target.pk,
        actor=call.actor,
        projects=list(call.data.get("projects") or []),
        persons=list(call.data.get("persons") or []),
    )


def _message(call: Call) -> Any:
    return services.complaint_message(complaint_id=call.target.pk, actor=call.actor, **call.data)


def _close(call: Call) -> Any:
    return services.complaint_close(complaint_id=call.target.pk, actor=call.actor, **call.data)


def _investigate(call: Call) -> Any:
    return services.investigation_open_from_complaint(
        complaint_id=call.target.pk, actor=call.actor, **call.data
    )


def _confirm_triage(call: Call) -> Any:
    return _(
        "The triage is recorded and the reporter sees the outcome on the receipt page (R55). "
        "This cannot be undone."
    )


COMPLAINTS = ActionTable(
    "oversight.complaint",
    load=lambda user, pk: selectors.complaint_get_for_user(user, pk),
    actions=[
        Action(
            "acknowledge",
            label=_("Acknowledge"),
            run=_acknowledge,
            input=forms.AcknowledgeForm,
            allowed=policy("acknowledge"),
            shown=_complaint_offers(ComplaintAction.ACKNOWLEDGE),
            done=_("The complaint was acknowledged."),
            rule="R55",
        ),
        Action(
            "triage",
            label=_("Triage"),
            run=_triage,
            input=forms.TriageForm,
            allowed=policy("triage"),
            shown=_complaint_offers(ComplaintAction.ACCEPT),
            confirm=_confirm_triage,
            done=_("The triage was recorded."),
            rule="R55",
        ),
        Action(
            "link",
            label=_("Link projects and people"),
            run=_link,
            input=forms.LinkForm,
            form_kwargs=lambda user, complaint: {"complaint": complaint},
            allowed=policy("link"),
            shown=lambda complaint: complaint.is_open,
            done=_("The links were saved."),
            rule="R55",
        ),
        Action(
            "message",
            label=_("Add a message"),
            run=_message,
            input=forms.MessageForm,
            allowed=policy("message"),
            done=_("The message was saved."),
            status=201,
            respond=lambda call, note: {"id": note.pk, "to_reporter": note.to_reporter},
        ),
        Action(
            "investigate",
            label=_("Open an investigation"),
            run=_investigate,
            input=forms.InvestigateForm,
            allowed=policy("investigate"),
            shown=lambda complaint: complaint.status == "accepted",
            done=_("The investigation was opened."),
            status=201,
            rule="R56",
            respond=lambda call, inv: {"id": inv.pk, "number": inv.number},
        ),
        Action(
            "close",
            label=_("Close"),
            run=_close,
            input=forms.CloseComplaintForm,
            allowed=policy("close"),
            shown=_complaint_offers(ComplaintAction.CLOSE),
            done=_("The complaint was closed."),
            rule="R55",
        ),
    ],
)


# --- investigations -----------------------------------------------------------------------------


def _is_open(investigation: Investigation) -> bool:
    return investigation.status == InvestigationStatus.OPEN


def _open(call: Call) -> Any:
    data = dict(call.data)
    return services.investigation_open(
        actor=call.actor, persons=list(data.pop("persons") or []), **data
    )


def _step(call: Call) -> Any:
    return services.investigation_step_add(
        investigation_id=call.target.pk, actor=call.actor, **call.data
    )


def _evidence(call: Call) -> Any:
    return services.evidence_add(investigation_id=call.target.pk, actor=call.actor, **call.data)


def _conclude(call: Call) -> Any:
    return services.investigation_conclude(
        investigation_id=call.target.pk, actor=call.actor, **call.data
    )


def _measure(call: Call) -> Any:
    return services.measure_add(investigation_id=call.target.pk, actor=call.actor, **call.data)


def _measure_done(call: Call) -> Any:
    return services.measure_complete(investigation_id=call.target.pk, actor=call.actor, **call.data)


def _referral(call: Call) -> Any:
    return services.referral_prepare(
        investigation_id=call.target.pk, actor=call.actor, authority=call.data["authority"]
    )


def _close_investigation(call: Call) -> Any:
    return services.investigation_close(investigation_id=call.target.pk, actor=call.actor)


def _may_open(user: Any, target: Any) -> bool:
    from oversight.complaints_policies import may_handle_cases

    return may_handle_cases(user)


INVESTIGATIONS = ActionTable(
    "oversight.investigation",
    load=lambda user, pk: selectors.investigation_get_for_user(user, pk),
    actions=[
        Action(
            "open",
            label=_("Open an investigation"),
            run=_open,
            input=forms.InvestigationOpenForm,
            form_kwargs=lambda user, target: {"user": user},
            allowed=_may_open,
            detail=False,
            on_page=False,
            status=201,
            done=_("The investigation was opened."),
            rule="R56",
        ),
        Action(
            "step",
            label=_("Record a step"),
            run=_step,
            input=forms.StepForm,
            allowed=policy("record"),
            shown=_is_open,
            status=201,
            done=_("The step was recorded."),
            respond=lambda call, step: {"id": step.pk, "kind": step.kind},
        ),
        Action(
            "evidence",
            label=_("Add evidence"),
            run=_evidence,
            input=forms.EvidenceForm,
            allowed=policy("record"),
            shown=_is_open,
            status=201,
            done=_("The evidence was added."),
            respond=lambda call, ev: {"id": ev.pk, "sha256": ev.sha256},
        ),
        Action(
            "measure",
            label=_("Order a corrective measure"),
            run=_measure,
            input=forms.MeasureForm,
            allowed=policy("record"),
            shown=lambda inv: inv.status != InvestigationStatus.CLOSED,
            status=201,
            done=_("The corrective measure was recorded."),
            respond=lambda call, m: {"id": m.pk, "due_on": m.due_on.isoformat()},
        ),
        Action(
            "measure_done",
            label=_("Record a measure as done"),
            run=_measure_done,
            input=forms.MeasureDoneForm,
            form_kwargs=lambda user, inv: {"investigation": inv},
            allowed=policy("record"),
            shown=lambda inv: inv.status != InvestigationStatus.CLOSED,
            url_path="measure-done",
            done=_("The measure was recorded as done."),
        ),
        Action(
            "conclude",
            label=_("Conclude"),
            run=_conclude,
            input=forms.ConcludeForm,
            allowed=policy("conclude"),
            shown=_is_open,
            done=_("The conclusion was recorded."),
            rule="R56",
        ),
        Action(
            "referral",
            label=_("Prepare the referral package"),
            run=_referral,
            input=forms.ReferralForm,
            allowed=policy("refer"),
            shown=lambda inv: inv.status != InvestigationStatus.OPEN,
            status=202,
            done=_("The referral package is being rendered."),
            rule="R56",
            respond=lambda call, p: {"id": p.pk, "version": p.version, "state": p.state},
        ),
        Action(
            "close",
            label=_("Close"),
            run=_close_investigation,
            allowed=policy("close"),
            shown=lambda inv: inv.status == InvestigationStatus.CONCLUDED,
            done=_("The investigation was closed."),
            rule="R56",
        ),
    ],
)
