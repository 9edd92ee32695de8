"""Registries the apps fill from AppConfig.ready(), so the kernel never imports them.

- the deadline kinds (clocks): label, who is reminded, where the subject lives in the browser and
  the reminder stages. An app declares each of its clocks here once; the kernel's Deadline.kind
  takes its choices from this registry, so a new clock needs no kernel change and no migration;
- the demo-data seeders that `manage.py seed_demo` runs in layer order;
- dashboard panels, navigation items and deadline listeners (below).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import ImproperlyConfigured
from django.utils.encoding import force_str

from ethics.reminders import StageConfig

if TYPE_CHECKING:
    from ethics.models import Deadline, User


@dataclass
class Recipients:
    responsible: list[User] = field(default_factory=list)
    escalation: list[User] = field(default_factory=list)


RecipientResolver = Callable[["Deadline"], Recipients]
UrlResolver = Callable[["Deadline"], str]
Seeder = Callable[[Any], None]

# Reminder stages of a clock that declares none: 10 and 3 days before, the last day, then weekly.
DEFAULT_STAGES = StageConfig()


@dataclass(frozen=True)
class DeadlineKind:
    """One clock: its value (stored in Deadline.kind and used by the API), label and reminders."""

    value: str
    label: Any
    recipients: RecipientResolver
    url: UrlResolver | None = None
    stages: StageConfig = DEFAULT_STAGES


_kinds: dict[str, DeadlineKind] = {}

# Deadline.kind's max_length; checked here so a registration fails early, not at insert time.
KIND_MAX_LENGTH = 40


def register_deadline_kind(
    kind: str,
    *,
    label: Any,
    recipients: RecipientResolver,
    url: UrlResolver | None = None,
    stages: StageConfig = DEFAULT_STAGES,
) -> str:
    """Declare a clock: the only place a deadline kind is defined. Returns `kind`.

    `label` is shown wherever the kind is (use gettext_lazy); `recipients` names who is reminded
    and who is escalated to once it is overdue; `url` links a reminder to the subject's page;
    `stages` says when reminders go out (ethics/reminders.py). Declaring a kind again (ready()
    running twice) replaces the declaration; two apps declaring one value is an error.
    """
    if not kind or len(kind) > KIND_MAX_LENGTH:
        raise ValueError(f"a deadline kind needs 1 to {KIND_MAX_LENGTH} characters: {kind!r}")
    existing = _kinds.get(kind)
    if existing is not None and str(existing.label) != str(label):
        raise ImproperlyConfigured(f"deadline kind {kind!r} is already declared ({existing.label})")
    _kinds[kind] = DeadlineKind(kind, label, recipients, url, stages)
    return kind


def route_deadline_kind(
    kind: str, *, recipients: RecipientResolver, url: UrlResolver | None = None
) -> None:
    """Let an upper layer that takes over a lower layer's clock remind its own people.

    The registry app files the listed-activity registration that reviews opens, so it sends
    those reminders to the filing's people and links them to the filing. The kind must already
    be declared (apps are ready in layer order).
    """
    declared = deadline_kind(kind)
    if declared is None:
        raise LookupError(f"deadline kind {kind!r} is not registered")
    _kinds[kind] = replace(declared, recipients=recipients, url=url or declared.url)


@contextmanager
def deadline_kind_overridden(kind: str, **changes: Any) -> Iterator[DeadlineKind]:
    """Temporarily change (or declare) a clock, e.g. its recipients in a test."""
    previous = _kinds.get(kind)
    if previous is None:
        _kinds[kind] = DeadlineKind(kind, **{"label": kind, **changes})
    else:
        _kinds[kind] = replace(previous, **changes)
    try:
        yield _kinds[kind]
    finally:
        if previous is None:
            _kinds.pop(kind, None)
        else:
            _kinds[kind] = previous


@contextmanager
def deadline_kinds_restored() -> Iterator[None]:
    """Put every declaration back as it was on exit (tests that install an app for a while)."""
    saved = dict(_kinds)
    try:
        yield
    finally:
        _kinds.clear()
        _kinds.update(saved)


def deadline_kind(kind: str) -> DeadlineKind | None:
    return _kinds.get(kind)


def has_deadline_kind(kind: str) -> bool:
    """Whether an app declared `kind`."""
    return kind in _kinds


def deadline_kinds() -> list[str]:
    """Every declared kind, in declaration order (the API's enum of deadline kinds)."""
    return list(_kinds)


def deadline_kind_choices() -> list[tuple[str, Any]]:
    """(value, label) of every declared kind: Deadline.kind's choices, read when needed."""
    return [(spec.value, spec.label) for spec in _kinds.values()]


def deadline_kind_display(value: Any) -> Any:
    """``Deadline.get_kind_display()`` from the value (ethics.choice_labels.register_labels):
    the declared kind's label in the active language, else the value as Django gives it."""
    spec = _kinds.get(value) if isinstance(value, str) else None
    return str(spec.label) if spec is not None else force_str(value, strings_only=True)


def deadline_kind_label(kind: str) -> str:
    spec = _kinds.get(kind)
    return str(spec.label) if spec else kind


def deadline_stages(kind: str) -> StageConfig:
    spec = _kinds.get(kind)
    return spec.stages if spec else DEFAULT_STAGES


def longest_reminder_lead() -> timedelta:
    """How far ahead of its due time any clock is first reminded (the scan's window)."""
    return max(stages.lead for stages in [DEFAULT_STAGES, *(s.stages for s in _kinds.values())])


def deadline_recipients(deadline: Deadline) -> Recipients:
    spec = _kinds.get(deadline.kind)
    return spec.recipients(deadline) if spec else Recipients()


def deadline_url(deadline: Deadline) -> str:
    spec = _kinds.get(deadline.kind)
    return spec.url(deadline) if spec and spec.url else ""


_seeders: list[tuple[int, str, Seeder]] = []


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
_moved: dict[str, list[DeadlineListener]] = {}


def on_deadline_opened(kind: str, listener: DeadlineListener) -> None:
    if listener not in _opened.setdefault(kind, []):
        _opened[kind].append(listener)


def on_deadline_closed(kind: str, listener: DeadlineListener) -> None:
    if listener not in _closed.setdefault(kind, []):
        _closed[kind].append(listener)


def on_deadline_moved(kind: str, listener: DeadlineListener) -> None:
    """``listener`` runs after a holiday import moved a clock of ``kind`` (a filing's due date)."""
    if listener not in _moved.setdefault(kind, []):
        _moved[kind].append(listener)


def deadline_opened(deadline: Deadline) -> None:
    for listener in _opened.get(deadline.kind, []):
        listener(deadline)


def deadline_closed(deadline: Deadline) -> None:
    for listener in _closed.get(deadline.kind, []):
        listener(deadline)


def deadline_moved(deadline: Deadline) -> None:
    for listener in _moved.get(deadline.kind, []):
        listener(deadline)


# --- recomputing clocks when the holiday calendar changes ---------------------------------------
# A clock counted in days or months rolls past rest days, so a newly imported holiday calendar can
# move its due date. The kernel cannot redo an app's counting (it does not know when the period
# started), so each app registers, per kind, how to count the clock's due time under a calendar
# (None: not counted from the calendar, or no longer countable) and, optionally, what to update
# on its own rows once the kernel has moved the clock (ethics.services.holiday_year_import).

if TYPE_CHECKING:
    from ethics.deadlines import Calendar

DueUnder = Callable[["Deadline", "Calendar"], Any]


@dataclass(frozen=True)
class Recompute:
    due: DueUnder
    moved: DeadlineListener | None = None


_recompute: dict[str, Recompute] = {}


def register_deadline_recompute(
    kind: str, due: DueUnder, moved: DeadlineListener | None = None
) -> None:
    _recompute[kind] = Recompute(due, moved)


def deadline_recompute(kind: str) -> Recompute | None:
    return _recompute.get(kind)


def recomputable_kinds() -> list[str]:
    return list(_recompute)


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


# --- officer accounts (issue 13) ---------------------------------------------------------------
# Some account protections (the second factor, the shorter idle timeout) apply to officers: the
# institution's admins, staff, and whoever holds an office on a committee. The kernel knows the
# first two; the committee roles are the committees app's, which registers a predicate here.

OfficerCheck = Callable[[Any], bool]
_officer_checks: list[OfficerCheck] = []


def register_officer_check(check: OfficerCheck) -> None:
    """`check(user)` answers whether the user currently holds an office the app knows of."""
    if check not in _officer_checks:
        _officer_checks.append(check)


def is_officer(user: Any) -> bool:
    """Superusers, staff, institution admins, and holders of an office any app registered."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.is_staff or (user.institution_admin and user.institution_id):
        return True
    return memo(user, "is_officer", lambda: any(check(user) for check in _officer_checks))


# --- lists: the committees a reader may pick in a filter ----------------------------------------

CommitteeChoices = Callable[[Any], list[tuple[int, str]]]
_committee_choices: list[CommitteeChoices] = []


def register_committee_choices(choices: CommitteeChoices) -> None:
    """The committees app says which committees (id, name) a user may filter the kernel's lists by
    (the deadlines list); the kernel knows no committee."""
    _committee_choices[:] = [choices]


def committee_choices(user: Any) -> list[tuple[int, str]]:
    if not _committee_choices or user is None or not getattr(user, "is_authenticated", False):
        return []
    return _committee_choices[0](user)


# --- calendars (ethics/calendar.py) -------------------------------------------------------------

CalendarSource = Callable[[Any], list[Any]]
CommitteeIds = Callable[[Any], Any]
_calendar_sources: list[CalendarSource] = []
_calendar_committees: list[CommitteeIds] = []


def register_calendar_source(source: CalendarSource) -> None:
    """`source(user)` returns the person's `ethics.calendar.Event`s (meetings, …) for the feed."""
    if source not in _calendar_sources:
        _calendar_sources.append(source)


def calendar_events(user: Any) -> list[Any]:
    return [event for source in _calendar_sources for event in source(user)]


def register_calendar_committees(resolver: CommitteeIds) -> None:
    """`resolver(user)` returns the ids (a values queryset) of the committees whose clocks the
    person owns (the office: secretary, chair, vice-chair); their deadlines join the feed."""
    if resolver not in _calendar_committees:
        _calendar_committees.append(resolver)


def calendar_committee_ids(user: Any) -> Any:
    if not _calendar_committees:
        return None
    return _calendar_committees[0](user)


# --- printed verification codes: an upper layer's documents verify on the letters' page ----------
# (oversight's ethics-approval statements for funders, R59). A verifier takes a code and answers a
# public record with a `template` attribute (the partial the verification page includes) and an
# `as_data()` dict (the API's body), or None when the code is not one of its documents.

CodeVerifier = Callable[[str], Any]
_verifiers: list[CodeVerifier] = []


def register_code_verifier(verifier: CodeVerifier) -> None:
    if all(existing is not verifier for existing in _verifiers):
        _verifiers.append(verifier)


def verify_code(code: str) -> Any:
    """The first registered verifier's record for `code`, or None."""
    for verifier in _verifiers:
        found = verifier(code)
        if found is not None:
            return found
    return None


# --- eligibility: who may take a role on a case (issue 16) --------------------------------------
# An upper layer (oversight: sanctions R57, training R10a) says why a person may not lead a
# project, join a team, submit an application or review one right now. The services of the lower
# layers (reviews: project_create, the team invitation and its acceptance, application_submit and
# application_resubmit, application_assign) ask through this registry, so they never import the
# upper layer and every route (page, API, admin, import, task) meets the same check.

#: The roles a check is asked about.
ELIGIBILITY_ROLES: tuple[str, ...] = ("lead", "team", "submit", "reviewer")

#: A problem carrying ``extra={"severity": WARNING}`` is shown but does not refuse.
WARNING = "warning"

# check(user, role, at, subject) -> [Problem]; `at` is a date in Asia/Shanghai, `subject` the case
# (a Project or Application) when there is one.
EligibilityCheck = Callable[[Any, str, Any, Any], list[Any]]
_eligibility_checks: list[EligibilityCheck] = []


def register_eligibility_check(check: EligibilityCheck) -> None:
    """Add `check(user, role, at, subject)`; it returns `ethics.regulations.Problem`s (empty: no
    objection). Registering the same function again is a no-op."""
    if check not in _eligibility_checks:
        _eligibility_checks.append(check)


@contextmanager
def eligibility_checks_restored() -> Iterator[None]:
    """Put the registered checks back as they were on exit (tests)."""
    saved = list(_eligibility_checks)
    try:
        yield
    finally:
        _eligibility_checks[:] = saved


def eligibility_problems(user: Any, role: str, at: Any = None, subject: Any = None) -> list[Any]:
    """Every registered objection to `user` taking `role` on `at` (default: today in the site's
    time zone), blocking and warnings alike."""
    if role not in ELIGIBILITY_ROLES:
        raise ValueError(f"unknown eligibility role {role!r}")
    if user is None or getattr(user, "pk", None) is None:
        return []
    if at is None:
        from django.utils import timezone

        at = timezone.localdate()
    return [problem for check in _eligibility_checks for problem in check(user, role, at, subject)]


def is_warning(problem: Any) -> bool:
    return bool(problem.extra.get("severity") == WARNING)


def require_eligible(users: Any, role: str, at: Any = None, subject: Any = None) -> list[Any]:
    """Refuse (409, `ethics.errors.Conflict` with the first problem's rule and every problem)
    when any of `users` may not take `role`; return the warnings otherwise."""
    from ethics.errors import Conflict

    seen: set[int] = set()
    problems: list[Any] = []
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        problems += eligibility_problems(user, role, at, subject)
    blocking = [p for p in problems if not is_warning(p)]
    if blocking:
        first = blocking[0]
        raise Conflict(
            first.code,
            first.message if len(blocking) == 1 else blocking_message(),
            rule=first.rule,
            problems=[p.as_dict() for p in blocking],
        )
    return problems


def blocking_message() -> Any:
    from django.utils.translation import gettext_lazy as _

    return _("A person involved may not take this role now; every reason is listed.")
