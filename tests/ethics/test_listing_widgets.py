"""Issue 18: the list filter forms write their <option> elements (ethics/listing.py
``inline_options``) and their inputs (``inline_input``) in Python instead of template includes. The markup must stay exactly
the template's, for every select of every list's filter form, selected or not."""

import copy
import datetime as dt
import importlib

import pytest
from django import forms
from django.forms.widgets import Input
from django.test import RequestFactory
from django.utils.safestring import mark_safe
from django_filters.widgets import BaseCSVWidget

from ethics import listing
from ethics.listing import ListFilterSet, inline_input, inline_options

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


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _filtersets():
    for module in FILTER_MODULES:
        importlib.import_module(module)
    return sorted(set(_subclasses(ListFilterSet)), key=lambda c: c.__qualname__)


def _template_render(widget, name, value, attrs):
    """What Django's own select.html/select_option.html write for this widget."""
    original = copy.copy(widget)
    original.__class__ = type(widget).__mro__[2]  # Inline<cls> -> _InlineOptions -> cls
    assert not isinstance(original, listing._InlineOptions)
    return original.render(name, value, attrs)


def test_every_list_filter_form_is_covered():
    assert len(_filtersets()) >= 10


def test_every_select_writes_the_templates_markup(world):
    request = RequestFactory().get("/")
    request.user = world.secretary
    checked = 0
    for filterset_class in _filtersets():
        form = filterset_class(None, request=request).form
        for name, field in form.fields.items():
            widget = field.widget
            if not isinstance(widget, forms.Select):
                continue
            assert isinstance(widget, listing._InlineOptions), (filterset_class, name)
            values = [str(v) for v, _label in widget.choices]
            candidates = [
                None,
                "",
                "unknown",
                "true",
                "false",
                "no such",
                *values[:2],
                *values[-1:],
            ]
            if len(values) > 1 and isinstance(widget, (forms.SelectMultiple, BaseCSVWidget)):
                candidates.append(values[:2])
            for value in candidates:
                for attrs in (None, {"id": f"id_{name}", "aria-invalid": "true", "x": False}):
                    expected = _template_render(widget, name, value, attrs)
                    assert widget.render(name, value, attrs) == expected, (
                        filterset_class.__qualname__,
                        name,
                        value,
                    )
                    checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    "widget",
    [
        forms.Select(choices=[("", "All"), ("a<b", 'x "y" & z'), (1, 2)]),
        forms.Select(choices=[("Group <g>", [("a", "A"), ("b", "B")]), ("c", "C"), (None, "none")]),
        forms.SelectMultiple(choices=[("a", "A"), ("b", "B"), ("c", "C")]),
        forms.NullBooleanSelect(),
    ],
)
@pytest.mark.parametrize("value", [None, "", "a", "b", "a<b", 1, True, False, "c", "true"])
def test_escaping_groups_and_multiple_selection_match(widget, value):
    inline_options(widget)
    assert isinstance(widget, listing._InlineOptions)
    attrs = {"id": "f", "required": True, "data-x": '"<q>"'}
    assert widget.render("f", value, attrs) == _template_render(widget, "f", value, attrs)


def test_a_multiple_select_marks_every_chosen_option():
    widget = forms.SelectMultiple(choices=[("a", "A"), ("b", "B"), ("c", "C")])
    inline_options(widget)
    html = widget.render("f", ["a", "c"], {"id": "f"})
    assert html == _template_render(widget, "f", ["a", "c"], {"id": "f"})
    assert html.count(" selected") == 2
    assert " multiple" in html


def test_a_select_with_its_own_template_keeps_it():
    widget = forms.Select(choices=[("a", "A")])
    widget.template_name = "custom/select.html"
    inline_options(widget)
    assert not isinstance(widget, listing._InlineOptions)
    radio = forms.RadioSelect(choices=[("a", "A")])
    inline_options(radio)
    assert not isinstance(radio, listing._InlineOptions)


def _template_input(widget, name, value, attrs):
    """What Django's own input.html/attrs.html write for this input."""
    original = copy.copy(widget)
    original.__class__ = type(widget).__mro__[2]  # Inline<cls> -> _InlineInput -> cls
    assert not isinstance(original, listing._InlineInput)
    return original.render(name, value, attrs)


def test_every_input_writes_the_templates_markup(world):
    """The search box, date and hidden fields of every list's filter form (issue 18)."""
    request = RequestFactory().get("/")
    request.user = world.secretary
    checked = 0
    for filterset_class in _filtersets():
        form = filterset_class(None, request=request).form
        for name, field in form.fields.items():
            widget = field.widget
            if not isinstance(widget, Input):
                continue
            assert isinstance(widget, listing._InlineInput), (filterset_class, name)
            for value in (None, "", "x", 'a "b" <c> & d', 12, dt.date(2026, 1, 2)):
                for attrs in (None, {"id": f"id_{name}", "aria-invalid": "true", "x": False}):
                    expected = _template_input(widget, name, value, attrs)
                    assert widget.render(name, value, attrs) == expected, (
                        filterset_class.__qualname__,
                        name,
                        value,
                    )
                    checked += 1
    assert checked > 100


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
def test_inputs_escape_and_format_like_the_template(widget, value):
    inline_input(widget)
    assert isinstance(widget, listing._InlineInput)
    attrs = {"id": "f", "data-x": '"<q>"'}
    assert widget.render("f", value, attrs) == _template_input(widget, "f", value, attrs)


def test_an_input_with_its_own_template_keeps_it():
    widget = forms.TextInput()
    widget.template_name = "custom/text.html"
    inline_input(widget)
    assert not isinstance(widget, listing._InlineInput)
    for other in (forms.CheckboxInput(), forms.FileInput(), forms.Textarea()):
        inline_input(other)
        assert not isinstance(other, listing._InlineInput)
