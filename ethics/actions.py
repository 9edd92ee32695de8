"""One action path: every app declares its state changes once, in an action table.

An `Action` names the input (one Django form, used by the page and, bound to the JSON or
multipart body, by the API), the permission predicate, the service call, the success message and
the HTTP status. An `ActionTable` loads the target object through a permission-scoped selector
(hidden means 404) and performs an action:

    bind the input  -> InputInvalid (400 with field errors; on a page, messages on the fields)
    ask the policy  -> PermissionDenied (403; on a page, a message)
    call the service -> Conflict (409 with code, rule and problems; on a page, the same words)

HTML views (`page_view`) and API viewsets (`ethics.api.actions.ActionViewSetMixin`) dispatch
through the same table, so a refusal reads the same on both routes and nothing else reads
`request.POST`. Tables register themselves so that one test can post garbage to every action.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.forms import BaseForm as Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ethics import idempotency, policies
from ethics.errors import Conflict
from ethics.models import User

# --- errors ------------------------------------------------------------------------------------


class InputInvalid(ValidationError):
    """The action's input did not validate; carries `{field: [{"code", "message"}]}`."""

    def __init__(
        self, errors: Mapping[str, list[dict[str, str]]], labels: Mapping[str, str]
    ) -> None:
        self.errors = {key: list(value) for key, value in errors.items()}
        self.labels = dict(labels)
        super().__init__(
            {
                key: [ValidationError(e["message"], code=e["code"]) for e in value]
                for key, value in self.errors.items()
            }
        )

    def as_dict(self) -> dict[str, list[dict[str, str]]]:
        return {
            ("non_field_errors" if key == "__all__" else key): value
            for key, value in self.errors.items()
        }

    def lines(self) -> list[str]:
        """One line per error, prefixed with the field's label, for a page's messages."""
        out = []
        for key, value in self.errors.items():
            label = self.labels.get(key, "")
            for error in value:
                out.append(f"{label}: {error['message']}" if label else error["message"])
        return out


class ActionDenied(PermissionDenied):
    """The policy refuses this person the action (403): carries the action, so the refusal page
    (and the site's 403 page) can say who may take it and under which rule."""

    def __init__(self, action: Action) -> None:
        super().__init__(str(_("You may not take this action.")))
        self.action = action


# --- declarations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """What a service call gets: who acts, on what, with which validated input."""

    actor: User
    target: Any
    data: dict[str, Any]
    form: Form | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


Predicate = Callable[[User, Any], bool]
Runner = Callable[[Call], Any]
FormKwargs = Callable[[User, Any], dict[str, Any]]


@dataclass(frozen=True)
class Action:
    """One state change: its input, who may take it, the service it calls and what it says."""

    name: str
    run: Runner
    #: What a person reads on the button and the refusal page (default: the name).
    label: str | Promise = ""
    input: type[Form] | None = None
    form_kwargs: FormKwargs | None = None
    #: Who may take it (a policy question); refused with 403. The workflow's own refusal (409)
    #: stays in the service.
    allowed: Predicate | None = None
    #: Who may take it, in a sentence a refused person reads (e.g. "In a simplified review only
    #: the chair designates the reviewers."); and the rule that says so. Both optional.
    who: str | Promise = ""
    rule: str = ""
    #: Whether the target's state offers it now (buttons only; the service still decides).
    shown: Callable[[Any], bool] | None = None
    #: The success message; or a function of (call, result) when it depends on the result.
    done: str | Promise | Callable[[Call, Any], str | Promise] = ""
    status: int = 200
    #: False for actions on a collection (create); the target is then the table's parent, if any.
    detail: bool = True
    #: API sub-path (default: the name); may hold extra URL kwargs, e.g. r"items/(?P<item_id>\d+)/votes".
    url_path: str | None = None
    method: str = "post"
    #: The API's response body for the service's result (default: the viewset's serializer of the
    #: reloaded target, or of the result when the action creates something).
    respond: Callable[[Call, Any], Any] | None = None
    #: The response serializer for the OpenAPI schema (default: the viewset's serializer).
    response_schema: Any = None
    #: Whether the page shows a button for it (internal actions still work through the API).
    on_page: bool = True
    #: An irreversible step: what it will do, as a function of the validated call (a sentence,
    #: or a list of them). A page POST without ``confirm=1`` validates the input and the
    #: permission, changes nothing and answers a confirmation page stating this consequence,
    #: whose button posts the same fields again with ``confirm=1`` (`page_view`). The API is
    #: unaffected: a call there is explicit.
    confirm: Callable[[Call], Any] | None = None

    def consequence(self, call: Call) -> list[str]:
        """The confirmation page's sentences for this call (empty when none is asked)."""
        if self.confirm is None:
            return []
        said = self.confirm(call)
        lines = said if isinstance(said, list | tuple) else [said]
        return [str(line) for line in lines if line]

    def done_message(self, call: Call, result: Any) -> str:
        done = self.done
        return str(done(call, result) if callable(done) else done)

    @property
    def attr(self) -> str:
        """The viewset attribute for this action (a Python identifier)."""
        return "act_" + self.name.replace("-", "_")

    def make_form(
        self,
        actor: User,
        target: Any,
        data: Any = None,
        files: Any = None,
        **extra: Any,
    ) -> Form | None:
        if self.input is None:
            return None
        kwargs = self.form_kwargs(actor, target) if self.form_kwargs else {}
        kwargs.update(extra)
        if data is None:
            return _model_choices_in_one_query(self.input(**kwargs))
        return _model_choices_in_one_query(self.input(data=data, files=files, **kwargs))

    def may(self, actor: User, target: Any) -> bool:
        if not getattr(actor, "is_authenticated", False) or not actor.is_active:
            return False
        return self.allowed is None or bool(self.allowed(actor, target))


def policy(action: str) -> Predicate:
    """The permission predicate "the kernel's policy lets the user take `action` on the target"
    (ethics.policies.may), for an Action's `allowed`."""

    def allowed(user: User, target: Any) -> bool:
        return policies.may(user, action, target)

    return allowed


_TABLES: dict[str, ActionTable] = {}


class ActionTable:
    """The state changes of one kind of object, looked up by name from pages and the API."""

    def __init__(
        self,
        name: str,
        *,
        load: Callable[..., Any],
        actions: Iterable[Action],
        register: bool = True,
    ) -> None:
        self.name = name
        self.load = load
        self._actions: dict[str, Action] = {}
        for entry in actions:
            if entry.name in self._actions:
                raise ValueError(f"{name}: action {entry.name!r} declared twice")
            self._actions[entry.name] = entry
        if register:
            _TABLES[name] = self

    def __iter__(self) -> Iterator[Action]:
        return iter(self._actions.values())

    def __contains__(self, name: object) -> bool:
        return name in self._actions

    def get(self, name: str) -> Action:
        try:
            return self._actions[name]
        except KeyError:
            raise Http404 from None

    def available(self, actor: User, target: Any) -> list[Action]:
        """The page's buttons: actions this person may take on this target now."""
        return [
            a
            for a in self
            if a.on_page and (a.shown is None or a.shown(target)) and a.may(actor, target)
        ]

    def forms(self, actor: User, target: Any) -> dict[str, Form | None]:
        """Unbound forms of the available actions, keyed by action name, for a page; a creating
        action's form carries a one-time token against double submission."""
        out: dict[str, Form | None] = {}
        for a in self.available(actor, target):
            out[a.name] = form = a.make_form(actor, target)
            if not a.detail:
                idempotency.add_token(form)
        return out

    def perform(
        self,
        name: str,
        *,
        actor: User,
        target: Any,
        data: Any = None,
        files: Any = None,
        params: Mapping[str, Any] | None = None,
        form: Form | None = None,
        form_kwargs: Mapping[str, Any] | None = None,
    ) -> tuple[Call, Any]:
        """Validate, check the permission, call the service; raise on any refusal.

        A page that renders its own bound form (a create page) passes it as `form`; the API's
        PATCH passes `form_kwargs={"partial": True}` to a form that takes it.
        """
        entry = self.get(name)
        call = self.prepare(
            name,
            actor=actor,
            target=target,
            data=data,
            files=files,
            params=params,
            form=form,
            form_kwargs=form_kwargs,
        )
        return call, entry.run(call)

    def prepare(
        self,
        name: str,
        *,
        actor: User,
        target: Any,
        data: Any = None,
        files: Any = None,
        params: Mapping[str, Any] | None = None,
        form: Form | None = None,
        form_kwargs: Mapping[str, Any] | None = None,
    ) -> Call:
        """Validate the input and check the permission without acting: the call `perform` runs
        (and a confirmation page describes); raises InputInvalid or ActionDenied."""
        entry = self.get(name)
        cleaned: dict[str, Any] = {}
        if entry.input is not None:
            if form is None:
                form = entry.make_form(
                    actor,
                    target,
                    data=_as_form_data(entry.input, data),
                    files=files,
                    **(form_kwargs or {}),
                )
            assert form is not None
            bad_ids = _unusable_ids(form)
            if bad_ids:
                raise InputInvalid(bad_ids, _labels(form))
            if not form.is_valid():
                raise InputInvalid(form.errors.get_json_data(), _labels(form))
            cleaned = dict(form.cleaned_data)
            cleaned.pop(idempotency.FIELD, None)  # the page's one-time token is no input
        if not entry.may(actor, target):
            raise ActionDenied(entry)
        return Call(actor=actor, target=target, data=cleaned, form=form, params=params or {})


def tables() -> dict[str, ActionTable]:
    """Every action table (each app's actions module declares its own). The URLconf is loaded
    first: it imports every app's views and so their tables, whatever ran before."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - loads (and caches) the whole URLconf
    return dict(_TABLES)


def _labels(form: Form) -> dict[str, str]:
    return {name: str(f.label or "") for name, f in form.fields.items()}


_ID = re.compile(r"[0-9]{1,19}")
_MAX_ID = 2**63 - 1


def _unusable_ids(form: Form) -> dict[str, list[dict[str, str]]]:
    """Ids a database can't hold, refused before any query: Django's model choice fields pass
    any digits on (`pk IN (9999…)`), and a value beyond 64 bits is an overflow there, not
    "not a valid choice"."""
    errors: dict[str, list[dict[str, str]]] = {}
    for name, spec in form.fields.items():
        if not isinstance(spec, forms.ModelChoiceField) or spec.to_field_name:
            continue
        if getattr(spec, "checks_ids", False):
            continue
        raw = spec.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        values = raw if isinstance(raw, list | tuple) else [raw]
        multi = isinstance(spec, forms.ModelMultipleChoiceField)
        for value in values:
            text = str(value).strip() if value is not None else ""
            if not text or (_ID.fullmatch(text) and int(text) <= _MAX_ID):
                continue
            # Django's own codes: what is no id at all, among many, is "invalid_pk_value"; an id
            # out of range, or anything in a single choice, is "invalid_choice".
            code = "invalid_pk_value" if multi and not _ID.fullmatch(text) else "invalid_choice"
            message = spec.error_messages[code] % {"pk": text[:20], "value": text[:20]}
            errors[name] = [{"code": code, "message": str(message)}]
            break
    return errors


def bind_input(form_class: type[Form], data: Any, files: Any = None, **kwargs: Any) -> Any:
    """A valid bound form for input that is no table's action (e.g. obtaining a token, where
    nobody is signed in yet), with the same JSON checks; raises InputInvalid (400)."""
    form = form_class(data=_as_form_data(form_class, data), files=files, **kwargs)
    bad_ids = _unusable_ids(form)
    if bad_ids:
        raise InputInvalid(bad_ids, _labels(form))
    if not form.is_valid():
        raise InputInvalid(form.errors.get_json_data(), _labels(form))
    return form


# --- binding JSON to a form --------------------------------------------------------------------

_MULTI = (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)


def _as_form_data(form_class: type[Form], data: Any) -> Any:
    """Check the JSON types a form can't: an object, lists only for multi-value fields (and
    any JSON value for a JSON field).

    Query dicts (pages, multipart API bodies) pass through unchanged. A form would turn
    ``["x"]`` into the string "['x']" and accept it; here it is a 400 instead.
    """
    if data is None or isinstance(data, MultiValueDict):
        return data if data is not None else {}
    if not isinstance(data, Mapping):
        raise InputInvalid(
            {
                "__all__": [
                    {"code": "invalid", "message": str(_("Expected an object of named fields."))}
                ]
            },
            {},
        )
    errors: dict[str, list[dict[str, str]]] = {}
    fields: dict[str, forms.Field] = getattr(form_class, "base_fields", {})
    bound: dict[str, Any] = {}
    for key, value in data.items():
        spec = fields.get(key)
        if spec is None:
            continue
        multi = isinstance(spec, _MULTI)
        if isinstance(spec, forms.JSONField):
            # An object or a list is what this field takes; it parses the text back.
            bound[key] = "" if value is None else json.dumps(value)
        elif multi and not isinstance(value, list | tuple):
            errors[key] = [{"code": "not_a_list", "message": str(_("Expected a list of values."))}]
        elif multi and any(isinstance(v, dict | list | tuple) for v in value):
            errors[key] = [{"code": "invalid", "message": str(_("Expected a list of values."))}]
        elif not multi and isinstance(value, dict | list | tuple):
            errors[key] = [{"code": "invalid", "message": str(_("Expected a single value."))}]
        elif multi:
            bound[key] = [_scalar(v) for v in value]
        elif isinstance(spec, forms.BooleanField | forms.NullBooleanField):
            bound[key] = value
        else:
            bound[key] = _scalar(value)
    if errors:
        raise InputInvalid(errors, {n: str(f.label or "") for n, f in fields.items()})
    return bound


def _scalar(value: Any) -> Any:
    """A JSON scalar as a form reads it: text (numbers too), None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- pages -------------------------------------------------------------------------------------


WHO_MAY = _(
    "Only the people the rules name for this step may take it: for example the committee's chair "
    "or secretary, an assigned reviewer or the project's team. If you think you should be able "
    "to, ask your committee's secretary."
)


def with_rule(message: str, rule: str | None) -> str:
    """`message (rule)`, unless the message already ends its sentence with the rule."""
    if rule and f"({rule})" not in message:
        return f"{message} ({rule})"
    return message


def conflict_lines(exc: Conflict) -> tuple[str, list[str]]:
    """A 409's headline and its problems, each line once: a refusal of one problem raises that
    problem's own message as its headline, and that line is not repeated below it."""
    headline = with_rule(str(exc.message), exc.rule)
    seen = {headline}
    problems: list[str] = []
    for problem in exc.problems:
        line = with_rule(str(problem.get("message", "")), str(problem.get("rule", "") or ""))
        if line and line not in seen:
            seen.add(line)
            problems.append(line)
    return headline, problems


def denial(exc: PermissionDenied, entry: Action | None = None) -> tuple[str, str, str]:
    """What a 403 says: the refusal (with the rule when known), who may act, and the rule."""
    action = exc.action if isinstance(exc, ActionDenied) else entry
    rule = action.rule if action is not None else ""
    own = str(exc.args[0]) if exc.args and not isinstance(exc, ActionDenied) else ""
    message = with_rule(own or str(_("You may not take this action.")), rule)
    who = str(action.who) if action is not None and action.who else str(WHO_MAY)
    return message, who, rule


def report(request: HttpRequest, exc: Exception) -> None:
    """Show a refusal on a page with the same words, rule and problems the API returns, each
    line once."""
    lines: list[str] = []
    if isinstance(exc, InputInvalid):
        lines = exc.lines()
    elif isinstance(exc, Conflict):
        headline, problems = conflict_lines(exc)
        lines = [headline, *problems]
    elif isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            lines = [" ".join(e.messages) for errors in exc.error_dict.values() for e in errors]
        else:
            lines = list(exc.messages)
    elif isinstance(exc, PermissionDenied):
        lines = [denial(exc)[0]]
    for line in dict.fromkeys(lines):  # once each, in order
        messages.error(request, line)


def refusal_status(exc: Exception) -> int:
    """The HTTP status of a refusal: the same on a page as in the API."""
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, Conflict):
        return 409
    return 400


def refused(
    request: HttpRequest,
    entry: Action,
    exc: Exception,
    *,
    form: Form | None,
    back: str,
) -> HttpResponse:
    """The page answer to a refused action: why (rule and every problem), the form again with
    the person's input and its field errors (nothing typed is lost), and a way back."""
    problems: list[str] = []
    message = ""
    who = ""
    if isinstance(exc, Conflict):
        message, problems = conflict_lines(exc)
    elif isinstance(exc, PermissionDenied):
        message, who = denial(exc, entry)[:2]
    elif isinstance(exc, InputInvalid):
        message = str(_("Please correct the errors below."))
        if form is None or not form.is_bound:
            problems = exc.lines()
        else:
            # The bound form shows its fields' errors; what is no field of it (the one-time
            # token) is said here, or nowhere.
            problems = [
                error["message"]
                for key, value in exc.errors.items()
                if key != "__all__" and key not in form.fields
                for error in value
            ]
    elif isinstance(exc, ValidationError):
        message = str(_("Please correct the errors below."))
        if form is not None and hasattr(exc, "error_dict"):
            _add_errors(form, exc)
        else:
            problems = list(dict.fromkeys(exc.messages))
    if not entry.detail:
        idempotency.add_token(form)  # sent again, the corrected form still acts once
    return render(
        request,
        "ethics/action_refused.html",
        {
            "label": entry.label or entry.name,
            "message": message,
            "who": who,
            "problems": problems,
            "form": form if not isinstance(exc, PermissionDenied) else None,
            "back": back,
            "next": back,
        },
        status=refusal_status(exc),
    )


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` target of a posted form when it stays on this site, else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def page_view(
    table: ActionTable,
    *,
    back: Callable[[Any], str],
    success: Callable[[Call, Any], str] | None = None,
) -> Callable[..., HttpResponse]:
    """The one POST view of a table: `<url>/<action>/` with the target's URL kwargs.

    `back(target)` is where the page returns (or the form's safe `next`); `success(call, result)`
    may send a creating action to the new object's page instead.
    """

    @login_required
    @require_POST
    def view(request: HttpRequest, action: str, **kwargs: Any) -> HttpResponse:
        actor = cast(User, request.user)  # login_required
        entry = table.get(action)
        target = table.load(actor, **kwargs) if entry.detail or kwargs else None
        default = back(target)
        form = entry.make_form(actor, target, data=request.POST, files=request.FILES)
        if entry.confirm is not None and request.POST.get(CONFIRM) != CONFIRMED:
            return _ask(request, table, entry, target, kwargs, back=safe_next(request, default))
        try:
            key = _form_key(request, form)
            scope = f"{table.name}:{action}:{_target_key(target)}:page"
            with idempotency.claimed(actor, key, scope) as claim:
                if claim.first is not None:
                    return _already_submitted(request, claim.first)
                call, result = table.perform(
                    action,
                    actor=actor,
                    target=target,
                    data=request.POST,
                    files=request.FILES,
                    params=kwargs,
                    form=form,
                )
                url = success(call, result) if success is not None else ""
                url = url or safe_next(request, default)
                if claim.row is not None:
                    claim.row.result_url = url
                    claim.row.save(update_fields=["result_url"])
        except (InputInvalid, Conflict, ValidationError, PermissionDenied) as exc:
            return refused(request, entry, exc, form=form, back=safe_next(request, default))
        if entry.done:
            messages.success(request, entry.done_message(call, result))
        return HttpResponseRedirect(url)

    view.table = table  # type: ignore[attr-defined]
    return view


def form_page(
    request: HttpRequest,
    table: ActionTable,
    name: str,
    *,
    target: Any = None,
    render_page: Callable[[Form | None], HttpResponse],
    success: Callable[[Call, Any], str],
) -> HttpResponse:
    """A page with one form (e.g. "new project"): GET shows it, POST performs the action.

    A refused POST renders the page again with the user's input and answers 400, 403 or 409 as
    the API does: field errors (the form's own and a service's) stay by their fields; other
    refusals show as messages.
    """
    actor = cast(User, request.user)
    entry = table.get(name)
    if not entry.may(actor, target):
        # A page of an object the person sees (the caller loaded it through its selector) but
        # may not change is a 403; a page that is only for people who may act is a 404 to others.
        if target is not None:
            raise ActionDenied(entry)
        raise Http404
    data = request.POST if request.method == "POST" else None
    form = entry.make_form(actor, target, data=data, files=request.FILES or None)
    refusal: Exception | None = None
    if request.method == "POST":
        try:
            key = _form_key(request, form)
            scope = f"{table.name}:{name}:{_target_key(target)}:page"
            with idempotency.claimed(actor, key, scope) as claim:
                if claim.first is not None:
                    return _already_submitted(request, claim.first)
                call, result = table.perform(name, actor=actor, target=target, form=form, data=data)
                url = success(call, result)
                if claim.row is not None:
                    claim.row.result_url = url
                    claim.row.save(update_fields=["result_url"])
        except InputInvalid as exc:
            refusal = exc  # the bound form shows its errors
        except ValidationError as exc:
            refusal = exc
            if form is not None and hasattr(exc, "error_dict"):
                _add_errors(form, exc)  # by the fields, as for the form's own checks
            else:
                report(request, exc)
        except (Conflict, PermissionDenied) as exc:
            refusal = exc
            report(request, exc)
        else:
            if entry.done:
                messages.success(request, entry.done_message(call, result))
            return HttpResponseRedirect(url)
    idempotency.add_token(form)
    response = render_page(form)
    if refusal is not None:
        # The same status as the API's and page_view's refusals, with the input kept.
        response.status_code = refusal_status(refusal)
    return response


#: The posted field that says "yes, do it" on a page (`Action.confirm`).
CONFIRM = "confirm"
CONFIRMED = "1"


def _ask(
    request: HttpRequest,
    table: ActionTable,
    entry: Action,
    target: Any,
    params: Mapping[str, Any],
    *,
    back: str,
) -> HttpResponse:
    """The confirmation page of an irreversible action: nothing is done (no row, no audit, the
    one-time token unused). The input and the permission are checked first, so a person is
    never asked to confirm what would be refused for them or their input; the form's own
    "I confirm" field (the API's explicit ``confirm``) is what this page's button answers."""
    actor = cast(User, request.user)
    data = request.POST.copy()
    form = entry.make_form(actor, target, data=data, files=request.FILES)
    if form is not None and CONFIRM in form.fields and CONFIRM not in request.POST:
        data[CONFIRM] = CONFIRMED
        form = entry.make_form(actor, target, data=data, files=request.FILES)
    try:
        _form_key(request, form)
        call = table.prepare(
            entry.name, actor=actor, target=target, data=data, params=params, form=form
        )
        consequence = entry.consequence(call)
        _rehearse(entry, call)
    except (InputInvalid, Conflict, ValidationError, PermissionDenied) as exc:
        if form is not None and CONFIRM not in request.POST:
            # Sent again from the refusal page, the form asks again (the yes is not on it).
            form.fields.pop(CONFIRM, None)
        return refused(request, entry, exc, form=form, back=back)
    fields = [
        (key, value)
        for key, values in request.POST.lists()
        if key not in ("csrfmiddlewaretoken", CONFIRM)
        for value in values
    ]
    if not request.POST.get(idempotency.FIELD):
        # The confirming button acts once, however often it is clicked.
        fields.append((idempotency.FIELD, idempotency.new_key()))
    return render(
        request,
        "ethics/action_confirm.html",
        {
            "label": entry.label or entry.name,
            "consequence": consequence,
            "summary": _summary(call.form),
            "fields": fields,
            "action_url": request.path,
            "back": back,
            "confirm_name": CONFIRM,
            "confirm_value": CONFIRMED,
        },
    )


class _Rehearsed(Exception):
    """Rolls the rehearsal back."""


def _rehearse(entry: Action, call: Call) -> None:
    """Run the service and roll everything back: a step the rules refuse (409 with the rule and
    every problem) is refused now, not after the person confirmed it. Nothing stays: the rows,
    the audit and the clocks roll back, and what the service queued for after the commit
    (e-mail, rendering jobs) is discarded with the savepoint."""
    try:
        with transaction.atomic():
            entry.run(call)
            raise _Rehearsed
    except _Rehearsed:
        pass
    except Exception as exc:
        # A refusal that leaves a trace of its own outside the service's transaction (R20a: the
        # institution is told nobody may act) leaves it once the rehearsal is rolled back.
        aftermath = getattr(exc, "after_rollback", None)
        if callable(aftermath):
            aftermath()
        raise


def _summary(form: Form | None) -> list[tuple[str, str]]:
    """What the person entered, by label, as they read it (choices by their label, people by
    name), for the confirmation page."""
    if form is None or not hasattr(form, "cleaned_data"):
        return []
    rows: list[tuple[str, str]] = []
    for name, spec in form.fields.items():
        if name in (CONFIRM, idempotency.FIELD, "next") or spec.widget.is_hidden:
            continue
        value = form.cleaned_data.get(name)
        if value in (None, "", [], (), {}) or isinstance(value, bool):
            continue
        if isinstance(spec, forms.ModelMultipleChoiceField):
            shown = ", ".join(str(spec.label_from_instance(v)) for v in value)
        elif isinstance(spec, forms.ModelChoiceField):
            shown = str(spec.label_from_instance(value))
        elif isinstance(spec, forms.ChoiceField):
            choices = cast(Iterable[tuple[Any, Any]], spec.choices)
            labels = {str(k): str(v) for k, v in choices if not isinstance(v, list | tuple)}
            if isinstance(value, list | tuple):
                shown = ", ".join(labels.get(str(v), str(v)) for v in value)
            else:
                shown = labels.get(str(value), str(value))
        elif isinstance(value, datetime):
            shown = f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
        elif isinstance(value, date):
            shown = value.isoformat()
        else:
            shown = str(value)
        rows.append((str(spec.label or name), shown))
    return rows


def _form_key(request: HttpRequest, form: Form | None) -> str | None:
    """The posted one-time token of a page's form (None without one); 400 when malformed."""
    raw = request.POST.get(idempotency.FIELD)
    try:
        return idempotency.valid_key(raw)
    except ValueError:
        raise InputInvalid(
            {idempotency.FIELD: [{"code": "invalid", "message": str(idempotency.BAD_KEY)}]},
            {},
        ) from None


def _target_key(target: Any) -> str:
    return "" if target is None else str(getattr(target, "pk", ""))


def _already_submitted(request: HttpRequest, first: Any) -> HttpResponse:
    """A second submission of the same form: the first one's result, not the action again."""
    messages.info(request, str(idempotency.ALREADY_SUBMITTED))
    return HttpResponseRedirect(first.result_url or "/")


def _add_errors(form: Form, exc: ValidationError) -> None:
    for key, errors in exc.error_dict.items():
        target = key if key in form.fields else None
        for error in errors:
            form.add_error(target, error)


def _model_choices_in_one_query(form: Form) -> Form:
    """The form's model choices (the reviewers to assign) are read with one plain query, not a
    server-side cursor's three round trips (``ethics.listing.one_query_choices``). The fields
    are the form's own copies, so only this form changes (issue 18: the application page's
    action forms). Their ``<select>`` options are written by ``ethics.form_renderer``."""
    from ethics.listing import one_query_choices

    for form_field in form.fields.values():
        one_query_choices(form_field)
    return form
