from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from ethics import hooks, selectors
from ethics.cells import fixed_url


def inbox(request: HttpRequest) -> dict[str, Any]:
    """Unread count for the header badge, computed only when a template reads it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_count": SimpleLazyObject(lambda: selectors.unread_count(user)),
        "nav_items": SimpleLazyObject(lambda: _nav(user)),
    }


def _nav(user: Any) -> list[dict[str, Any]]:
    return [
        {"label": str(item.label), "url": fixed_url(item.url_name)}
        for item in hooks.nav_items()
        if item.visible(user)
    ]
