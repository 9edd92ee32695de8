"""Lists that find things: one django-filter FilterSet per list, shared by its page and its API.

A list declares a ``ListFilterSet`` subclass (in its app's ``filters.py``) with

* ``search_fields``: ORM paths searched by ``q`` (``icontains``, OR'ed over the fields; every
  whitespace-separated word must match one of them), e.g. ``("title", "number",
  "applicant__name", "applicant__username")``;
* ``ordering_fields``: ``(orm path, parameter, label)`` triples offered by ``o`` (ascending and
  descending, ``o=-submitted``);
* its filters, as ordinary django-filter filters.

The page view calls ``filtered_page(request, MyFilterSet, queryset)`` and renders
``ethics/_list_controls.html`` and ``ethics/_pagination.html`` with the returned context; the API
viewset sets ``filterset_class = MyFilterSet`` (``DjangoFilterBackend`` is the default backend),
so ``?q=``, ``?o=`` and every filter mean the same on both routes. Invalid input is an error on
its field: the page shows it and an empty list, the API answers 400 with the field's code.

The queryset passed in is already permission-scoped (a selector); filters only narrow it, so a
search can never reach rows the reader may not see.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html import escape as html_escape
from typing import Any, ClassVar, cast

import django_filters
from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.http import HttpRequest, QueryDict
from django.utils.formats import localize
from django.utils.functional import Promise, cached_property, lazy
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField
from django_filters.fields import ModelChoiceIterator as FilterChoiceIterator
from django_filters.filters import QuerySetRequestMixin
from django_filters.filterset import FilterSetMetaclass

from ethics.prepared import Prepared, signature, unlogged

SEARCH_MAX_LENGTH = 200
_MAX_TERMS = 8

YES_NO = (("true", _("Yes")), ("false", _("No")))


MAX_ID = 2**63 - 1  # the largest id a database column holds; more is a field error, not a 500


class IdFilter(django_filters.NumberFilter):  # type: ignore[misc]
    """An object id: a whole number a database can hold (``?project=12``)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def person_fields(path: str) -> tuple[str, ...]:
    """The ``search_fields`` of a person reached through ``path`` (``"project__lead"``): display
    name, first and last name, username."""
    return tuple(f"{path}__{name}" for name in ("name", "first_name", "last_name", "username"))


def _descending_text(label: Any) -> str:
    return gettext("%(label)s (descending)") % {"label": label}


# Built when a class is defined, read in the reader's language.
_descending = lazy(_descending_text, str)


class ListOrderingFilter(django_filters.OrderingFilter):  # type: ignore[misc]
    """``o``: one of the declared orderings; ties broken by primary key for stable pages."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        qs = super().filter(qs, value)
        if value:
            descending = str(value[0]).startswith("-")
            qs = qs.order_by(*qs.query.order_by, "-pk" if descending else "pk")
        return qs


class _ListFilterSetMetaclass(FilterSetMetaclass):  # type: ignore[misc]
    """Adds the ``o`` filter from ``ordering_fields`` to ``base_filters`` (so the API schema and
    the page form both show it)."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        new_class = super().__new__(mcs, name, bases, attrs)
        fields: Sequence[tuple[str, str, Any]] = getattr(new_class, "ordering_fields", ())
        if fields:
            labels: dict[str, Any] = {}
            for path, param, label in fields:
                labels[path] = label
                labels[f"-{param}"] = _descending(label)
            new_class.base_filters["o"] = ListOrderingFilter(
                fields=[(path, param) for path, param, _label in fields],
                field_labels=labels,
                label=_("Sort"),
                empty_label=_("Default order"),
            )
        return new_class


def text_html(value: Any) -> str:
    """``{{ value }}`` in a template: ``conditional_escape(localize(value))``, with plain strings
    (most of a page's cells and labels) escaped by ``html.escape`` directly, the same characters
    as ``django.utils.html.escape`` without its lazy-argument wrapper (issue 18)."""
    if type(value) is str:
        return html_escape(value)
    if isinstance(value, Promise):
        value = str(value)
        if type(value) is str:
            return html_escape(value)
    return conditional_escape(localize(value))


class _LazyChoices(FilterChoiceIterator):  # type: ignore[misc]
    """The choices of a ``_LazyModelChoiceField``: its queryset is read when they are listed
    (a page renders the select), not when the field is made."""

    def __init__(self, field: Any) -> None:
        self.field = field

    @property
    def queryset(self) -> Any:
        return self.field.queryset


class _LazyModelChoiceField(ModelChoiceField):  # type: ignore[misc]
    """A model choice whose queryset comes from ``make_queryset()`` on first use: rendering the
    options or checking a value given for it. Until then nothing is built."""

    iterator = _LazyChoices
    _queryset: Any = None

    def __init__(
        self,
        *args: Any,
        make_queryset: Callable[[], Any],
        make_choice_rows: Callable[[], Iterable[tuple[Any, str]]] | None = None,
        **kwargs: Any,
    ) -> None:
        self._make_queryset = make_queryset
        self.make_choice_rows = make_choice_rows
        super().__init__(*args, queryset=None, **kwargs)

    def _get_queryset(self) -> Any:
        if self._queryset is None and self._make_queryset is not None:
            queryset = self._make_queryset()
            self._queryset = None if queryset is None else queryset.all()
        return self._queryset

    def _set_queryset(self, queryset: Any) -> None:
        super()._set_queryset(queryset)

    queryset = property(_get_queryset, _set_queryset)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        if self._queryset is not None:
            return super().__deepcopy__(memo)
        # Field's copy, not ModelChoiceField's: that one reads the queryset (not in the stubs).
        result = forms.Field.__deepcopy__(self, memo)  # type: ignore[attr-defined]
        result.widget.choices = result.choices  # the copy's own lazy choices
        return result


class LazyModelChoiceFilter(django_filters.ModelChoiceFilter):  # type: ignore[misc]
    """A ``ModelChoiceFilter`` whose ``queryset`` (a callable of the request, as django-filter
    takes it) is called only when its choices are shown or a value for it is checked (issue 18:
    building the committees a reader may name was the largest part of an API list's FilterSet,
    which never shows the choices). Same choices, same validation, same errors."""

    field_class = _LazyModelChoiceField

    def __init__(
        self,
        *args: Any,
        choice_rows: Callable[[Any], Iterable[tuple[Any, str]]] | None = None,
        **kwargs: Any,
    ) -> None:
        # ``choice_rows(request)``: the options as (id, label) rows, the labels those the
        # queryset's instances show, read without building the queryset (issue 18:
        # ``reviews.selectors.known_committee_choices``). Values are still checked against the
        # queryset.
        self.choice_rows = choice_rows
        super().__init__(*args, **kwargs)

    @property
    def field(self) -> forms.Field:
        if not hasattr(self, "_field"):
            request = self.get_request()
            self.extra["make_queryset"] = lambda: self.get_queryset(request)
            self.extra.pop("queryset", None)
            if self.choice_rows is not None:
                choice_rows = self.choice_rows
                self.extra["make_choice_rows"] = lambda: choice_rows(request)
        return cast(forms.Field, super(QuerySetRequestMixin, self).field)


class _OneQueryChoices(ModelChoiceIterator):
    """Model choices read with one plain query (issue 18).

    Django's iterator reads them through ``QuerySet.iterator()``, which on PostgreSQL opens a
    server-side cursor: ``DECLARE``, ``FETCH`` and ``CLOSE``, three round trips for a filter's
    handful of committees. The choices and their order are the same."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        make_rows = getattr(self.field, "make_choice_rows", None)
        if make_rows is not None:
            yield from make_rows()  # (id, label): the option's value and text
            return
        for obj in self.queryset.all():  # a clone: the field's own queryset keeps no cache
            yield self.choice(obj)


_ONE_QUERY_CLASSES: dict[type, type] = {}


def one_query_choices(field: forms.Field) -> None:
    """Let a model choice field (and its widget) read its choices with ``_OneQueryChoices``;
    a subclass's own iterator (django-filter's null choice) still runs around it."""
    if not isinstance(field, forms.ModelChoiceField) or issubclass(
        field.iterator, _OneQueryChoices
    ):
        return
    base = field.iterator
    if issubclass(_OneQueryChoices, base):  # Django's own iterator: no subclass to keep
        _ONE_QUERY_CLASSES[base] = _OneQueryChoices
    if base not in _ONE_QUERY_CLASSES:
        _ONE_QUERY_CLASSES[base] = type(f"OneQuery{base.__name__}", (base, _OneQueryChoices), {})
    field.iterator = _ONE_QUERY_CLASSES[base]
    field.widget.choices = field.choices


class _ListForm(forms.Form):
    """The filter form: date fields as date pickers, compact widgets, options written without a
    template per option."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            one_query_choices(field)
            if isinstance(field, forms.DateField) and isinstance(field.widget, forms.DateInput):
                field.widget.input_type = "date"
            if isinstance(field, forms.ModelChoiceField):
                # A model choice's empty option; a plain choice filter's comes from its declared
                # filter: FILTERS_EMPTY_CHOICE_LABEL ("All", config/settings.py), and "Default
                # order" for `o` (ListOrderingFilter). Both used to read "---------".
                field.empty_label = _("Default order") if name == "o" else _("All")


class ListFilterSet(django_filters.FilterSet, metaclass=_ListFilterSetMetaclass):  # type: ignore[misc]
    """Base of every list's FilterSet: ``q`` search over ``search_fields``, ``o`` ordering over
    ``ordering_fields``."""

    search_fields: ClassVar[Sequence[str]] = ()
    ordering_fields: ClassVar[Sequence[tuple[str, str, Any]]] = ()

    q = django_filters.CharFilter(
        label=_("Search"), method="filter_search", max_length=SEARCH_MAX_LENGTH
    )

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        terms = value.split()[:_MAX_TERMS]
        fields = self.get_search_fields(queryset)
        if not terms or not fields:
            return queryset
        condition = Q()
        for term in terms:
            any_field = Q()
            for path in fields:
                any_field |= Q(**{f"{path}__icontains": term})
            condition &= any_field
        # A subquery keeps one row per object when a path crosses a to-many relation (a team).
        return queryset.filter(pk__in=queryset.filter(condition).values("pk"))

    def get_search_fields(self, queryset: QuerySet[Any]) -> Sequence[str]:
        """The paths ``q`` searches; a subclass may add one the queryset carries."""
        return self.search_fields

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Any] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        """django-filter's ``BaseFilterSet.__init__`` (26.2) with the filters copied one level
        deep instead of ``copy.deepcopy``'d (issue 18: a sixth of a list page's calls). Each
        filter gets its own ``extra`` (which a FilterSet's ``__init__`` or a lazy filter writes
        to), its own ``method`` binding and no field built before, so nothing a request sets
        reaches ``base_filters`` or another request's filters."""
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        model = queryset.model
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: _own_copy(f) for name, f in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = model
            filter_.parent = self

    def get_form_class(self) -> type[forms.Form]:
        form_class = super().get_form_class()
        form_class = type(form_class.__name__, (_ListForm, form_class), {})
        # The fields were built for this FilterSet alone (its filters have no field of their
        # own before): the form may take them without ``BaseForm``'s deep copy.
        form_class.base_fields = _OwnFields(form_class.base_fields)  # type: ignore[attr-defined]
        return form_class


class _OwnFields(dict):  # type: ignore[type-arg]
    """A form class's ``base_fields`` built for one form: ``BaseForm.__init__``'s
    ``copy.deepcopy`` hands over the same fields (issue 18)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return dict(self)


def _own_copy(filter_: Any) -> Any:
    """A copy of a declared filter for one FilterSet (see ``ListFilterSet.__init__``)."""
    new = copy.copy(filter_)
    new.extra = dict(filter_.extra)
    new.__dict__.pop("_field", None)
    if filter_.method is not None:
        new.method = filter_.method  # a FilterMethod bound to the copy, not to the declaration
    return new


@dataclass
class ListContext:
    """What a list page renders: the bound filterset (its form), the page, the querystring
    without ``page`` (for pagination links) and the number of rows across all pages."""

    filterset: ListFilterSet
    page: Page[Any]
    query: str
    total: int

    def as_context(self) -> dict[str, Any]:
        return {
            "filterset": self.filterset,
            "page": self.page,
            "query": self.query,
            "total": self.total,
        }


class _CountingPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator over one queryset that counts another: the rows' columns as ``values_list``
    join the tables they come from, which the count does not need."""

    count_from: QuerySet[Any]

    @cached_property
    def count(self) -> int:
        return self.count_from.count()


def filtered_page(
    request: HttpRequest,
    filterset_class: type[ListFilterSet],
    queryset: QuerySet[Any],
    *,
    per_page: int = 25,
    defaults: Mapping[str, str] | None = None,
    known_total: Callable[[ListFilterSet], int | None] | None = None,
    values: Sequence[str] = (),
    landing: Callable[[], list[Any]] | None = None,
) -> ListContext:
    """Filter ``queryset`` (already scoped to the reader) by the request's GET parameters and
    return one page of it. Invalid input shows an error on its field and an empty page.

    ``defaults``: filter values used when the request does not name them (intake opens on its
    open queue: ``{"bucket": "open"}``).

    ``known_total``: the number of rows when the page already counted them (intake's bucket
    counts), or None; the paginator then runs no COUNT of its own (issue 18: one count per page).

    ``values``: the columns the page's rows are read as (``values_list`` tuples, no model
    instances; issue 18); a COUNT still counts the filtered queryset, without their joins.

    ``landing``: the first page's rows when the request names no parameter (the list as it
    opens), read another way: by a query compiled once per shape (``ethics.prepared``, issue
    18). They must be the rows the queryset's first ``per_page`` gives; with ``Prepared.check``
    on (the test suite) every call compares the two."""
    data = request.GET.copy()
    for name, value in (defaults or {}).items():
        data.setdefault(name, value)
    filterset = filterset_class(data or None, queryset=queryset, request=request)
    rows = queryset.none() if filterset.is_bound and not filterset.is_valid() else filterset.qs
    page_rows = rows.values_list(*values) if values else rows
    paginator = _CountingPaginator(page_rows, per_page)
    paginator.count_from = rows
    total = known_total(filterset) if known_total is not None and filterset.is_valid() else None
    number = request.GET.get("page")
    if total is not None:
        paginator.count = total  # the cached property's value; Paginator counts no more
        page = paginator.get_page(number)
    elif number in (None, "", "1"):
        # The first page is read first: when it is not full it holds every row, and the list
        # needs no COUNT (issue 18: a researcher's or member's short list); when it is full, the
        # paginator counts and the page keeps the rows already read.
        if landing is not None and not request.GET and not defaults:
            first = landing()
            if Prepared.check:
                with unlogged():  # outside the query logs, as Prepared's own check
                    expected = list(page_rows[:per_page])
                _same_rows(first, expected)
        else:
            first = list(page_rows[:per_page])
        if len(first) < per_page:
            paginator.count = len(first)
        page = Page(first, 1, paginator)
    else:
        page = paginator.get_page(number)
    query = request.GET.copy()
    query.pop("page", None)
    return ListContext(
        filterset=filterset, page=page, query=query.urlencode(), total=paginator.count
    )


def _same_rows(landing: list[Any], expected: list[Any]) -> None:
    """Fails unless a list's landing rows are its queryset's first page (``filtered_page``)."""
    if [signature(row) for row in landing] != [signature(row) for row in expected]:
        raise AssertionError(f"landing rows differ:\nqueryset: {expected!r}\nlanding:  {landing!r}")


def list_controls_html(form: forms.Form) -> SafeString:
    """``ethics/_list_controls.html``'s filter form, written in Python (issue 18).

    The template walked the form's fields with an ``{% if %}``, a label, an id, the widget and
    the errors per field: some 3,000 template calls per list page. This writes the same markup
    from the same bound fields (each widget renders itself as before), character for character
    (``tests/ethics/test_list_controls.py`` compares it with the template in both languages,
    with and without errors)."""
    parts = [
        '\n<form method="get" class="list-controls" role="search" aria-label="',
        html_escape(gettext("Search and filter")),
        '" data-list-controls>\n  ',
    ]
    for field in form:
        errors = field.errors
        if field.is_hidden:
            parts.append(str(field))
            name, label = html_escape(field.name), text_html(field.label)
            for error in errors:
                parts.append(
                    f'<p class="errorlist" data-filter="{name}">{label}: {text_html(error)}</p>'
                )
            continue
        parts.append(
            '\n  <div class="list-field'
            + (" list-search" if field.name == "q" else "")
            + (" invalid" if errors else "")
            + f'" data-filter="{html_escape(field.name)}">\n'
            f'    <label for="{text_html(field.id_for_label)}">'
            f"{text_html(field.label)}</label>{field}\n    "
        )
        if errors:
            items = "".join(f"<li>{text_html(error)}</li>" for error in errors)
            parts.append(f'<ul class="errorlist">{items}</ul>')
        parts.append("\n  </div>")
    parts.append("\n  ")
    for error in form.non_field_errors():
        parts.append(f'<p class="errorlist">{text_html(error)}</p>')
    # gettext outside the f-strings: xgettext (makemessages) does not look inside them.
    search, clear = html_escape(gettext("Search")), html_escape(gettext("Clear"))
    parts.append(
        '\n  <div class="list-buttons">\n'
        f'    <button type="submit">{search}</button>\n'
        '    <a class="button secondary" href="?" data-clear>'
        f"{clear}</a>\n"
        "  </div>\n</form>"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped or safe HTML
