"""Querysets compiled once per shape and run again with new values (issue 18).

A list page's Python time is mostly Django building and compiling its querysets: 2,000 to 8,000
function calls a query, paid again on every request for SQL that differs only in its values
(the reader's committees, today, now). ``Prepared`` wraps a *builder*, a function whose keyword
arguments are the query's only inputs and which runs exactly one query through the ORM (a
``values_list`` queryset, or an ``aggregate``). The first call with a given *shape* compiles the
builder's query without running it, once with the call's values and once more per argument
with that argument changed; the positions of the SQL parameters that change with an argument are
its slots. Later calls with the same shape run that SQL with the new values in their slots: one
query, no queryset built.

The ORM stays the query's only definition, and a query the scheme cannot prove it reproduces is
run through the ORM every time: it is *refused* when changing an argument changes the SQL
rather than only its parameters, when a changed parameter is not the argument's value itself
(a value computed from it; an int's decimal text is the one computed value allowed, for a text
column that holds ids, such as the audit log's ``target_id``), when an argument changes no
parameter, or when the builder runs no query. Arguments are ints, dates, datetimes and tuples
of distinct ints (parameters), or strings, booleans and None, which are part of the shape. The
builder must read nothing else that varies (no ``timezone.now()`` inside: pass it in).

A builder may also return a queryset of model instances (``returns="instances"``), with
``select_related`` joins, annotations and ``prefetch_related`` lookups: the plan then keeps, besides
the SQL, what Django's own ``ModelIterable`` reads from the compiled query (the columns of each
model, the related models' populators, the annotations' positions and the columns' converters),
and the fast path builds the instances from the rows as ``ModelIterable`` does; the prefetches
then run through the ORM as they would have. A queryset whose instances Django would build in a
way this does not (known related objects of a related manager, a composite key, another iterable
class) is refused.

The fast path runs on PostgreSQL, whose driver returns the columns these queries read as the
ORM would (ints, text, aware datetimes, dates); elsewhere (the embedded SQLite default) every
call goes through the ORM. In the test suite ``Prepared.check`` is on (tests/conftest.py): every
call also runs the builder through the ORM, outside the query logs, and fails unless the SQL,
its parameters and the rows are the same.

On PostgreSQL the stored SQL is also a server-side prepared statement (``PREPARE``), made once
per database connection the first time the plan runs on it, and then run as ``EXECUTE name
(values)``: PostgreSQL parses, analyses and plans these queries once per connection instead of
on every request, which was most of its time on them (the planning alone took three to four
times as long as the execution on the demo's pages). The parameters are declared with the types
the driver gives the same values as literals (an int, a date, an aware datetime, a boolean, a
decimal; text and anything else left for PostgreSQL to infer, as it infers a quoted literal's),
so the statement compares, joins and returns as the literal SQL does, and the test suite's check
runs through it. Statements are not transactional (a rollback keeps them), are made outside the
query logs, and are dropped together when a connection holds more than ``_MAX_STATEMENTS``. A
connection pooler that hands one client's statements to another (PgBouncer in transaction mode)
cannot keep them: ``DB_PREPARED_STATEMENTS=0`` turns them off.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, Literal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import prefetch_related_objects
from django.db.models.query import (  # type: ignore[attr-defined]  # not in the stubs
    ModelIterable,
    get_related_populators,
)
from django.utils import timezone

Returns = Literal["rows", "flat", "one", "instances"]
# Distinct from any id a test or a deployment holds; an int parameter moved by it stays an int.
_INT_SHIFT = 1_000_003
_TIME_SHIFT = timedelta(days=401, seconds=3_661, microseconds=1)
_MAX_SHAPES = 64  # per builder: the shapes are few (lengths of id lists, a code or two)
_MAX_STATEMENTS = 500  # per connection; past it, every one is deallocated and made again on use
_PLACEHOLDER = re.compile(r"%[s%]")
_statement_numbers = itertools.count(1)


class _Captured(Exception):  # a signal that carries the SQL out, not an error
    def __init__(self, sql: str, params: Any) -> None:
        super().__init__(sql)
        self.sql = sql
        self.params = tuple(params or ())


def _abort(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    raise _Captured(sql, params)


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str, int | None], ...]  # (position, argument, index in a tuple)
    load: _Loader | None = None  # "instances": the rows' model instances
    statement: _Statement | None = None  # the server-side prepared statement of ``sql``
    # Slots whose parameter is an int argument's decimal text (a text column holding ids,
    # ``AuditEvent.target_id``), not the int itself.
    texts: frozenset[int] = frozenset()
    # "rows" and "flat": the columns' converters (a JSON column's decoding), as the ORM's
    # ``results_iter`` applies them; empty when no column has one.
    converters: tuple[Any, ...] = ()

    def bind(self, args: dict[str, Any]) -> list[Any]:
        params = list(self.params)
        for position, name, index in self.slots:
            value = args[name]
            value = value if index is None else value[index]
            params[position] = str(value) if position in self.texts else value
        return params


def _shape(value: Any) -> tuple[Any, ...] | None:
    """The part of an argument that shapes the SQL, or None when it cannot be an argument."""
    if value is None or isinstance(value, bool | str):
        return ("value", type(value).__name__, value)
    if isinstance(value, int):
        return ("int",)
    if isinstance(value, datetime):
        return ("datetime", value.tzinfo is not None)
    if isinstance(value, date):
        return ("date",)
    if isinstance(value, tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        # Django drops repeated values from an IN list: the slots hold distinct ones only.
        return ("ints", len(value)) if len(set(value)) == len(value) else None
    return None


def _moved(value: Any) -> Any:
    """``value`` changed in every part a parameter can carry; None when it carries none."""
    if isinstance(value, bool | str) or value is None:
        return None
    if isinstance(value, int):
        return value + _INT_SHIFT
    if isinstance(value, datetime):
        return value + _TIME_SHIFT
    if isinstance(value, date):
        return value + timedelta(days=401)
    if not value:
        return None  # an empty tuple: its length, part of the shape, is all it carries
    return tuple(v + _INT_SHIFT for v in value)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


class Prepared:
    """A builder's query, compiled once per shape; see the module's docstring."""

    check: ClassVar[bool] = False  # tests: compare every call with the ORM's own run
    enabled: ClassVar[bool] = True

    def __init__(self, build: Callable[..., Any], returns: Returns) -> None:
        self.build = build
        self.returns = returns
        self.__name__ = getattr(build, "__name__", "prepared")
        self.__doc__ = build.__doc__
        self._plans: dict[tuple[Any, ...], _Plan | None] = {}
        self._lock = threading.Lock()

    def __call__(self, **args: Any) -> Any:
        connection = connections[DEFAULT_DB_ALIAS]
        if not self.enabled or connection.vendor != "postgresql":
            return self._orm(args)
        key = self._key(args)
        if key is None:
            return self._orm(args)
        try:
            plan = self._plans[key]
        except KeyError:
            return self._first(key, args)
        if plan is None:
            return self._orm(args)
        params = plan.bind(args)
        with connection.cursor() as cursor:
            statement = plan.statement
            if statement is not None and statement.ready(connection):
                cursor.execute(statement.execute, params)
            else:
                cursor.execute(plan.sql, params)
            if plan.load is not None:
                instances = plan.load(cursor.fetchall(), connection)
                if self.check:
                    self._compare(args, plan.sql, params, instances)
                if plan.load.prefetch:
                    prefetch_related_objects(instances, *plan.load.prefetch)
                return instances
            if self.returns == "one":
                names = [column.name for column in cursor.description]
                result: Any = dict(zip(names, cursor.fetchone(), strict=True))
            else:
                rows = cursor.fetchall()
                if plan.converters:
                    rows = _converted(rows, plan.converters, connection)
                result = [row[0] for row in rows] if self.returns == "flat" else rows
        if self.check:
            self._compare(args, plan.sql, params, result)
        return result

    def _first(self, key: tuple[Any, ...], args: dict[str, Any]) -> Any:
        """The first call of a shape: the ORM runs it (its result is returned) while the plan is
        made; the plan is kept only if the ORM ran exactly one query, the plan's own."""
        plan = self._prepare(args)
        seen: list[tuple[str, tuple[Any, ...]]] = []

        def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            seen.append((sql, tuple(params or ())))
            return execute(sql, params, many, context)

        with connections[DEFAULT_DB_ALIAS].execute_wrapper(record):
            result, prefetch = self._orm_main(args)
        if prefetch:
            prefetch_related_objects(result, *prefetch)  # not the plan's query: unrecorded
        if plan is not None and seen != [(plan.sql, plan.params)]:
            plan = None  # it ran another query first, or more than one: never stored SQL
        with self._lock:
            if len(self._plans) >= _MAX_SHAPES:
                self._plans.clear()
            self._plans[key] = plan
        return result

    def plan_for(self, **args: Any) -> _Plan | None:
        """The plan the call with ``args`` runs, None when refused (tests and the README)."""
        key = self._key(args)
        if key is None:
            return None
        return self._plans[key] if key in self._plans else self._prepare(args)

    def _key(self, args: dict[str, Any]) -> tuple[Any, ...] | None:
        shapes = []
        for name in sorted(args):
            shape = _shape(args[name])
            if shape is None:
                return None
            shapes.append((name, shape))
        return (DEFAULT_DB_ALIAS, timezone.get_current_timezone_name(), tuple(shapes))

    def _orm(self, args: dict[str, Any]) -> Any:
        result, prefetch = self._orm_main(args)
        if prefetch:
            prefetch_related_objects(result, *prefetch)
        return result

    def _orm_main(self, args: dict[str, Any]) -> tuple[Any, tuple[Any, ...]]:
        """The builder's own query run through the ORM, and the prefetch lookups of an
        "instances" queryset, left for the caller to run."""
        result = self.build(**args)
        if self.returns == "instances":
            prefetch = tuple(result._prefetch_related_lookups)
            return list(result.prefetch_related(None)), prefetch
        return self._as_result(result), ()

    def _as_result(self, result: Any) -> Any:
        if self.returns == "one":
            return result
        rows = [tuple(row) for row in result] if self.returns == "rows" else list(result)
        return rows

    def _compile(self, args: dict[str, Any]) -> tuple[str, tuple[Any, ...]] | None:
        """The builder's SQL and parameters for ``args``, without running it."""
        connection = connections[DEFAULT_DB_ALIAS]
        # A debug cursor logs a query even when it fails: a stopped one was never run.
        with unlogged(), connection.execute_wrapper(_abort):
            try:
                result = self.build(**args)
                if self.returns != "one":
                    list(result)
            except _Captured as captured:
                return captured.sql, captured.params
        return None  # it ran no query (an empty IN list, say): nothing to reuse

    def _prepare(self, args: dict[str, Any]) -> _Plan | None:
        base = self._compile(args)
        if base is None:
            return None
        sql, params = base
        slots: dict[int, tuple[str, int | None]] = {}
        texts: set[int] = set()
        for name, value in args.items():
            moved = _moved(value)
            if moved is None:
                continue
            other = self._compile({**args, name: moved})
            if other is None or other[0] != sql or len(other[1]) != len(params):
                return None  # the value shapes the SQL, not only its parameters
            changed = [
                i for i, (a, b) in enumerate(zip(params, other[1], strict=True)) if not _same(a, b)
            ]
            if not changed:
                return None  # read in a way no parameter shows (a computed value): unsafe
            for position in changed:
                if position in slots:
                    return None
                if isinstance(value, tuple):
                    index = [
                        j
                        for j, item in enumerate(value)
                        if _same(item, params[position]) and _same(moved[j], other[1][position])
                    ]
                    if len(index) != 1:
                        return None
                    slots[position] = (name, index[0])
                elif _same(value, params[position]) and _same(moved, other[1][position]):
                    slots[position] = (name, None)
                elif (
                    type(value) is int
                    and _same(str(value), params[position])
                    and _same(str(moved), other[1][position])
                ):
                    slots[position] = (name, None)  # the int's decimal text: a text slot
                    texts.add(position)
                else:
                    return None  # a value computed from the argument, not the argument
        ordered = tuple((position, *slots[position]) for position in sorted(slots))
        load = None
        converters: tuple[Any, ...] = ()
        if self.returns == "instances":
            load = _Loader.of(self.build(**args), sql, params)
            if load is None:
                return None
        elif self.returns in ("rows", "flat"):
            found = _row_converters(self.build(**args), sql, params)
            if found is None:
                return None
            converters = found
        statement = _Statement.of(self.__name__, sql, params)
        return _Plan(
            sql=sql,
            params=params,
            slots=ordered,
            load=load,
            statement=statement,
            texts=frozenset(texts),
            converters=converters,
        )

    def _compare(self, args: dict[str, Any], sql: str, params: list[Any], result: Any) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        seen: list[tuple[str, tuple[Any, ...]]] = []

        def record(execute: Any, q: str, p: Any, many: bool, context: Any) -> Any:
            seen.append((q, tuple(p or ())))
            return execute(q, p, many, context)

        with unlogged(), connection.execute_wrapper(record):
            expected, _prefetch = self._orm_main(args)
        if self.returns == "instances":
            expected = [signature(obj) for obj in expected]
            result = [signature(obj) for obj in result]
        problems = []
        if len(seen) != 1:
            problems.append(f"the builder ran {len(seen)} queries, not one")
        elif seen[0][0] != sql or seen[0][1] != tuple(params):
            problems.append(
                f"SQL or parameters differ:\nORM:      {seen[0]}\nprepared: {sql, params}"
            )
        if expected != result:
            problems.append(f"rows differ:\nORM:      {expected!r}\nprepared: {result!r}")
        if problems:
            raise AssertionError(f"Prepared {self.__name__}({args}): " + "; ".join(problems))


def _declared_type(value: Any) -> str:
    """The type the driver (psycopg2) gives ``value`` written as a literal, for a prepared
    statement's parameter; "unknown" lets PostgreSQL infer it, as it does a quoted literal's."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, datetime):
        return "timestamptz" if value.tzinfo is not None else "timestamp"
    if isinstance(value, date):
        return "date"
    if isinstance(value, Decimal):
        return "numeric"
    return "unknown"


@dataclass(frozen=True)
class _Statement:
    """A plan's SQL as a server-side prepared statement: see the module's docstring."""

    name: str
    prepare: str  # PREPARE name (types) AS the SQL with $1, $2, ... (run without parameters)
    execute: str  # EXECUTE name (%s, ...), run with the plan's bound parameters

    @classmethod
    def of(cls, label: str, sql: str, params: tuple[Any, ...]) -> _Statement | None:
        numbers = itertools.count(1)
        body = _PLACEHOLDER.sub(lambda m: "%" if m.group(0) == "%%" else f"${next(numbers)}", sql)
        if next(numbers) != len(params) + 1:
            return None  # not Django's own placeholders: leave the SQL as it is
        label = re.sub(r"[^a-z0-9_]", "_", label.lower())
        name = f"ethics_{next(_statement_numbers)}_{label}"[:63]
        if not params:
            return cls(name, f"PREPARE {name} AS {body}", f"EXECUTE {name}")
        types = ", ".join(_declared_type(value) for value in params)
        slots = ", ".join(["%s"] * len(params))
        return cls(name, f"PREPARE {name} ({types}) AS {body}", f"EXECUTE {name} ({slots})")

    def ready(self, connection: Any) -> bool:
        """Whether the statement exists on ``connection``'s current database session, made
        now if it does not; False when statements are off or PostgreSQL refused to make it
        (then the plan's SQL runs as it is). Made through the driver's own cursor: outside
        the query logs and the execute wrappers, and in a savepoint inside a transaction, so
        a refusal leaves the transaction as it was. ``_ethics_statements`` on the connection
        wrapper names the statements made on its current driver connection (a reconnect
        replaces that connection, and with it the record)."""
        if not settings.DB_PREPARED_STATEMENTS or connection.needs_rollback:
            return False
        raw = connection.connection
        made: tuple[Any, set[str], set[str]] | None = getattr(
            connection, "_ethics_statements", None
        )
        if made is None or made[0] is not raw:  # a new session: nothing made on it yet
            made = (raw, set(), set())
            connection._ethics_statements = made
        _raw, ready, refused = made
        if self.name in ready:
            return True
        if self.name in refused:
            return False
        with raw.cursor() as cursor:
            if len(ready) >= _MAX_STATEMENTS:
                cursor.execute("DEALLOCATE ALL")
                ready.clear()
            # In a transaction (an atomic block, or autocommit turned off by hand) a refused
            # PREPARE would abort it: the savepoint keeps it going.
            savepoint = not connection.get_autocommit()
            try:
                if savepoint:
                    cursor.execute("SAVEPOINT ethics_prepare")
                cursor.execute(self.prepare)
            except connection.Database.Error:
                if savepoint:
                    cursor.execute("ROLLBACK TO SAVEPOINT ethics_prepare")
                refused.add(self.name)
                return False
            finally:
                if savepoint:
                    cursor.execute("RELEASE SAVEPOINT ethics_prepare")
        ready.add(self.name)
        return True


class _Loader:
    """Model instances from the rows of one compiled "instances" query, built as Django's
    ``ModelIterable`` builds them (django/db/models/query.py, 5.2): the main model's columns
    through ``Model.from_db``, each ``select_related`` model through its ``RelatedPopulator``,
    the annotations by position, each column through its field's converters first. Everything
    here is read from the compiler once, when the plan is made, and only read afterwards."""

    def __init__(self, compiler: Any, prefetch: tuple[Any, ...]) -> None:
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, DEFAULT_DB_ALIAS)
        self.annotations = tuple((compiler.annotation_col_map or {}).items())
        self.converters = tuple(compiler.get_converters(_columns(compiler)).items())
        self.prefetch = prefetch

    @classmethod
    def of(cls, queryset: Any, sql: str, params: tuple[Any, ...]) -> _Loader | None:
        """The loader of ``queryset`` (the builder's, built once more), or None when Django
        would build its instances in another way than ``ModelIterable``'s plain path, or when
        its compiled SQL is not the plan's."""
        if (
            not isinstance(queryset, models.QuerySet)
            or queryset._iterable_class is not ModelIterable
            or getattr(queryset, "_known_related_objects", None)
            or queryset.db != DEFAULT_DB_ALIAS
        ):
            return None
        prefetch = tuple(getattr(queryset, "_prefetch_related_lookups", ()))
        compiler = _compiler_of(queryset.prefetch_related(None), sql, params)
        if compiler is None or compiler.klass_info is None:
            return None
        if compiler.has_composite_fields(_columns(compiler)):
            return None
        return cls(compiler, prefetch)

    def __call__(self, rows: list[tuple[Any, ...]], connection: Any) -> list[Any]:
        instances = []
        model, start, end, init_list = self.model, self.start, self.end, self.init_list
        if self.converters:
            rows = _converted(rows, self.converters, connection)
        for row in rows:
            obj = model.from_db(DEFAULT_DB_ALIAS, init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            instances.append(obj)
        return instances


def _row_converters(queryset: Any, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The converters Django's ``results_iter`` applies to the columns of a ``values_list``
    queryset (``queryset``, the builder's, built once more), or None when its compiled SQL is
    not the plan's (the builder did not return the queryset it ran)."""
    if not isinstance(queryset, models.QuerySet):
        return None
    compiler = _compiler_of(queryset, sql, params)
    if compiler is None:
        return None
    return tuple(compiler.get_converters(_columns(compiler)).items())


def _compiler_of(queryset: Any, sql: str, params: tuple[Any, ...]) -> Any:
    """``queryset``'s compiler, its SQL compiled (outside the query logs), or None when that
    SQL and its parameters are not the plan's."""
    compiler = queryset.query.get_compiler(DEFAULT_DB_ALIAS)
    with unlogged():
        compiled_sql, compiled_params = compiler.as_sql()
    if (compiled_sql, tuple(compiled_params)) != (sql, params):
        return None
    return compiler


def _columns(compiler: Any) -> list[Any]:
    """The selected columns of a compiled query, as ``results_iter`` reads them."""
    return [column[0] for column in compiler.select[0 : compiler.col_count]]


def _converted(
    rows: list[tuple[Any, ...]], converters: tuple[Any, ...], connection: Any
) -> list[Any]:
    """``rows`` with each column's converters applied, as ``SQLCompiler.apply_converters``."""
    converted = []
    for raw in rows:
        row = list(raw)
        for position, (functions, expression) in converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        converted.append(tuple(row))
    return converted


def signature(obj: Any, seen: frozenset[int] = frozenset()) -> Any:
    """What an instance holds, to compare two loads of it (the check): its class, its fields'
    and annotations' values and, recursively, the related instances cached on it. A related
    instance that points back at one being described (a reverse one-to-one's, which Django
    caches both ways) is named by its class and key, not described again."""
    if not isinstance(obj, models.Model):
        return obj
    if id(obj) in seen:
        return (type(obj), obj.pk, "seen")
    seen = seen | {id(obj)}
    values = sorted(
        (name, value)
        for name, value in obj.__dict__.items()
        if name not in ("_state", "_prefetched_objects_cache")
    )
    related = sorted((name, signature(rel, seen)) for name, rel in obj._state.fields_cache.items())
    return (type(obj), values, related, obj._state.adding, obj._state.db)


@contextmanager
def unlogged() -> Iterator[None]:
    """The check's ORM run stays out of the connections' query logs: a test counting a page's
    queries sees the one query the page runs."""
    logs = [(c, len(c.queries_log)) for c in connections.all(initialized_only=True)]
    try:
        yield
    finally:
        for connection, length in logs:
            while len(connection.queries_log) > length:
                connection.queries_log.pop()


def prepared(returns: Returns) -> Callable[[Callable[..., Any]], Prepared]:
    """``@prepared("rows")`` over a builder: see ``Prepared``."""

    def wrap(build: Callable[..., Any]) -> Prepared:
        return Prepared(build, returns)

    return wrap
