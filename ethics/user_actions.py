"""The kernel's own state changes, declared once (ethics.actions): accounts through the API's
users resource, and a signed-in person's inbox and language from the pages.

Obtaining a token is no table's action (nobody is signed in yet); its form is bound with
`ethics.actions.bind_input`, with the same checks.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ethics import channels, mfa, policies, services
from ethics.actions import Action, ActionTable, Call
from ethics.forms import ChannelsForm, LanguageForm, MarkReadForm, UserForm
from ethics.models import User

# --- predicates --------------------------------------------------------------------------------


def may_create_user(user: User, target: Any) -> bool:
    return policies.may(user, "create", User())


def may_change_user(user: User, target: User) -> bool:
    return policies.may(user, "change", target)


def may_unlock_user(user: User, target: User) -> bool:
    return policies.may(user, "unlock", target)


def is_self(user: User, target: User) -> bool:
    return bool(target is not None and target.pk == user.pk)


# --- runners -----------------------------------------------------------------------------------


def _create(call: Call) -> User:
    return services.user_create(actor=call.actor, data=call.data)


def _update(call: Call) -> User:
    return services.user_update(user_id=call.target.pk, actor=call.actor, data=call.data)


def _unlock(call: Call) -> int:
    return services.user_unlock(user_id=call.target.pk, actor=call.actor)


def may_reset_password(user: User, target: User) -> bool:
    return policies.administers(user, target)


def _password_reset(call: Call) -> User:
    return services.user_password_reset(actor=call.actor, user_id=call.target.pk)


def _account_form(user: User, target: Any) -> dict[str, Any]:
    return {"actor": user, "target": target} | _institutions(user, target)


def _mfa_reset(call: Call) -> User:
    return mfa.reset(actor=call.actor, user_id=call.target.pk)


def _mark_read(call: Call) -> int:
    notification = call.data.get("notification")
    return services.notification_mark_read(
        user=call.actor, notification_id=notification.pk if notification else None
    )


def _language(call: Call) -> User:
    return services.user_language_set(user=call.actor, language=call.data["language"])


def _channels(call: Call) -> Any:
    """Set the channels the request names; a field it leaves out (API PATCH) keeps its value."""
    current = channels.preferences(call.actor)
    return channels.preferences_set(
        user=call.actor,
        email=call.data.get("email", current.email),
        digest=call.data.get("digest", current.digest),
    )


def _calendar_issue(call: Call) -> str:
    return channels.feed_url(channels.feed_issue(user=call.actor))


def _calendar_revoke(call: Call) -> int:
    return channels.feed_revoke(user=call.actor)


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
            form_kwargs=_account_form,
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
            form_kwargs=_account_form,
            allowed=may_change_user,
            on_page=False,
        ),
        # `POST /users/{id}/unlock/`: end a login lock (README "Login protection").
        Action(
            "unlock",
            run=_unlock,
            label=_("Unlock login"),
            allowed=may_unlock_user,
            done=_("The account may log in again."),
            on_page=False,
        ),
        # An administrator helps with a password by e-mailing its owner a reset link
        # (`POST /api/v1/users/{id}/password_reset/`), never by setting one.
        Action(
            "password_reset",
            run=_password_reset,
            label=_("Send a password reset link"),
            allowed=may_reset_password,
            on_page=False,
            respond=lambda call, result: {
                "detail": str(_("A password reset link was sent to the account's e-mail address."))
            },
        ),
        Action(
            "mfa_reset",
            run=_mfa_reset,
            label=_("Reset second factor"),
            allowed=mfa.may_reset,
            done=_("The second factor was reset; the person sets up a new one at the next login."),
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
        # README "Notifications and calendars": the profile page and /api/v1/users/me/.
        Action(
            "channels",
            run=_channels,
            label=_("Notification channels"),
            input=ChannelsForm,
            allowed=is_self,
            done=_("Your notification channels were saved."),
        ),
        Action(
            "calendar_issue",
            run=_calendar_issue,
            label=_("New calendar address"),
            allowed=is_self,
            done=_("Your new calendar address is shown below; the old one no longer works."),
        ),
        Action(
            "calendar_revoke",
            run=_calendar_revoke,
            label=_("Turn off the calendar address"),
            allowed=is_self,
            done=_("Your calendar address no longer works."),
        ),
    ],
)
