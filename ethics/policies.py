"""The one entry point for "may this user do this to that".

Each app registers a policy for its own models (committees/policies.py, reviews/policies.py, ...)
from its AppConfig.ready(). Views, the API, exports and services ask `may()` and filter with
`visible()`, so every surface sees exactly the same rows. The kernel never imports the apps.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

from ethics.models import User

M = TypeVar("M", bound=models.Model)
QS = TypeVar("QS", bound=models.QuerySet[Any])


class Policy(Protocol):
    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]: ...

    def may(self, user: User, action: str, obj: Any) -> bool: ...


_POLICIES: dict[type[models.Model], Policy] = {}


def register(model: type[models.Model], policy: Policy) -> None:
    _POLICIES[model] = policy


def _policy_for(model: type[models.Model]) -> Policy:
    for klass in model.__mro__:
        if klass in _POLICIES:
            return _POLICIES[klass]
    raise LookupError(f"no policy registered for {model.__name__}")


def visible(user: User, queryset: QS) -> QS:
    """The rows of `queryset` that `user` may see (empty for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    return cast(QS, _policy_for(queryset.model).visible(user, queryset))


def may(user: User, action: str, obj: models.Model) -> bool:
    """Whether `user` may take `action` on `obj`; anonymous users may do nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return _policy_for(type(obj)).may(user, action, obj)


def get_visible_or_404(user: User, queryset: models.QuerySet[M], **lookup: Any) -> M:
    """Fetch one row the user may see; anything hidden is indistinguishable from missing."""
    try:
        return visible(user, queryset).get(**lookup)
    except ObjectDoesNotExist:
        raise Http404 from None


class UserPolicy:
    """Users see themselves; institution admins see their institution; superusers see all."""

    def visible(self, user: User, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        if user.is_superuser:
            return queryset
        if user.institution_admin and user.institution_id:
            return queryset.filter(
                models.Q(institution_id=user.institution_id) | models.Q(pk=user.pk)
            )
        return queryset.filter(pk=user.pk)

    def may(self, user: User, action: str, obj: Any) -> bool:
        if user.is_superuser:
            return True
        if action == "view":
            return bool(obj.pk == user.pk or self._admin_of(user, obj))
        if action == "change":
            return bool(obj.pk == user.pk or self._admin_of(user, obj))
        if action == "create":
            return bool(user.institution_admin and user.institution_id)
        if action == "unlock":
            # Another administrator ends a lock; nobody unlocks their own account.
            return bool(obj.pk != user.pk and self._admin_of(user, obj))
        return False

    @staticmethod
    def _admin_of(user: User, obj: Any) -> bool:
        return bool(
            user.institution_admin
            and user.institution_id
            and obj.institution_id == user.institution_id
        )


def administers(actor: User, user: User) -> bool:
    """Whether `actor` administers `user`'s account (username, display name, rights, password
    resets): a superuser, or an admin of the user's institution; never oneself, and an
    institution admin never a superuser."""
    if user.pk is not None and user.pk == actor.pk:
        return False
    return bool(
        actor.is_superuser
        or (
            actor.institution_admin
            and actor.institution_id
            and user.institution_id == actor.institution_id
            and not user.is_superuser
        )
    )


register(User, UserPolicy())
