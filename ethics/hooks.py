"""Registries the apps fill from AppConfig.ready(), so the kernel never imports them.

- who is reminded about a deadline (responsible people, and whom to escalate to when late);
- where a deadline's subject lives in the browser;
- the demo-data seeders that `manage.py seed_demo` runs in layer order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from ethics.models import Deadline, User


@dataclass
class Recipients:
    responsible: list[User] = field(default_factory=list)
    escalation: list[User] = field(default_factory=list)


RecipientResolver = Callable[["Deadline"], Recipients]
UrlResolver = Callable[["Deadline"], str]
Seeder = Callable[[Any], None]

_recipients: dict[str, RecipientResolver] = {}
_urls: dict[str, UrlResolver] = {}
_seeders: list[tuple[int, str, Seeder]] = []


def register_deadline_kind(
    kind: str, *, recipients: RecipientResolver, url: UrlResolver | None = None
) -> None:
    _recipients[kind] = recipients
    if url is not None:
        _urls[kind] = url


def has_deadline_kind(kind: str) -> bool:
    """Whether an app already registered who is reminded about `kind`."""
    return kind in _recipients


def deadline_recipients(deadline: Deadline) -> Recipients:
    resolver = _recipients.get(deadline.kind)
    return resolver(deadline) if resolver else Recipients()


def deadline_url(deadline: Deadline) -> str:
    resolver = _urls.get(deadline.kind)
    return resolver(deadline) if resolver else ""


def register_seeder(order: int, name: str, seeder: Seeder) -> None:
    if all(existing != name for _, existing, _ in _seeders):
        _seeders.append((order, name, seeder))


def seeders() -> list[tuple[str, Seeder]]:
    return [(name, seeder) for _, name, seeder in sorted(_seeders, key=lambda s: s[0])]


# --- dashboard panels: each app contributes "what needs me now" -------------------------------

DashboardPanel = Callable[[Any], Any]
_panels: list[tuple[int, DashboardPanel]] = []


def register_dashboard_panel(order: int, panel: DashboardPanel) -> None:
    if all(existing is not panel for _, existing in _panels):
        _panels.append((order, panel))


def dashboard_panels() -> list[DashboardPanel]:
    return [panel for _, panel in sorted(_panels, key=lambda p: p[0])]


# --- navigation: each app adds its top-level pages ----------------------------------------------


@dataclass(frozen=True)
class NavItem:
    order: int
    label: Any
    url_name: str
    visible: Callable[[Any], bool]


_nav: list[NavItem] = []


def register_nav_item(
    order: int, label: Any, url_name: str, visible: Callable[[Any], bool] = lambda user: True
) -> None:
    if all(item.url_name != url_name for item in _nav):
        _nav.append(NavItem(order, label, url_name, visible))


def nav_items() -> list[NavItem]:
    return sorted(_nav, key=lambda item: item.order)


# --- deadline listeners: an upper layer attaches its own record to a clock ----------------------
# (the registry app opens a Filing when a registration deadline opens). Listeners run inside the
# transaction of the service that opened or closed the deadline, so both commit or neither does.

DeadlineListener = Callable[["Deadline"], None]
_opened: dict[str, list[DeadlineListener]] = {}
_closed: dict[str, list[DeadlineListener]] = {}


def on_deadline_opened(kind: str, listener: DeadlineListener) -> None:
    if listener not in _opened.setdefault(kind, []):
        _opened[kind].append(listener)


def on_deadline_closed(kind: str, listener: DeadlineListener) -> None:
    if listener not in _closed.setdefault(kind, []):
        _closed[kind].append(listener)


def deadline_opened(deadline: Deadline) -> None:
    for listener in _opened.get(deadline.kind, []):
        listener(deadline)


def deadline_closed(deadline: Deadline) -> None:
    for listener in _closed.get(deadline.kind, []):
        listener(deadline)


# --- per-request memo on the user object -------------------------------------------------------
# request.user lives exactly one request, so facts computed about it (its current committee roles)
# can be kept on it; many nav and panel predicates then share one query.

T = TypeVar("T")


def memo(user: Any, key: str, compute: Callable[[], T]) -> T:
    """Compute `key` once per user object (i.e. once per request) and reuse it."""
    store: dict[str, Any] = user.__dict__.setdefault("_ethics_memo", {})
    if key not in store:
        store[key] = compute()
    return cast(T, store[key])
