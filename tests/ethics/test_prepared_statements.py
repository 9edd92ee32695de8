"""ethics.prepared on PostgreSQL (issue 18): a stored query runs as a server-side prepared
statement, made once per database session, with the parameter types the driver gives the same
values as literals; a statement PostgreSQL refuses, a new session, a rollback and the setting
that turns them off all leave the answers the ORM's."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from committees.models import Committee
from ethics import prepared as prepared_module
from ethics.models import User
from ethics.prepared import Prepared, _Statement
from tests.ethics.test_prepared import JAN, _names, requires_postgres
from tests.factories import CommitteeFactory, UserFactory

pytestmark = requires_postgres


def _session_statements():
    """The prepared statements of this connection's database session, by name."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, parameter_types::text[] FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def _logged(query, **args):
    with CaptureQueriesContext(connection) as queries:
        result = query(**args)
    return result, [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_a_stored_query_runs_as_a_prepared_statement_made_once():
    committees = [
        CommitteeFactory(name=f"委员会{i}", established_on=JAN + dt.timedelta(days=30 * i))
        for i in range(4)
    ]
    ids = tuple(c.pk for c in committees[:2])
    query = Prepared(_names, "rows")
    first, sql = _logged(query, ids=ids, established_from=JAN)  # the ORM's run; the plan made
    assert sql[0].startswith("SELECT")
    statement = query.plan_for(ids=ids, established_from=JAN).statement
    assert statement is not None
    assert statement.name not in _session_statements()

    second, sql = _logged(query, ids=ids, established_from=JAN)
    assert second == first == [(c.pk, c.name) for c in committees[:2]]
    assert len(sql) == 1  # the PREPARE is not a logged query
    assert sql[0].startswith(f"EXECUTE {statement.name} (")
    # the types the driver gives an int and a date written as literals
    assert _session_statements()[statement.name] == ["date", "bigint", "bigint"]

    other = tuple(c.pk for c in committees[2:])
    third, sql = _logged(query, ids=other, established_from=JAN + dt.timedelta(days=70))
    assert third == [(committees[3].pk, committees[3].name)]
    assert sql[0].startswith(f"EXECUTE {statement.name} (")  # made once: run with new values


@pytest.mark.django_db
def test_a_datetime_argument():
    now = timezone.now()
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(date_joined=now - dt.timedelta(hours=1))
    query = Prepared(
        lambda *, after: (
            User.objects.filter(date_joined__gt=after).order_by("pk").values_list("pk", flat=True)
        ),
        "flat",
    )
    for hours, expected in [(2, [user.pk]), (2, [user.pk]), (0, [])]:
        assert query(after=now - dt.timedelta(hours=hours)) == expected
    statement = query.plan_for(after=now).statement
    assert _session_statements()[statement.name] == ["timestamp with time zone"]


@pytest.mark.django_db
def test_each_parameter_is_declared_with_its_literals_type():
    values = (
        True,
        7,
        Decimal("1.50"),
        JAN,
        dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 8),  # noqa: DTZ001 - a naive value has its own type
        "文本",
        None,
    )
    sql = "SELECT " + ", ".join(["%s"] * 7) + ", %s::text"
    statement = _Statement.of("types", sql, values)
    assert statement.ready(connection)
    assert _session_statements()[statement.name] == [
        "boolean",
        "bigint",
        "numeric",
        "date",
        "timestamp with time zone",
        "timestamp without time zone",
        "text",  # inferred, as a quoted literal's type is
        "text",
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement.execute, list(values))
        executed = cursor.fetchone()
        cursor.execute(sql, list(values))
        assert executed == cursor.fetchone()


def test_percent_signs_and_placeholders():
    statement = _Statement.of("Odd <name>", "SELECT %s WHERE 'a%%' LIKE %s", (1, "a"))
    assert statement.name.startswith("ethics_")
    assert statement.name.endswith("_odd__name_")
    assert statement.prepare.endswith("(bigint, unknown) AS SELECT $1 WHERE 'a%' LIKE $2")
    assert statement.execute == f"EXECUTE {statement.name} (%s, %s)"
    bare = _Statement.of("bare", "SELECT 1", ())
    assert (bare.prepare, bare.execute) == (
        f"PREPARE {bare.name} AS SELECT 1",
        f"EXECUTE {bare.name}",
    )
    assert _Statement.of("x", "SELECT %s", ()) is None  # not the placeholders it was given
    long = _Statement.of("x" * 100, "SELECT 1", ())
    assert len(long.name) == 63  # PostgreSQL's identifier limit


@pytest.mark.django_db
def test_a_refused_statement_leaves_the_transaction_and_the_sql_runs_as_it_is():
    refused = _Statement.of("untyped", "SELECT %s IS NULL", (None,))  # $1 has no type
    assert connection.in_atomic_block
    assert refused.ready(connection) is False
    assert Committee.objects.count() == 0  # the transaction goes on
    assert refused.ready(connection) is False  # not tried again on this session
    assert refused.name not in _session_statements()
    fine = _Statement.of("fine", "SELECT %s + 1", (1,))
    assert fine.ready(connection) is True
    with connection.cursor() as cursor:
        cursor.execute(fine.execute, [41])
        assert cursor.fetchone() == (42,)


@pytest.mark.django_db(transaction=True)
def test_a_refusal_with_autocommit_turned_off_by_hand_leaves_the_transaction():
    refused = _Statement.of("untyped_manual", "SELECT %s IS NULL", (None,))
    transaction.set_autocommit(False)
    try:
        assert not connection.in_atomic_block
        assert refused.ready(connection) is False
        assert Committee.objects.count() == 0  # not "current transaction is aborted"
        connection.rollback()
    finally:
        transaction.set_autocommit(True)


@pytest.mark.django_db
@override_settings(DB_PREPARED_STATEMENTS=False)
def test_the_setting_turns_them_off():
    committee = CommitteeFactory(established_on=JAN)
    query = Prepared(_names, "rows")
    for _ in range(3):
        result, sql = _logged(query, ids=(committee.pk,), established_from=JAN)
        assert result == [(committee.pk, committee.name)]
        assert sql[0].startswith("SELECT")
    assert query.plan_for(ids=(committee.pk,), established_from=JAN).statement.name not in (
        _session_statements()
    )


@pytest.mark.django_db
def test_a_session_holds_a_bounded_number(monkeypatch):
    monkeypatch.setattr(prepared_module, "_MAX_STATEMENTS", 2)
    committee = CommitteeFactory(established_on=JAN)
    queries = [Prepared(_names, "rows") for _ in range(3)]
    for query in queries * 2:
        assert query(ids=(committee.pk,), established_from=JAN) == [(committee.pk, committee.name)]
    names = {q.plan_for(ids=(committee.pk,), established_from=JAN).statement.name for q in queries}
    made = names & set(_session_statements())
    assert 1 <= len(made) <= 2  # every one was made, and the session was cleared past two


@pytest.mark.django_db(transaction=True)
def test_a_rollback_keeps_them_and_a_new_session_makes_them_again():
    committee = CommitteeFactory(established_on=JAN)
    query = Prepared(_names, "rows")
    expected = [(committee.pk, committee.name)]
    assert query(ids=(committee.pk,), established_from=JAN) == expected
    name = query.plan_for(ids=(committee.pk,), established_from=JAN).statement.name

    with transaction.atomic():
        assert query(ids=(committee.pk,), established_from=JAN) == expected  # made here
        transaction.set_rollback(True)
    assert name in _session_statements()  # statements are not transactional
    result, sql = _logged(query, ids=(committee.pk,), established_from=JAN)
    assert result == expected
    assert sql[0].startswith(f"EXECUTE {name}")

    connection.close()  # a new database session knows none of them
    assert name not in _session_statements()
    result, sql = _logged(query, ids=(committee.pk,), established_from=JAN)
    assert result == expected
    assert sql[0].startswith(f"EXECUTE {name}")
    assert name in _session_statements()
