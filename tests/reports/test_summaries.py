"""The dashboards' monthly summaries (issue 17, fast at scale): the figures read from them equal
the live definitions (reports/selectors.py) on constructed data, at the boundaries the live
figures are tested at (R25 day 30 vs day 31 and the due moment, R14 withdrawn, a Shanghai month
boundary); the refresh is idempotent, serialised on its state row and loses nothing on failure;
the page says when the summaries were made; the beat entry and the command exist."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.urls import reverse

from ethics.deadlines import SHANGHAI
from reports import dashboards, policies, selectors, summaries
from reports.models import MonthlySummary, SummaryCommittee, SummaryState, WorkloadSummary
from reviews.models import Decision, Opinion, ReviewerAssignment
from tests.conftest import requires_postgres
from tests.factories import CommitteeFactory, MembershipFactory, UserFactory
from tests.reports.test_dashboards import PERIOD, _case, at, authority, world  # noqa: F401

REFRESHED = at(2026, 5, 10)  # April and every month before it are closed


def _data():
    c1, c2 = CommitteeFactory(), CommitteeFactory()
    accepted = at(2026, 3, 2)
    # R25: decided on day 30 (on time) and day 31 (late), across the March/April boundary.
    _case(c1, submitted=at(2026, 3, 1), accepted=accepted, decided=at(2026, 4, 1, 23, 59))
    _case(c1, submitted=at(2026, 3, 1), accepted=accepted, decided=at(2026, 4, 2, 0, 1))
    # ... and at the exclusive deadline itself: late (is_overdue).
    _app, review = _case(c1, submitted=at(2026, 2, 27), accepted=accepted)
    Decision.objects.create(
        application=review.application, review=review, committee=c1, outcome="disapprove",
        decided_at=review.due_at, year=2026, sequence=900, number="No.900",
        signature_name="主任", signature_meaning="签发", signed_at=review.due_at,
    )  # fmt: skip
    # R14: submitted then withdrawn is received (and withdrawn); withdrawn as a draft is not.
    _case(c1, submitted=at(2026, 3, 5), status="withdrawn")
    _case(c1, submitted=None, status="withdrawn")
    # The Shanghai month boundary: 23:30 on 31 March is March, 00:10 on 1 April is April.
    _case(c2, kind="amendment", submitted=at(2026, 3, 31, 23, 30), accepted=at(2026, 4, 1, 0, 10),
          procedure="simplified", decided=at(2026, 4, 3))  # fmt: skip
    _case(c2, submitted=at(2026, 4, 1, 0, 10), accepted=at(2026, 4, 30, 23, 50),
          decided=at(2026, 5, 6))  # fmt: skip
    _case(c2, submitted=at(2026, 1, 20), accepted=at(2026, 1, 21), procedure="simplified",
          decided=at(2026, 1, 21), outcome="approve_with_modifications")  # fmt: skip
    _case(c2, submitted=at(2026, 5, 2))  # the current month: live
    return c1, c2


def _live(ids, start, end):
    return (
        selectors.applications_received(ids, start, end),
        selectors.reviews_accepted(ids, start, end),
        selectors.decisions(ids, start, end),
    )


def _same(read, live):
    volume, accepted, decided = live
    assert read.volume == volume
    assert read.accepted.by_kind_and_procedure == accepted.by_kind_and_procedure
    assert {p: sorted(d) for p, d in read.accepted.days.items()} == {
        p: sorted(d) for p, d in accepted.days.items()
    }
    assert read.decided.by_outcome == decided.by_outcome
    key = lambda t: (t.procedure, t.days, t.late)  # noqa: E731
    assert sorted(read.decided.timings, key=key) == sorted(decided.timings, key=key)
    assert selectors.turnaround(read.accepted, read.decided) == selectors.turnaround(
        accepted, decided
    )


PERIODS = [
    (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),  # closed months and the live rest
    (dt.date(2026, 3, 1), dt.date(2026, 4, 30)),  # closed months only
    (dt.date(2026, 3, 15), dt.date(2026, 4, 20)),  # partial months: live
    (dt.date(2026, 2, 10), dt.date(2026, 4, 30)),  # a partial first month
    (dt.date(2026, 4, 1), dt.date(2026, 5, 31)),  # a closed month and the current one
    (dt.date(2026, 4, 1), dt.date(2026, 4, 1)),  # the boundary day alone
]


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "last"), PERIODS)
def test_summaries_equal_the_live_figures(first, last):
    c1, c2 = _data()
    assert summaries.refresh(now=REFRESHED) > 0
    start, end = selectors.period_bounds(first, last)
    for ids in ([c1.pk], [c2.pk], [c1.pk, c2.pk]):
        read = summaries.read(ids, start, end)
        whole_months = summaries.summarised_months(start, end, dt.date(2026, 5, 1))
        assert (read.summarised_at is not None) == (whole_months is not None)
        _same(read, _live(ids, start, end))


@pytest.mark.django_db
def test_the_closed_months_come_from_the_summaries_until_the_next_refresh():
    """Proves the summaries are read: a change in a closed month shows after the next refresh,
    a change in the current month at once."""
    c1, _c2 = _data()
    start, end = selectors.period_bounds(dt.date(2026, 1, 1), dt.date(2026, 5, 31))
    summaries.refresh(now=REFRESHED)
    before = summaries.read([c1.pk], start, end)
    assert before.decided.total == 3
    Decision.objects.filter(committee=c1, decided_at=at(2026, 4, 1, 23, 59)).delete()  # April
    _case(c1, submitted=at(2026, 5, 3))  # in May, the current month
    stale = summaries.read([c1.pk], start, end)
    assert stale.decided.total == 3
    assert stale.volume.by_month["2026-05"] == before.volume.by_month["2026-05"] + 1
    summaries.refresh(now=REFRESHED)
    fresh = summaries.read([c1.pk], start, end)
    assert fresh.decided.total == 2
    _same(fresh, _live([c1.pk], start, end))


@pytest.mark.django_db
def test_without_a_refresh_everything_is_live():
    c1, _c2 = _data()
    start, end = selectors.period_bounds(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    read = summaries.read([c1.pk], start, end)
    assert read.summarised_at is None
    _same(read, _live([c1.pk], start, end))


def test_summarised_months_are_whole_months_before_the_refresh():
    bounds = selectors.period_bounds
    through = dt.date(2026, 5, 1)
    assert summaries.summarised_months(*bounds(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
                                       through) == (dt.date(2026, 1, 1), through)  # fmt: skip
    assert summaries.summarised_months(*bounds(dt.date(2026, 1, 2), dt.date(2026, 3, 30)),
                                       through) == (dt.date(2026, 2, 1), dt.date(2026, 3, 1))  # fmt: skip
    assert summaries.summarised_months(*bounds(dt.date(2026, 3, 2), dt.date(2026, 3, 31)),
                                       through) is None  # fmt: skip
    assert summaries.summarised_months(*bounds(dt.date(2026, 5, 1), dt.date(2026, 5, 31)),
                                       through) is None  # fmt: skip
    assert summaries.summarised_months(*bounds(dt.date(2026, 1, 1), dt.date(2026, 2, 28)),
                                       None) is None  # fmt: skip


@pytest.mark.django_db
def test_refresh_is_idempotent_and_a_failure_loses_nothing(monkeypatch):
    c1, c2 = _data()
    start, end = selectors.period_bounds(dt.date(2026, 1, 1), dt.date(2026, 4, 30))
    rows = summaries.refresh(now=REFRESHED)
    first = summaries.read([c1.pk, c2.pk], start, end)
    assert summaries.refresh(now=REFRESHED) == rows == MonthlySummary.objects.count()
    again = summaries.read([c1.pk, c2.pk], start, end)
    assert (again.volume, again.decided.by_outcome) == (first.volume, first.decided.by_outcome)
    state = SummaryState.objects.get()
    assert state.through == dt.date(2026, 5, 1)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(selectors, "decided_rows", broken)
    with pytest.raises(RuntimeError):
        summaries.refresh(now=at(2026, 6, 10))
    assert MonthlySummary.objects.count() == rows
    kept = SummaryState.objects.get()
    assert (kept.through, kept.refreshed_at) == (state.through, state.refreshed_at)


@pytest.mark.django_db
def test_refresh_locks_the_state_row_first(django_assert_num_queries, monkeypatch):
    """Two workers at once: the second waits on the state row's lock (SELECT ... FOR UPDATE),
    then replaces the first one's rows instead of adding to them."""
    _data()
    seen = []
    real = SummaryState.objects.select_for_update

    def spy(*args, **kwargs):
        seen.append("lock")
        return real(*args, **kwargs)

    monkeypatch.setattr(SummaryState.objects, "select_for_update", spy)
    summaries.refresh(now=REFRESHED)
    assert seen == ["lock"]


def test_dashboard_says_when_the_summaries_were_made(client, world, authority,  # noqa: F811
                                                     django_assert_max_num_queries):  # fmt: skip
    summaries.refresh()
    client.force_login(authority)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("reports:authority"), PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-summarised" in body
    state = SummaryState.objects.get()
    from django.utils import timezone

    assert f"{timezone.localtime(state.refreshed_at):%Y-%m-%d %H:%M}" in body
    # Nothing a reader sends steers the source: the filter form has no such field.
    assert "refresh" not in response.context["form"].fields
    scope = policies.Scope(policies.COMMITTEE, world.committee.pk, "", (world.committee,))
    board = dashboards.build(scope, dashboards.Filters(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    live = selectors.applications_received([world.committee.pk], *selectors.year_bounds(2026))
    rows = {r["month"]: r["n"] for r in board.panel("by_month").table.rows}
    assert rows == live.by_month


def test_committee_and_institution_dashboards_stay_within_15_queries(
    client,
    world,  # noqa: F811
    django_assert_max_num_queries,
):
    summaries.refresh()
    client.force_login(world.chair)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("reports:committee", args=[world.committee.pk]), PERIOD)
    assert response.status_code == 200
    client.force_login(world.admin)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("reports:institution", args=[world.institution.pk]), PERIOD)
    assert response.status_code == 200


@pytest.mark.django_db
def test_beat_entry_and_command():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="refresh-report-summaries")
    assert task.task == "reports.refresh_summaries"
    assert (task.crontab.minute, task.crontab.hour) == ("17", "*")
    assert str(task.crontab.timezone) == "Asia/Shanghai"
    _data()
    call_command("reports_refresh", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert SummaryState.objects.get().refreshed_at is not None
    from reports.tasks import refresh_summaries_task

    assert refresh_summaries_task() == MonthlySummary.objects.count()


# --- region rows: a regional dashboard reads one region's rows, never a committee twice ---------

YEAR = selectors.period_bounds(dt.date(2026, 1, 1), dt.date(2026, 4, 30))  # closed months only


def _regions():
    """c1, c2 in 北京市 (the factory's region), c3 in 天津市, each with the _data cases."""
    c1, c2 = _data()
    c3 = CommitteeFactory(institution__region="天津市")
    _case(c3, submitted=at(2026, 2, 2), accepted=at(2026, 2, 3), decided=at(2026, 3, 1))
    _case(c3, submitted=at(2026, 3, 2), accepted=at(2026, 3, 3), decided=at(2026, 4, 10),
          outcome="disapprove")  # fmt: skip
    return c1, c2, c3


@pytest.mark.django_db
def test_refresh_sums_each_region_and_records_its_committees():
    c1, c2, c3 = _regions()
    summaries.refresh(now=REFRESHED)
    assert dict(SummaryCommittee.objects.values_list("committee_id", "region")) == {
        c1.pk: "北京市", c2.pk: "北京市", c3.pk: "天津市",
    }  # fmt: skip
    for region, members in (("北京市", [c1.pk, c2.pk]), ("天津市", [c3.pk])):
        own = MonthlySummary.objects.filter(committee_id__in=members)
        summed = MonthlySummary.objects.filter(committee__isnull=True, region=region)
        assert summed.aggregate(t=Sum("n"))["t"] == own.aggregate(t=Sum("n"))["t"] > 0
        assert summed.count() <= own.count()


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["all", "beijing", "beijing+c3", "c1+c3", "c1"])
def test_region_rows_read_equal_the_live_figures(which):
    c1, c2, c3 = _regions()
    summaries.refresh(now=REFRESHED)
    ids = {
        "all": [c1.pk, c2.pk, c3.pk],
        "beijing": [c1.pk, c2.pk],
        "beijing+c3": [c2.pk, c1.pk, c3.pk],
        "c1+c3": [c1.pk, c3.pk],
        "c1": [c1.pk],
    }[which]
    read = summaries.read(ids, *YEAR)
    assert read.summarised_at is not None
    _same(read, _live(ids, *YEAR))


@pytest.mark.django_db
def test_a_region_stands_in_only_for_every_committee_it_was_summed_from():
    """Proves which rows are read: a region's row is changed by hand; asking for the whole
    region reads it, asking for part of it reads the committees' own rows."""
    c1, c2, c3 = _regions()
    summaries.refresh(now=REFRESHED)
    row = MonthlySummary.objects.filter(
        committee__isnull=True, region="北京市", figure="received"
    ).first()
    row.n += 1000
    row.save()
    whole = summaries.read([c1.pk, c2.pk], *YEAR)
    part = summaries.read([c1.pk], *YEAR)
    live = _live([c1.pk, c2.pk], *YEAR)[0]
    assert whole.volume.total == live.total + 1000
    assert part.volume == _live([c1.pk], *YEAR)[0]
    # 天津市 is not touched by either.
    assert summaries.read([c3.pk], *YEAR).volume == _live([c3.pk], *YEAR)[0]


@pytest.mark.django_db
def test_a_committee_added_or_moved_since_the_refresh_is_neither_missed_nor_counted_twice():
    c1, c2, c3 = _regions()
    summaries.refresh(now=REFRESHED)
    # c3's institution moves to 北京市 after the refresh: 北京市's rows stand for c1 and c2
    # still, 天津市's for c3.
    c3.institution.region = "北京市"
    c3.institution.save()
    ids = [c1.pk, c2.pk, c3.pk]
    _same(summaries.read(ids, *YEAR), _live(ids, *YEAR))
    # A committee made since (no summary rows yet) does not break 北京市's coverage.
    c4 = CommitteeFactory()
    ids.append(c4.pk)
    _same(summaries.read(ids, *YEAR), _live(ids, *YEAR))
    # A committee that was in 北京市 but is not asked for: the committees' own rows.
    _same(summaries.read([c2.pk, c3.pk], *YEAR), _live([c2.pk, c3.pk], *YEAR))


# --- member workload: the closed months as of the refresh, the rest live ----------------------


def _workload_data():
    c1, c2 = CommitteeFactory(), CommitteeFactory()
    a = MembershipFactory(committee=c1, user=UserFactory(name="甲委员"))
    b = MembershipFactory(committee=c1, user=UserFactory(name="乙委员"))
    d = MembershipFactory(committee=c2, user=UserFactory(name="丁委员"))
    made = []
    for member, committee, assigned, opinion in (
        (a, c1, at(2026, 3, 3), "on time"),
        (a, c1, at(2026, 3, 31, 23, 30), "late"),  # March in Shanghai
        (b, c1, at(2026, 4, 1, 0, 10), None),  # April; due 2026-05-01: late at the refresh
        (d, c2, at(2026, 4, 20), None),  # due after the refresh: not late then
        (a, c1, at(2026, 5, 2), None),  # the current month: live
    ):
        _app, review = _case(committee, submitted=assigned, accepted=assigned)
        assignment = ReviewerAssignment.objects.create(
            review=review, membership=member, assigned_at=assigned
        )
        if opinion:
            when = review.due_at if opinion == "late" else assigned
            Opinion.objects.create(assignment=assignment, verdict="approve", created_at=when)
        made.append(assignment)
    return c1, c2, made


def _names():
    from committees.models import Committee

    return dict(Committee.objects.values_list("pk", "name"))


def _rows(result):
    return [(w.key, w.members, w.assignments, w.opinions, w.late_opinions) for w in result]


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "last"), PERIODS)
@pytest.mark.parametrize("names", [True, False])
def test_workload_read_from_the_summaries_equals_the_live_figure_at_the_refresh(first, last, names):
    c1, c2, _made = _workload_data()
    summaries.refresh(now=REFRESHED)
    assert WorkloadSummary.objects.exists()
    start, end = selectors.period_bounds(first, last)
    through = SummaryState.objects.get().through
    for ids in ([c1.pk], [c2.pk], [c1.pk, c2.pk]):
        live = selectors.member_workload(ids, start, end, names=names, now=REFRESHED)
        read = summaries.workload(
            ids, start, end, through, names=names, committee_names=_names(), now=REFRESHED
        )
        assert _rows(read) == _rows(live)


@pytest.mark.django_db
def test_workload_of_closed_months_moves_at_the_next_refresh():
    """What the page's "updated at" means for the workload: an opinion given since the refresh
    for an assignment of a closed month counts at the next refresh; one of the current month
    at once."""
    c1, _c2, made = _workload_data()
    summaries.refresh(now=REFRESHED)
    start, end = selectors.period_bounds(dt.date(2026, 1, 1), dt.date(2026, 5, 31))
    through = SummaryState.objects.get().through

    def read():
        rows = summaries.workload(
            [c1.pk], start, end, through, names=False, committee_names=_names(), now=REFRESHED
        )
        return _rows(rows)

    before = read()
    assert before == [(c1.name, 2, 4, 2, 2)]
    Opinion.objects.create(assignment=made[2], verdict="approve", created_at=REFRESHED)  # April
    Opinion.objects.create(assignment=made[4], verdict="approve", created_at=REFRESHED)  # May
    assert read() == [(c1.name, 2, 4, 3, 2)]  # May's opinion at once, April's not yet
    summaries.refresh(now=REFRESHED)
    assert read() == [(c1.name, 2, 4, 4, 2)]
    live = selectors.member_workload([c1.pk], start, end, names=False, now=REFRESHED)
    assert read() == _rows(live)


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_and_reads_on_postgresql():
    """Three real workers refresh at once while a fourth reads: the refreshes queue on the
    state row's lock, each replaces the rows, the result is one refresh's rows (never added
    together), and a reader sees either the old summaries or the new ones, never a mixture
    (the figures it reads equal the live ones every time)."""
    c1, c2, c3 = _regions()
    _workload_data()
    single = summaries.refresh(now=REFRESHED)
    expected = sorted(MonthlySummary.objects.values_list("committee_id", "region", "figure",
                                                         "month", "days", "n"), key=repr)  # fmt: skip
    workloads = WorkloadSummary.objects.count()
    ids = [c1.pk, c2.pk, c3.pk]
    live = _live(ids, *YEAR)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    written: list[int] = []

    def refresher():
        try:
            barrier.wait()
            written.append(summaries.refresh(now=REFRESHED))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def reader():
        try:
            barrier.wait()
            for _ in range(10):
                _same(summaries.read(ids, *YEAR), live)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresher) for _ in range(3)]
    threads.append(threading.Thread(target=reader))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert written == [single] * 3
    assert sorted(MonthlySummary.objects.values_list("committee_id", "region", "figure",
                                                     "month", "days", "n"), key=repr) == expected  # fmt: skip
    assert WorkloadSummary.objects.count() == workloads


@pytest.mark.django_db
def test_the_refresh_counts_a_year_at_a_time_and_loses_nothing_at_the_new_year():
    c1, c2 = _data()
    # Submitted on New Year's Eve (Shanghai), accepted and decided in the new year; one more
    # two years before.
    _case(c1, submitted=at(2025, 12, 31, 23, 30), accepted=at(2026, 1, 1, 0, 10),
          decided=at(2026, 1, 20))  # fmt: skip
    _case(c2, submitted=at(2024, 6, 1), accepted=at(2024, 6, 2), decided=at(2024, 6, 30))
    new_year = [dt.datetime(y, 1, 1, tzinfo=SHANGHAI) for y in (2025, 2026)]
    assert summaries._years(at(2026, 5, 1)) == [
        (summaries.EPOCH, new_year[0]), (new_year[0], new_year[1]), (new_year[1], at(2026, 5, 1)),
    ]  # fmt: skip
    summaries.refresh(now=REFRESHED)
    for first, last in ((dt.date(2024, 1, 1), dt.date(2026, 4, 30)),
                        (dt.date(2025, 12, 1), dt.date(2026, 1, 31))):  # fmt: skip
        bounds = selectors.period_bounds(first, last)
        for ids in ([c1.pk], [c1.pk, c2.pk]):
            _same(summaries.read(ids, *bounds), _live(ids, *bounds))


@requires_postgres
@pytest.mark.django_db
def test_postgresql_connections_do_not_jit_compile_short_reads():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
