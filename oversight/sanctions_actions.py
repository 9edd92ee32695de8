"""The state changes of sanctions (R57) and researchers' training (R10a), declared once for the
pages and the API (ethics.actions)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics.actions import Action, ActionTable, Call, policy
from oversight import sanctions_forms as forms
from oversight import sanctions_selectors as selectors
from oversight.models_sanctions import Measure, Sanction
from oversight.sanctions_policies import may_record_sanctions, may_record_training
from oversight.services import sanctions as services


def _record(call: Call) -> Any:
    return services.sanction_record(actor=call.actor, **call.data)


def _lift(call: Call) -> Any:
    return services.sanction_lift(
        sanction_id=call.target.pk,
        actor=call.actor,
        reason=call.data["reason"],
        on=call.data.get("on"),
    )


def _liftable(sanction: Sanction) -> bool:
    return (
        sanction.measure == Measure.BAN
        and sanction.lifted_on is None
        and sanction.ban_ends_on is not None
        and sanction.ban_ends_on >= timezone.localdate()
    )


def _confirm_lift(call: Call) -> Any:
    on = call.data.get("on") or timezone.localdate()
    return _(
        "The ban no longer refuses from %(day)s (R57); the sanction stays on record with the "
        "reason. This cannot be undone."
    ) % {"day": on.isoformat()}


def _actor_form(user: Any, target: Any) -> dict[str, Any]:
    return {"actor": user}


SANCTIONS = ActionTable(
    "oversight.sanction",
    load=lambda user, pk: selectors.sanction_get_for_user(user, pk),
    actions=[
        Action(
            "create",
            run=_record,
            label=_("Record a sanction"),
            input=forms.SanctionForm,
            form_kwargs=_actor_form,
            allowed=lambda user, target: may_record_sanctions(user),
            detail=False,
            status=201,
            on_page=False,
            rule="R57",
            done=_("The sanction was recorded."),
        ),
        Action(
            "lift",
            run=_lift,
            label=_("Lift the ban early"),
            input=forms.SanctionLiftForm,
            allowed=policy("lift"),
            shown=_liftable,
            confirm=_confirm_lift,
            rule="R57",
            done=_("The ban was lifted."),
        ),
    ],
)

TRAININGS = ActionTable(
    "oversight.researcher_training",
    load=lambda user, pk: selectors.training_get_for_user(user, pk),
    actions=[
        Action(
            "create",
            run=lambda call: services.training_record(actor=call.actor, **call.data),
            label=_("Record a training"),
            input=forms.ResearcherTrainingForm,
            form_kwargs=_actor_form,
            allowed=lambda user, target: may_record_training(user),
            detail=False,
            status=201,
            on_page=False,
            rule="R10a",
            done=_("The training was recorded."),
        ),
    ],
)
