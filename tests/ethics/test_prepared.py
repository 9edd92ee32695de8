"""ethics.prepared (issue 18): a query compiled once per shape and run again with new values
must return what the ORM returns, run one query a call, and refuse what it cannot prove."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from committees.models import Committee
from ethics.models import User
from ethics.prepared import Prepared, prepared
from tests.factories import CommitteeFactory, UserFactory

pytestmark = pytest.mark.django_db
requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the prepared path runs on PostgreSQL; elsewhere every call goes through the ORM",
)

JAN = dt.date(2026, 1, 1)


def _names(*, ids, established_from):
    return (
        Committee.objects.filter(pk__in=ids, established_on__gte=established_from)
        .order_by("pk")
        .values_list("pk", "name")
    )


@pytest.fixture
def committees(db):
    return [
        CommitteeFactory(name=f"委员会{i}", established_on=JAN + dt.timedelta(days=30 * i))
        for i in range(6)
    ]


def _run(query, **args):
    with CaptureQueriesContext(connection) as queries:
        result = query(**args)
    return result, len(queries.captured_queries)


def test_the_rows_are_the_orms_and_one_query_a_call(committees):
    query = Prepared(_names, "rows")
    ids = [c.pk for c in committees]
    for chosen, since in [
        (ids[:3], JAN),
        (ids[3:], JAN),  # same shape, other values: the stored SQL with new parameters
        (ids[1:4], JAN + dt.timedelta(days=45)),
        (ids[:1], JAN),  # another shape: compiled once more
        (ids, JAN + dt.timedelta(days=400)),
    ]:
        result, queries = _run(query, ids=tuple(chosen), established_from=since)
        assert result == list(_names(ids=chosen, established_from=since))
        assert queries == 1
    if connection.vendor == "postgresql":
        assert len(query._plans) == 3  # three lengths of the id list
        plan = query.plan_for(ids=(1, 2, 3), established_from=JAN)
        assert plan is not None
        assert sorted((name, index) for _position, name, index in plan.slots) == [
            ("established_from", None),
            ("ids", 0),
            ("ids", 1),
            ("ids", 2),
        ]
    else:
        assert query._plans == {}  # SQLite: every call through the ORM


def _regimes(*, ids):
    return Committee.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "regimes")


def test_a_json_column_of_a_row_is_decoded_as_the_orm_decodes_it(committees):
    """A "rows" plan keeps the columns' converters (``results_iter``'s): a JSON column is the
    decoded list on the fast path too, not its text."""
    for index, committee in enumerate(committees[:2]):
        committee.regimes = ["medical", f"r{index}"]
        committee.save(update_fields=["regimes"])
    query = Prepared(_regimes, "rows")
    ids = (committees[0].pk, committees[1].pk)
    expected = [(ids[0], ["medical", "r0"]), (ids[1], ["medical", "r1"])]
    assert query(ids=ids) == expected  # the first call: the ORM
    assert query(ids=ids) == expected  # the plan (on PostgreSQL)
    if connection.vendor == "postgresql":
        plan = query.plan_for(ids=ids)
        assert plan is not None
        assert [position for position, _converters in plan.converters] == [1]


def test_an_aggregate_and_a_flat_list(committees):
    counts = Prepared(
        lambda *, since: Committee.objects.aggregate(
            all=Count("pk"), recent=Count("pk", filter=Q(established_on__gte=since))
        ),
        "one",
    )
    for days in (0, 70, 1000):
        since = JAN + dt.timedelta(days=days)
        expected = {
            "all": Committee.objects.count(),
            "recent": Committee.objects.filter(established_on__gte=since).count(),
        }
        assert counts(since=since) == expected
    flat = Prepared(
        lambda *, since: (
            Committee.objects.filter(established_on__gte=since)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        "flat",
    )
    assert flat(since=JAN + dt.timedelta(days=100)) == [c.pk for c in committees[4:]]


def test_datetimes_and_ints(db):
    now = timezone.now()
    old = UserFactory()
    User.objects.filter(pk=old.pk).update(date_joined=now - dt.timedelta(days=10))
    new = UserFactory()
    User.objects.filter(pk=new.pk).update(date_joined=now)
    query = Prepared(
        lambda *, after, above: (
            User.objects.filter(date_joined__gt=after, pk__gt=above)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        "flat",
    )
    assert query(after=now - dt.timedelta(days=1), above=0) == [new.pk]
    assert query(after=now - dt.timedelta(days=20), above=0) == [old.pk, new.pk]
    assert query(after=now - dt.timedelta(days=20), above=old.pk) == [new.pk]


@requires_postgres
def test_a_value_computed_inside_the_builder_is_refused(committees):
    """``established_from + 1 day`` is a parameter no argument equals: the stored SQL could not
    be given it, so every call goes through the ORM, and is still right."""
    query = Prepared(
        lambda *, established_from: Committee.objects.filter(
            established_on__gte=established_from + dt.timedelta(days=1)
        ).values_list("pk", flat=True),
        "flat",
    )
    assert query.plan_for(established_from=JAN) is None
    assert sorted(query(established_from=JAN)) == sorted(c.pk for c in committees[1:])


@requires_postgres
def test_a_value_that_shapes_the_sql_is_refused(committees):
    def build(*, limit):
        qs = Committee.objects.order_by("pk").values_list("pk", flat=True)
        return qs[:limit]  # LIMIT is written into the SQL, not passed as a parameter

    query = Prepared(build, "flat")
    assert query.plan_for(limit=2) is None
    assert query(limit=2) == [c.pk for c in committees[:2]]
    assert query(limit=4) == [c.pk for c in committees[:4]]


@requires_postgres
def test_a_value_no_parameter_shows_is_refused(committees):
    """``min(x, 0)`` reads the argument but hides it: moving it moves no parameter, which could
    be a value computed from it; refused rather than trusted."""
    query = Prepared(
        lambda *, above: Committee.objects.filter(pk__gt=min(above, 0)).values_list(
            "pk", flat=True
        ),
        "flat",
    )
    assert query.plan_for(above=5) is None
    assert len(query(above=5)) == len(committees)


@requires_postgres
def test_an_ints_decimal_text_fills_a_text_slot(committees):
    """A text column that holds ids (the audit log's ``target_id``) compared with ``str(id)``:
    the parameter is the argument's decimal text, a slot of its own kind; the stored SQL is
    given the text of each call's id. Any other text computed from the id is refused."""
    from ethics import audit
    from ethics.models import AuditEvent

    for committee in committees[:3]:
        audit.record(actor=None, action="test.change", target=committee)

    def events(*, target):
        return (
            AuditEvent.objects.filter(target_id=str(target))
            .order_by("id")
            .values_list("target_id", "target_repr")
        )

    query = Prepared(events, "rows")
    for committee in committees[:3] + committees[:1]:
        result, queries = _run(query, target=committee.pk)
        assert result == [(str(committee.pk), committee.name)]
        assert queries == 1
    plan = query.plan_for(target=committees[0].pk)
    assert plan is not None
    assert [name for _position, name, _index in plan.slots] == ["target"]
    assert plan.texts == frozenset(position for position, _name, _index in plan.slots)
    assert plan.bind({"target": 42}) == ["42"]

    shifted = Prepared(
        lambda *, target: AuditEvent.objects.filter(target_id=str(target + 1)).values_list(
            "target_repr", flat=True
        ),
        "flat",
    )
    assert shifted.plan_for(target=committees[0].pk - 1) is None
    assert shifted(target=committees[0].pk - 1) == [committees[0].name]


def test_repeated_or_unsupported_values_go_through_the_orm(committees):
    query = Prepared(_names, "rows")
    pk = committees[0].pk
    assert query(ids=(pk, pk), established_from=JAN) == [(pk, committees[0].name)]
    assert query.plan_for(ids=(pk, pk), established_from=JAN) is None
    assert query(ids=[pk], established_from=JAN) == [(pk, committees[0].name)]  # a list
    assert query.plan_for(ids=[pk], established_from=JAN) is None
    assert query._plans == {}


def test_an_empty_id_list_runs_no_query(committees):
    query = Prepared(_names, "rows")
    assert _run(query, ids=(), established_from=JAN) == ([], 0)
    assert _run(query, ids=(), established_from=JAN) == ([], 0)


def test_an_empty_id_list_beside_other_conditions(committees):
    """``pk IN ()`` in an OR drops out of the SQL: the empty tuple is a shape of its own and
    the other arguments still fill their slots (a researcher's committee options: no seat, an
    institution)."""
    query = Prepared(
        lambda *, ids, day: (
            Committee.objects.filter(Q(pk__in=ids) | Q(established_on=day))
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        "flat",
    )
    for committee in (committees[1], committees[4]):
        day = committee.established_on
        assert _run(query, ids=(), day=day) == ([committee.pk], 1)
    if connection.vendor == "postgresql":
        plan = query.plan_for(ids=(), day=JAN)
        assert [name for _position, name, _index in plan.slots] == ["day"]


def test_strings_and_none_are_part_of_the_shape(committees):
    @prepared("flat")
    def by_name(*, name, since):
        qs = Committee.objects.filter(established_on__gte=since)
        if name is not None:
            qs = qs.filter(name=name)
        return qs.order_by("pk").values_list("pk", flat=True)

    assert by_name(name=None, since=JAN) == [c.pk for c in committees]
    assert by_name(name="委员会2", since=JAN) == [committees[2].pk]
    assert by_name(name="委员会3", since=JAN) == [committees[3].pk]
    if connection.vendor == "postgresql":
        assert len(by_name._plans) == 3


@requires_postgres
def test_the_stored_shapes_are_bounded(committees):
    query = Prepared(_names, "rows")
    for length in range(1, 80):
        query(ids=tuple(range(1, length + 1)), established_from=JAN)
    assert len(query._plans) <= 64


@requires_postgres
def test_the_check_catches_an_input_the_builder_reads_from_elsewhere(committees, monkeypatch):
    """A builder must take every varying value as an argument. One that reads a global is
    caught by the test suite's check (tests/conftest.py): the stored SQL still carries the
    value it was compiled with, which the ORM's own run no longer does."""
    hidden = {"name": "委员会1"}
    query = Prepared(
        lambda *, since: Committee.objects.filter(
            established_on__gte=since, name=hidden["name"]
        ).values_list("pk", flat=True),
        "flat",
    )
    assert Prepared.check
    assert query(since=JAN) == [committees[1].pk]
    hidden["name"] = "委员会2"
    with pytest.raises(AssertionError, match="SQL or parameters differ"):
        query(since=JAN)


@requires_postgres
def test_the_check_runs_outside_the_query_log(committees):
    query = Prepared(_names, "rows")
    ids = tuple(c.pk for c in committees[:2])
    with CaptureQueriesContext(connection) as queries:
        query(ids=ids, established_from=JAN)
        query(ids=ids, established_from=JAN)
    assert len(queries.captured_queries) == 2


@requires_postgres
def test_a_builder_that_runs_another_query_first_is_never_stored(committees, monkeypatch):
    """The plan is compiled from the builder's first query; the first call runs the builder
    through the ORM too and keeps the plan only if that one query was all it ran."""

    def build(*, pk):
        Committee.objects.filter(pk=pk).exists()  # another query, before the one returned
        return Committee.objects.filter(pk=pk).values_list("name", flat=True)

    query = Prepared(build, "flat")
    first = committees[0]
    # The first query compiled is the exists(); the queryset returned compiles to another SQL.
    assert query.plan_for(pk=first.pk) is None
    monkeypatch.setattr(Prepared, "check", False)  # it would fail this builder's two queries
    assert query(pk=first.pk) == [first.name]
    assert query._plans == {query._key({"pk": first.pk}): None}
    assert query(pk=committees[1].pk) == [committees[1].name]


# --- model instances (returns="instances") -------------------------------------------------------


def _memberships(*, committee, since):
    """Instances with two levels of select_related (a JSON column among them, which needs its
    converter), an annotation and a prefetch."""
    from committees.models import Membership

    return (
        Membership.objects.filter(committee_id=committee, term_start__gte=since)
        .select_related("committee__institution", "user")
        .annotate(same_committee=Count("committee__memberships"))
        .prefetch_related("committee__memberships")
        .order_by("pk")
    )


def _state(obj):
    """What a test compares of an instance: every field and annotation, the related instances
    cached on it (recursively) and the prefetched lists."""
    from ethics.prepared import signature

    prefetched = {
        name: sorted(o.pk for o in objs)
        for name, objs in getattr(obj, "_prefetched_objects_cache", {}).items()
    }
    related = {
        name: _state(rel) if rel is not None else None
        for name, rel in obj._state.fields_cache.items()
    }
    return (signature(obj), prefetched, related)


@pytest.fixture
def members(db):
    from tests.factories import MembershipFactory

    first, second = CommitteeFactory(regimes=["meas", "ai"]), CommitteeFactory()
    return [MembershipFactory(committee=c) for c in (first, first, first, second, second)]


def test_instances_are_the_orms_with_their_joins_annotations_and_prefetches(members):
    query = Prepared(_memberships, "instances")
    since = dt.date(2000, 1, 1)
    for committee in [members[0].committee_id, members[3].committee_id, members[0].committee_id]:
        with CaptureQueriesContext(connection) as queries:
            result = query(committee=committee, since=since)
        expected = list(_memberships(committee=committee, since=since))
        assert [_state(o) for o in result] == [_state(o) for o in expected]
        assert len(queries.captured_queries) == 2  # the row query and the prefetch
        # no query more when the page reads the joined, annotated and prefetched values
        with CaptureQueriesContext(connection) as more:
            seen = [
                (m.user.username, m.committee.institution.name, m.committee.regimes) for m in result
            ] + [(m.same_committee, len(m.committee.memberships.all())) for m in result]
        assert more.captured_queries == []
        assert seen
        assert result[0].committee.regimes in (["meas", "ai"], ["meas"])  # decoded JSON
    if connection.vendor == "postgresql":
        plan = query.plan_for(committee=members[0].committee_id, since=since)
        assert plan is not None
        assert plan.load is not None
        assert plan.load.prefetch == ("committee__memberships",)


@requires_postgres
def test_a_changed_instance_loader_fails_the_check(members, monkeypatch):
    query = Prepared(_memberships, "instances")
    since = dt.date(2000, 1, 1)
    query(committee=members[0].committee_id, since=since)  # the plan is made
    plan = query.plan_for(committee=members[0].committee_id, since=since)
    monkeypatch.setattr(plan.load, "annotations", ())  # the annotation is no longer set
    monkeypatch.setattr(Prepared, "check", True)
    with pytest.raises(AssertionError, match="rows differ"):
        query(committee=members[0].committee_id, since=since)


def test_a_related_managers_queryset_is_refused(members):
    """Instances read through a related manager carry its known related object: Django sets it
    on each row, which the loader does not; such a builder always goes through the ORM."""
    committee = members[0].committee

    def _of_committee(*, since):
        return committee.memberships.filter(term_start__gte=since).order_by("pk")

    query = Prepared(_of_committee, "instances")
    result = query(since=dt.date(2000, 1, 1))
    assert [m.pk for m in result] == [m.pk for m in members[:3]]
    assert query.plan_for(since=dt.date(2000, 1, 1)) is None
