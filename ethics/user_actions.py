"""The kernel's own state changes, declared once (ethics.actions): accounts through the API's
users resource, and a signed-in person's inbox and language from the pages.

Obtaining a token is no table's action (nobody is signed in yet); its form is bound with
`ethics.actions.bind_input`, with the same checks.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ethics import policies, services
from ethics.actions import Action, ActionTable, Call
from ethics.forms import LanguageForm, MarkReadForm, UserForm
from ethics.models import User

# --- predicates --------------------------------------------------------------------------------


def may_create_user(user: User, target: Any) -> bool:
    return policies.may(user, "create", User())


def may_change_user(user: User, target: User) -> bool:
    return policies.may(user, "change", target)


def is_self(user: User, target: User) -> bool:
    return bool(target is not None and target.pk == user.pk)


# --- runners -----------------------------------------------------------------------------------


def _create(call: Call) -> User:
    return services.user_create(actor=call.actor, data=call.data)


def _update(call: Call) -> User:
    return services.user_update(user_id=call.target.pk, actor=call.actor, data=call.data)


def _mark_read(call: Call) -> int:
    notification = call.data.get("notification")
    return services.notification_mark_read(
        user=call.actor, notification_id=notification.pk if notification else None
    )


def _language(call: Call) -> User:
    return services.user_language_set(user=call.actor, language=call.data["language"])


def _institutions(user: User, _target: Any) -> dict[str, Any]:
    """An institution the person may not see reads as one that does not exist (400)."""
    institution = User._meta.get_field("institution").related_model
    return {"institutions": policies.visible(user, institution._default_manager.all())}  # type: ignore[union-attr]


USERS = ActionTable(
    "ethics.user",
    load=lambda user, pk: policies.get_visible_or_404(user, User.objects.all(), pk=pk),
    actions=[
        Action(
            "create",
            run=_create,
            label=_("New account"),
            input=UserForm,
            form_kwargs=_institutions,
            allowed=may_create_user,
            detail=False,
            status=201,
            on_page=False,
        ),
        Action(
            "update",
            run=_update,
            label=_("Change account"),
            input=UserForm,
            form_kwargs=_institutions,
            allowed=may_change_user,
            on_page=False,
        ),
    ],
)

# The signed-in person's own settings: the target is always the actor.
ACCOUNT = ActionTable(
    "ethics.account",
    load=lambda user: user,
    actions=[
        Action(
            "mark_read",
            run=_mark_read,
            label=_("Mark as read"),
            input=MarkReadForm,
            form_kwargs=lambda user, target: {"user": user},
            allowed=is_self,
        ),
        Action(
            "language",
            run=_language,
            label=_("Language"),
            input=LanguageForm,
            allowed=is_self,
        ),
    ],
)
