"""Issue 18: a list's filter form (``ethics/_list_controls.html``) is written in Python
(``ethics.listing.list_controls_html``). The markup must be what the per-field template loop
wrote, for every list's filter form, unbound, bound, with field and form errors, in both
languages."""

import re

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from ethics.listing import list_controls_html
from tests.ethics.test_listing_widgets import _filtersets

pytestmark = pytest.mark.django_db

# The template as it was before issue 18's cut (templates/ethics/_list_controls.html).
OLD_CONTROLS = """{% load i18n %}{# The filter form of a list (ethics/listing.py): search, filters, sort, submit and clear. #}
<form method="get" class="list-controls" role="search" aria-label="{% translate 'Search and filter' %}" data-list-controls>
  {% for field in filterset.form %}{% if field.is_hidden %}{{ field }}{% for error in field.errors %}<p class="errorlist" data-filter="{{ field.name }}">{{ field.label }}: {{ error }}</p>{% endfor %}{% else %}
  <div class="list-field{% if field.name == 'q' %} list-search{% endif %}{% if field.errors %} invalid{% endif %}" data-filter="{{ field.name }}">
    <label for="{{ field.id_for_label }}">{{ field.label }}</label>{{ field }}
    {% if field.errors %}<ul class="errorlist">{% for error in field.errors %}<li>{{ error }}</li>{% endfor %}</ul>{% endif %}
  </div>{% endif %}{% endfor %}
  {% for error in filterset.form.non_field_errors %}<p class="errorlist">{{ error }}</p>{% endfor %}
  <div class="list-buttons">
    <button type="submit">{% translate "Search" %}</button>
    <a class="button secondary" href="?" data-clear>{% translate "Clear" %}</a>
  </div>
</form>
"""

BAD = {
    "q": "x" * 300,
    "o": "<nonsense>",
    "status": "no such",
    "kind": "no such",
    "committee": "999999999",
    "project": "abc",
    "submitted_from": "2026-13-45",
    "created_from": "yesterday",
    "overdue": "maybe",
    "bucket": "<b>",
    "page": "2",
}
GOOD = {"q": 'falls "care" & <sleep>', "o": "-due", "overdue": "true", "bucket": "open"}


def _old(filterset):
    return engines["django"].from_string(OLD_CONTROLS).render({"filterset": filterset})


def _new(filterset):
    return (
        engines["django"]
        .get_template("ethics/_list_controls.html")
        .render({"filterset": filterset})
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_filter_form_is_written_as_the_template_wrote_it(world, language):
    request = RequestFactory().get("/")
    request.user = world.secretary
    checked = 0
    with translation.override(language):
        for filterset_class in _filtersets():
            for data in (None, GOOD, BAD):
                filterset = filterset_class(data, request=request)
                if data is BAD:
                    assert not filterset.form.is_valid()
                    filterset.form.add_error(None, 'Across fields: <a & "b">')
                assert _new(filterset) == _old(filterset), (filterset_class, data)
                checked += 1
    assert checked >= 30


def test_the_writer_escapes_what_the_template_escaped(world):
    request = RequestFactory().get("/")
    request.user = world.secretary
    filterset = _filtersets()[0]({"q": "<script>", "o": '"><x'}, request=request)
    html = list_controls_html(filterset.form)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def _query(filterset):
    """The filtered query's SQL, its moments (``timezone.now()`` of an overdue filter) masked."""
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?", "<now>", str(filterset.qs.query))


def _stock(monkeypatch):
    """django-filter's own ``__init__`` (filters deep-copied) and form class (fields deep-copied
    by ``BaseForm``), with the list form's widgets: what ``ListFilterSet`` did before issue 18."""
    import django_filters

    from ethics import listing

    def get_form_class(self):
        form_class = django_filters.FilterSet.get_form_class(self)
        return type(form_class.__name__, (listing._ListForm, form_class), {})

    monkeypatch.setattr(listing.ListFilterSet, "__init__", django_filters.FilterSet.__init__)
    monkeypatch.setattr(listing.ListFilterSet, "get_form_class", get_form_class)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_own_copies_of_the_filters_behave_as_deep_copies(world, monkeypatch, language):
    """``ListFilterSet`` copies its filters one level deep and hands its fields to the form
    without a deep copy (issue 18): the form, its errors, its values and the query are the same,
    and nothing of a request is left on the declared filters."""
    request = RequestFactory().get("/")
    request.user = world.secretary
    seen = []
    with translation.override(language):
        for filterset_class in _filtersets():
            for data in (None, GOOD, BAD):
                filterset = filterset_class(data, request=request)
                valid = filterset.is_valid()
                seen.append(
                    (
                        list_controls_html(filterset.form),
                        dict(filterset.form.errors),
                        filterset.form.cleaned_data if valid else None,
                        _query(filterset) if valid else None,
                    )
                )
                for declared in filterset_class.base_filters.values():
                    assert getattr(declared, "parent", None) is None
                    assert "make_queryset" not in declared.extra
        with monkeypatch.context() as patch:
            _stock(patch)
            expected = []
            for filterset_class in _filtersets():
                for data in (None, GOOD, BAD):
                    filterset = filterset_class(data, request=request)
                    valid = filterset.is_valid()
                    expected.append(
                        (
                            list_controls_html(filterset.form),
                            dict(filterset.form.errors),
                            filterset.form.cleaned_data if valid else None,
                            _query(filterset) if valid else None,
                        )
                    )
    assert seen == expected
    assert any(qs for *_rest, qs in seen)


@pytest.mark.parametrize(
    ("language", "every", "default_order"),
    [("zh-hans", "全部", "默认顺序"), ("en", "All", "Default order")],
)
def test_every_empty_option_reads_a_word_not_dashes(world, language, every, default_order):
    """A list filter's empty option says 全部 / All (and the sort's says 默认顺序 / Default
    order), for plain choices as for model choices: it used to read "---------"."""
    request = RequestFactory().get("/")
    request.user = world.secretary
    selects = 0
    with translation.override(language):
        for filterset_class in _filtersets():
            html = list_controls_html(filterset_class(None, request=request).form)
            assert "-----" not in html, filterset_class
            for name, first in re.findall(
                r'<select name="([^"]+)"[^>]*>\s*<option value=""[^>]*>([^<]*)</option>', html
            ):
                assert first == (default_order if name == "o" else every), (filterset_class, name)
                selects += 1
    assert selects >= 20
