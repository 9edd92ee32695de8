"""Django's form renderer with its stock templates written in Python (issue 18).

Every form on a page goes through Django's form templates: ``p.html`` for the form, then per
field ``label.html`` (and the form's ``attrs.html``), ``errors/list/default.html`` (which
includes ``ul.html``, rendered even when the list is empty), the widget's template, which
includes ``input.html`` and ``attrs.html``, and for a list of checkboxes or radio buttons an
include of ``input_option.html`` per choice. The application page's four action forms cost
some 30 template renders and a sixth of the page's time (the reviewers' checkboxes the most).

``FormRenderer`` is Django's ``DjangoTemplates`` renderer (the default, ``FORM_RENDERER``)
that writes these templates' output in Python from the same context, character for character,
and hands every other template (a widget with its own, a non-empty error list, ``div.html``)
to the templates as before. The default renderer's engine
looks in ``django/forms/templates`` before any app, so no project template can override these
names. In the test suite ``FormRenderer.check`` is on (tests/conftest.py): every form any test
renders is also rendered by the templates and compared, and a difference fails the test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape as html_escape
from typing import Any, ClassVar

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString

Context = Mapping[str, Any]
Writer = Callable[[Context], "str | None"]


def _v(value: Any) -> str:
    """``{{ value }}`` (autoescaped) for what forms put in their templates' context: strings,
    lazy strings, and renderables (bound fields, error lists), which the template engine turns
    into ``str`` before escaping."""
    if type(value) is str:
        return html_escape(value)
    if isinstance(value, Promise) or not isinstance(value, str):
        value = str(value)
    return str(conditional_escape(value))


def _s(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: ``"%s" % value``, escaped unless the value was safe
    (the filter is ``is_safe``)."""
    if type(value) is str:  # most values: the formatting changes nothing
        return html_escape(value)
    text = "%s" % (value,)  # noqa: UP031 - the filter's own formatting
    return text if isinstance(value, SafeData) else html_escape(text)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """``attrs.html`` (the form's and the widgets'): `` name="value"``, a bare name for True,
    nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_v(name)}" if value is True else f' {_v(name)}="{_s(value)}"')
    return "".join(parts)


def _get(mapping: Any, key: str) -> Any:
    """A template's ``mapping.key``: "" when missing."""
    try:
        return mapping[key]
    except (KeyError, TypeError):
        return ""


def _input(widget: Context) -> str:
    """``widgets/input.html``, without its final newline."""
    value = widget.get("value")
    shown = f' value="{_s(value)}"' if value is not None else ""
    return (
        f'<input type="{_v(widget["type"])}" name="{_v(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>"
    )


def _input_widget(context: Context) -> str:
    return _input(context["widget"])


def _textarea(context: Context) -> str:
    widget = context["widget"]
    value = widget.get("value")
    return (
        f'<textarea name="{_v(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_v(value) if value else ''}</textarea>"
    )


_OPTION_TEMPLATES = frozenset(
    {"django/forms/widgets/checkbox_option.html", "django/forms/widgets/radio_option.html"}
)


def _option(option: Context) -> str:
    """``checkbox_option.html``/``radio_option.html`` included inline (not stripped)."""
    wrap = option.get("wrap_label")
    option_id = _get(option.get("attrs"), "id")
    opening = (f'<label for="{_v(option_id)}">' if option_id else "<label>") if wrap else ""
    closing = f" {_v(option.get('label'))}</label>" if wrap else ""
    return f"{opening}{_input(option)}\n{closing}\n\n"


def _multiple_input(context: Context) -> str | None:
    """``checkbox_select.html``/``radio.html`` (``multiple_input.html``)."""
    widget = context["widget"]
    groups = widget["optgroups"]
    if any(
        option.get("template_name") not in _OPTION_TEMPLATES
        for _g, os, _i in groups
        for option in os
    ):
        return None
    attrs = widget.get("attrs") or {}
    widget_id = _get(attrs, "id")
    css = _get(attrs, "class")
    parts = [
        "<div",
        f' id="{_v(widget_id)}"' if widget_id else "",
        f' class="{_v(css)}"' if css else "",
        ">",
    ]
    for group, options, _index in groups:
        if group:
            parts.append(f"\n  <div><label>{_v(group)}</label>")
        parts.extend(f"<div>\n    {_option(option)}</div>" for option in options)
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


_SELECT_OPTION = "django/forms/widgets/select_option.html"


def _select(context: Context) -> str | None:
    """``select.html`` with an include of ``select_option.html`` per option (``Select``,
    ``SelectMultiple``, ``NullBooleanSelect``, django-filter's selects): a region's 200
    committees in a filter were 200 includes. An option with its own template goes to the
    templates."""
    widget = context["widget"]
    parts = [f'<select name="{_v(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f'\n  <optgroup label="{_v(group)}">')
        for option in options:
            if option.get("template_name") != _SELECT_OPTION:
                return None
            attrs = option["attrs"]
            parts.append(
                f'\n  <option value="{_s(option["value"])}"{_attrs(attrs) if attrs else ""}>'
                f"{_v(option['label'])}</option>\n"
            )
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _label(context: Context) -> str:
    """``label.html``."""
    label = _v(context["label"])
    if not context.get("use_tag"):
        return label.strip()
    tag = _v(context["tag"])
    return f"<{tag}{_attrs(context.get('attrs') or {})}>{label}</{tag}>"


def _error_list(context: Context) -> str | None:
    """``errors/list/default.html``: nothing for an empty list (most fields of most forms);
    the template writes a list with errors."""
    return "" if not context["errors"] else None


def _p(context: Context) -> str:
    """``p.html``: the form as paragraphs."""
    errors = context["errors"]
    fields = context["fields"]
    hidden = "".join(_v(field) for field in context["hidden_fields"])
    out = [_v(errors), "\n"]
    if errors and not fields:
        out.append(f"\n  <p>{hidden}</p>\n")
    out.append("\n")
    last = len(fields) - 1
    for index, (field, field_errors) in enumerate(fields):
        classes = field.css_classes()
        out.append(f"\n  {_v(field_errors)}\n  <p")
        if classes:
            out.append(f' class="{_v(classes)}"')
        out.append(">\n    ")
        if field.label:
            out.append(_v(field.label_tag()))
        out.append(f"\n    {_v(field)}\n    ")
        if field.help_text:
            auto_id = field.auto_id
            helptext_id = f' id="{_v(auto_id)}_helptext"' if auto_id else ""
            out.append(
                f'\n      <span class="helptext"{helptext_id}>{field.help_text}</span>\n    '
            )
        out.append("\n    ")
        if index == last:
            out.append(f"\n      {hidden}\n    ")
        out.append("\n  </p>\n")
    out.append("\n")
    if not fields and not errors:
        out.append(f"\n  {hidden}\n")
    out.append("\n")
    return "".join(out).strip()


_INPUTS = [
    "input",
    "checkbox",
    "color",
    "date",
    "datetime",
    "email",
    "file",
    "hidden",
    "number",
    "password",
    "search",
    "tel",
    "text",
    "time",
    "url",
]

WRITERS: dict[str, Writer] = {
    **{f"django/forms/widgets/{name}.html": _input_widget for name in _INPUTS},
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/checkbox_select.html": _multiple_input,
    "django/forms/widgets/radio.html": _multiple_input,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _error_list,
    "django/forms/p.html": _p,
}


def _unlogged(render: Callable[[], str]) -> str:
    """Run the check's second rendering without its queries in the connections' logs: a model
    choice rendered again reads its choices again, which a test counting the page's queries
    must not see."""
    from django.db import connections

    logs = [(c, len(c.queries_log)) for c in connections.all(initialized_only=True)]
    try:
        return render()
    finally:
        for connection, length in logs:
            while len(connection.queries_log) > length:
                connection.queries_log.pop()


class FormRenderer(DjangoTemplates):
    """``DjangoTemplates`` with ``WRITERS`` in Python; see the module's docstring."""

    check: ClassVar[bool] = False  # tests: compare every writer's output with the template's

    def render(self, template_name: str, context: Any, request: Any = None) -> str:
        writer = WRITERS.get(template_name)
        written = writer(context) if writer is not None else None
        if written is None:
            return str(super().render(template_name, context, request))
        if self.check:
            expected = _unlogged(
                lambda: super(FormRenderer, self).render(template_name, context, request)
            )
            if written != expected:
                raise AssertionError(
                    f"FormRenderer wrote {template_name} differently:\n"
                    f"template: {expected!r}\nwritten:  {written!r}"
                )
        return SafeString(written)
