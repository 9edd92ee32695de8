"""The registry's state changes, declared once for the filing page and the API (ethics.actions)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ethics.actions import Action, ActionTable, Call, policy
from registry import forms, selectors, services, workflow
from registry.models import Filing


def _offered(action: str) -> Any:
    def shown(filing: Filing) -> bool:
        return workflow.Action(action) in workflow.actions_from(filing.status)

    return shown


def _prepare(call: Call) -> Any:
    return services.filing_prepare(filing_id=call.target.pk, actor=call.actor)


def _sign_off(call: Call) -> Any:
    return services.filing_sign_off(filing_id=call.target.pk, actor=call.actor)


def _submit(call: Call) -> Any:
    return services.filing_submit(filing_id=call.target.pk, actor=call.actor, **call.data)


def _acknowledge(call: Call) -> Any:
    return services.filing_acknowledge(filing_id=call.target.pk, actor=call.actor, **call.data)


def _remarks(call: Call) -> Any:
    return services.filing_update_remarks(
        filing_id=call.target.pk, actor=call.actor, remarks=call.data["remarks"]
    )


def _sign_off_shown(filing: Filing) -> bool:
    """Offered on a prepared filing whose latest package is rendered and not yet signed off."""
    if workflow.Action.SIGN_OFF not in workflow.actions_from(filing.status):
        return False
    package = selectors.latest_package(filing)
    return package is not None and package.state == "ready" and package.signed_off_at is None


# --- what an irreversible step does, said before it is taken (ethics.actions.Action.confirm) ---


def _confirm_sign_off(call: Call) -> Any:
    package = selectors.latest_package(call.target)
    version = package.version if package is not None else "—"
    return _(
        "You sign off version %(version)s of the package in your name (R53): it is the version "
        "filed on the platform. This cannot be undone; a change needs a new version."
    ) % {"version": version}


def _confirm_submit(call: Call) -> Any:
    return _(
        "The filing is recorded as submitted on %(date)s with receipt %(receipt)s and its clock "
        "closes (R54). This cannot be undone."
    ) % {"date": call.data["submitted_on"].isoformat(), "receipt": call.data["receipt"]}


def _confirm_acknowledge(call: Call) -> Any:
    return _(
        "The filing is recorded as acknowledged by the platform and is complete. This cannot be "
        "undone."
    )


FILINGS = ActionTable(
    "registry.filing",
    load=lambda user, pk: selectors.filing_get_for_user(user, pk),
    actions=[
        Action(
            "prepare",
            run=_prepare,
            allowed=policy("prepare"),
            shown=_offered("prepare"),
            done=_("The package is being rendered; this page shows it when ready."),
            status=202,
        ),
        Action(
            "sign_off",
            run=_sign_off,
            confirm=_confirm_sign_off,
            allowed=policy("sign_off"),
            shown=_sign_off_shown,
            done=_("The package was signed off."),
            url_path="sign-off",
        ),
        Action(
            "submit",
            run=_submit,
            confirm=_confirm_submit,
            input=forms.SubmitForm,
            allowed=policy("submit"),
            shown=_offered("submit"),
            done=_("The submission was recorded."),
        ),
        Action(
            "acknowledge",
            run=_acknowledge,
            confirm=_confirm_acknowledge,
            input=forms.AcknowledgeForm,
            allowed=policy("acknowledge"),
            shown=_offered("acknowledge"),
            done=_("The acknowledgement was recorded."),
        ),
        Action(
            "remarks",
            run=_remarks,
            input=forms.RemarksForm,
            allowed=policy("change"),
            done=_("The remarks were saved."),
        ),
    ],
)
