"""Issue 18: the selects and inputs of every form, the list filters' included, are written in
Python by ``ethics.form_renderer`` (the project's FORM_RENDERER), not by an include of
``select_option.html`` per option and of ``input.html``/``attrs.html`` per input. The markup must
stay exactly the templates', for every select and input of every list's filter form, selected
or not. Each case renders the widget twice, with the project's renderer (its check against the
templates turned off) and with Django's ``DjangoTemplates``, and compares."""

import datetime as dt
import importlib

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.widgets import Input
from django.test import RequestFactory
from django.utils.safestring import mark_safe
from django_filters.widgets import BaseCSVWidget

from ethics import form_renderer
from ethics.form_renderer import FormRenderer
from ethics.listing import ListFilterSet

pytestmark = pytest.mark.django_db

FILTER_MODULES = (
    "committees.filters",
    "ethics.filters",
    "ethics.list_filters",
    "meetings.filters",
    "oversight.complaints_filters",
    "oversight.incidents_filters",
    "oversight.quality_filters",
    "oversight.sanctions_filters",
    "registry.filters",
    "reviews.filters",
)
SELECT = "django/forms/widgets/select.html"


@pytest.fixture
def written(monkeypatch):
    """The project's renderer without its test-time comparison (this module compares), and a
    count of the templates it wrote in Python."""
    monkeypatch.setattr(FormRenderer, "check", False)
    calls = {}
    for name, writer in list(form_renderer.WRITERS.items()):

        def counted(context, name=name, writer=writer):
            result = writer(context)
            if result is not None:
                calls[name] = calls.get(name, 0) + 1
            return result

        monkeypatch.setitem(form_renderer.WRITERS, name, counted)
    return FormRenderer(), calls


def _both(renderer, widget, name, value, attrs):
    return (
        widget.render(name, value, attrs, renderer=renderer),
        widget.render(name, value, attrs, renderer=DjangoTemplates()),
    )


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _filtersets():
    for module in FILTER_MODULES:
        importlib.import_module(module)
    return sorted(set(_subclasses(ListFilterSet)), key=lambda c: c.__qualname__)


def test_every_list_filter_form_is_covered():
    assert len(_filtersets()) >= 10


def test_every_select_writes_the_templates_markup(world, written):
    renderer, calls = written
    request = RequestFactory().get("/")
    request.user = world.secretary
    checked = 0
    for filterset_class in _filtersets():
        form = filterset_class(None, request=request).form
        for name, field in form.fields.items():
            widget = field.widget
            if not isinstance(widget, forms.Select):
                continue
            values = [str(v) for v, _label in widget.choices]
            candidates = [None, "", "unknown", "true", "false", "no such"]
            candidates += [*values[:2], *values[-1:]]
            if len(values) > 1 and isinstance(widget, (forms.SelectMultiple, BaseCSVWidget)):
                candidates.append(values[:2])
            for value in candidates:
                for attrs in (None, {"id": f"id_{name}", "aria-invalid": "true", "x": False}):
                    ours, templates = _both(renderer, widget, name, value, attrs)
                    assert ours == templates, (filterset_class.__qualname__, name, value)
                    checked += 1
    assert checked > 100
    assert sum(calls.values()) == checked  # every one written in Python (a CSV select: an input)


@pytest.mark.parametrize(
    "widget",
    [
        forms.Select(choices=[("", "All"), ("a<b", 'x "y" & z'), (1, 2)]),
        forms.Select(choices=[("Group <g>", [("a", "A"), ("b", "B")]), ("c", "C"), (None, "none")]),
        forms.SelectMultiple(choices=[("a", "A"), ("b", "B"), ("c", "C")]),
        forms.NullBooleanSelect(),
        forms.Select(choices=[("s", mark_safe("<b>safe</b>")), (dt.date(2026, 1, 2), "day")]),
    ],
)
@pytest.mark.parametrize("value", [None, "", "a", "b", "a<b", 1, True, False, "c", "true"])
def test_escaping_groups_and_multiple_selection_match(written, widget, value):
    renderer, calls = written
    attrs = {"id": "f", "required": True, "data-x": '"<q>"'}
    ours, templates = _both(renderer, widget, "f", value, attrs)
    assert ours == templates
    assert calls[SELECT] == 1


def test_a_multiple_select_marks_every_chosen_option(written):
    renderer, _calls = written
    widget = forms.SelectMultiple(choices=[("a", "A"), ("b", "B"), ("c", "C")])
    ours, templates = _both(renderer, widget, "f", ["a", "c"], {"id": "f"})
    assert ours == templates
    assert ours.count(" selected") == 2
    assert " multiple" in ours


def test_an_option_with_its_own_template_goes_to_the_templates(written):
    renderer, calls = written
    widget = forms.Select(choices=[("a", "A"), ("b", "B")])
    widget.option_template_name = "django/forms/widgets/input_option.html"
    ours, templates = _both(renderer, widget, "f", "a", None)
    assert ours == templates
    assert SELECT not in calls  # handed to the templates, not written


def test_a_select_outside_the_lists_is_written_too(written, world):
    """The reports dashboard's committee choice, no longer given its own writer."""
    from reports.forms import DashboardFilterForm

    renderer, calls = written
    form = DashboardFilterForm(committees=[world.committee, world.committee], renderer=renderer)
    ours = str(form["committee"])
    form.renderer = DjangoTemplates()
    assert ours == str(form["committee"])
    assert "<select" in ours
    assert calls[SELECT] == 1


def test_every_input_writes_the_templates_markup(world, written):
    """The search box, date and hidden fields of every list's filter form (issue 18)."""
    renderer, calls = written
    request = RequestFactory().get("/")
    request.user = world.secretary
    checked = 0
    for filterset_class in _filtersets():
        form = filterset_class(None, request=request).form
        for name, field in form.fields.items():
            widget = field.widget
            if not isinstance(widget, Input):
                continue
            for value in (None, "", "x", 'a "b" <c> & d', 12, dt.date(2026, 1, 2)):
                for attrs in (None, {"id": f"id_{name}", "aria-invalid": "true", "x": False}):
                    ours, templates = _both(renderer, widget, name, value, attrs)
                    assert ours == templates, (filterset_class.__qualname__, name, value)
                    checked += 1
    assert checked > 100
    assert sum(calls.values()) == checked


@pytest.mark.parametrize(
    "widget",
    [
        forms.TextInput(attrs={"maxlength": 200, "placeholder": '"q" <x>'}),
        forms.DateInput(),
        forms.HiddenInput(),
        forms.NumberInput(attrs={"min": 1, "required": True, "disabled": False}),
        forms.EmailInput(),
    ],
)
@pytest.mark.parametrize(
    "value", [None, "", "a<b", 1, 2.5, True, dt.date(2026, 12, 31), mark_safe("<b>"), (1, 2)]
)
def test_inputs_escape_and_format_like_the_template(written, widget, value):
    renderer, calls = written
    attrs = {"id": "f", "data-x": '"<q>"'}
    ours, templates = _both(renderer, widget, "f", value, attrs)
    assert ours == templates
    assert sum(calls.values()) == 1


def test_a_widget_with_its_own_template_keeps_it(written):
    renderer, calls = written
    widget = forms.ClearableFileInput()
    ours, templates = _both(renderer, widget, "f", None, {"id": "f"})
    assert ours == templates
    assert calls == {}
