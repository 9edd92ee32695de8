"""manage.py import_holidays: one year's official rest days and make-up working days from a file
(R25 Civil Code counting with China's calendar); open clocks the new calendar moves are
recomputed, audited and notified; the "calendar not loaded" note only for years without data."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from committees import services as committee_services
from committees.models import Committee
from ethics import services
from ethics.deadlines import SHANGHAI
from ethics.holiday_data import (
    HOLIDAYS,
    MAKEUP,
    OFFICIAL_CALENDAR,
    HolidayFileError,
    parse_year_file,
)
from ethics.models import AuditEvent, Deadline, Holiday, Notification
from tests.factories import CommitteeFactory, MembershipFactory

SHIPPED = Path(__file__).resolve().parents[2] / "ethics" / "holidays" / "2026.json"


def _file(tmp_path, **data):
    body = {"year": 2027, "source": "测试", "rest_days": [], "makeup_days": [], **data}
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


# --- the file ----------------------------------------------------------------------------------


def test_the_shipped_2026_file_matches_the_notice():
    year, arrangement, source = parse_year_file(SHIPPED.read_text(encoding="utf-8"))
    assert year == 2026
    assert "国办发明电〔2025〕7号" in source
    assert sorted(arrangement[HOLIDAYS]) == sorted(OFFICIAL_CALENDAR[2026][HOLIDAYS])
    assert sorted(arrangement[MAKEUP]) == sorted(OFFICIAL_CALENDAR[2026][MAKEUP])


def test_every_problem_is_listed_at_once():
    text = json.dumps(
        {
            "year": 2027,
            "rest_days": [
                {"from": "2026-12-31", "to": "2027-01-01", "name": "元旦"},
                {"from": "2027-02-10", "to": "2027-02-08", "name": "春节"},
                {"from": "2027-05-01", "to": "2027-05-02", "name": ""},
                {"from": "2027-13-01", "name": "x"},
            ],
            "makeup_days": [
                {"date": "2027-05-01", "name": "劳动节调休上班"},
                {"date": "2027-05-06", "name": "周四"},
            ],
        }
    )
    with pytest.raises(HolidayFileError) as info:
        parse_year_file(text)
    problems = "\n".join(info.value.problems)
    assert "2026-12-31" in problems  # outside the year
    assert "rest_days[1]" in problems  # ends before it starts
    assert "rest_days[2]" in problems  # no name
    assert "2027-13-01" in problems  # not a date
    assert "makeup_days[1]" in problems  # a weekday
    assert "2027-05-01" in problems  # both rest and make-up day
    assert len(info.value.problems) == 6


@pytest.mark.parametrize("text", ["{", "[]", '{"year": "2027"}', '{"year": 2027}'])
def test_malformed_files_are_refused(text):
    with pytest.raises(HolidayFileError):
        parse_year_file(text)


@pytest.mark.django_db
def test_the_command_refuses_a_bad_file_and_imports_nothing(tmp_path):
    before = Holiday.objects.count()
    path = _file(
        tmp_path,
        rest_days=[{"from": "2027-10-01", "to": "2027-10-07", "name": "国庆节"}],
        makeup_days=[{"date": "2027-10-02", "name": "调休"}],
    )
    with pytest.raises(CommandError, match="2027-10-02"):
        call_command("import_holidays", str(path))
    assert Holiday.objects.count() == before
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_holidays", str(tmp_path / "missing.json"))


@pytest.mark.django_db
def test_the_command_replaces_the_year(tmp_path):
    call_command("import_holidays", str(SHIPPED))
    assert Holiday.objects.filter(date__year=2026).count() == len(
        OFFICIAL_CALENDAR[2026][HOLIDAYS]
    ) + len(OFFICIAL_CALENDAR[2026][MAKEUP])
    path = _file(tmp_path, rest_days=[{"from": "2027-01-01", "name": "元旦"}])
    call_command("import_holidays", str(path))
    call_command("import_holidays", str(path))  # idempotent
    assert list(Holiday.objects.filter(date__year=2027).values_list("date", "kind")) == [
        (dt.date(2027, 1, 1), "holiday")
    ]
    assert AuditEvent.objects.filter(action="holiday.import").count() == 3


# --- recomputing open clocks --------------------------------------------------------------------


@pytest.fixture
def committee_2027(db):
    """A committee set up on 1 Jan 2027: R50's day 30 is Sun 31 Jan, rolled (weekends only, no
    2027 data yet) to Mon 1 Feb 2027."""
    committee = CommitteeFactory(established_on=dt.date(2027, 1, 1))
    MembershipFactory(committee=committee, secretary=True)
    committee_services._open_registration_deadline(committee, None)
    return committee


def _registration(committee):
    return Deadline.objects.get(kind="committee_registration", subject_id=committee.pk)


def test_an_import_moves_an_open_clock_audits_and_notifies_r50(tmp_path, committee_2027):
    deadline = _registration(committee_2027)
    assert deadline.due_at == dt.datetime(2027, 2, 2, tzinfo=SHANGHAI)
    assert "2027" in deadline.note
    path = _file(tmp_path, rest_days=[{"from": "2027-02-01", "to": "2027-02-03", "name": "测试"}])
    call_command("import_holidays", str(path))
    deadline.refresh_from_db()
    # Day 30 rolls past the new rest days 1-3 Feb to Thu 4 Feb: due at 24:00 that day.
    assert deadline.due_at == dt.datetime(2027, 2, 5, tzinfo=SHANGHAI)
    assert deadline.note == ""
    event = AuditEvent.objects.get(action="deadline.recompute")
    assert event.after["due_at"].startswith("2027-02-05")
    note = Notification.objects.get(cause__startswith="holiday.import")
    assert "2027-02-04" in note.title


def test_dry_run_changes_nothing(tmp_path, committee_2027):
    path = _file(tmp_path, rest_days=[{"from": "2027-02-01", "to": "2027-02-03", "name": "测试"}])
    call_command("import_holidays", str(path), "--dry-run")
    assert _registration(committee_2027).due_at == dt.datetime(2027, 2, 2, tzinfo=SHANGHAI)
    assert not Holiday.objects.filter(date__year=2027).exists()


def test_an_unaffected_clock_stays_r50(tmp_path, committee_2027):
    path = _file(tmp_path, rest_days=[{"from": "2027-10-01", "to": "2027-10-07", "name": "国庆节"}])
    call_command("import_holidays", str(path))
    deadline = _registration(committee_2027)
    assert deadline.due_at == dt.datetime(2027, 2, 2, tzinfo=SHANGHAI)
    assert deadline.note == ""  # 2027 has data now
    assert not AuditEvent.objects.filter(action="deadline.recompute").exists()


def test_an_extended_clock_keeps_its_date_r25(tmp_path, committee_2027):
    deadline = _registration(committee_2027)
    extended = dt.datetime(2027, 2, 20, tzinfo=SHANGHAI)
    services.deadline_extend(
        deadline_id=deadline.pk, due_at=extended, reason="主管部门同意", actor=None
    )
    path = _file(tmp_path, rest_days=[{"from": "2027-02-01", "to": "2027-02-03", "name": "测试"}])
    call_command("import_holidays", str(path))
    assert _registration(committee_2027).due_at == extended


# --- the note only for years without data ------------------------------------------------------


@pytest.mark.django_db
def test_note_only_for_a_year_without_data():
    committee = CommitteeFactory()
    in_2026 = services.deadline_open(
        kind="committee_registration",
        subject=committee,
        due_at=dt.datetime(2026, 10, 9, tzinfo=SHANGHAI),
        title="2026",
    )
    # Last day 31 Dec 2026: due at 2027-01-01 00:00, still a 2026 deadline.
    year_end = services.deadline_open(
        kind="member_term",
        subject=committee,
        due_at=dt.datetime(2027, 1, 1, tzinfo=SHANGHAI),
        title="year end",
    )
    other = CommitteeFactory()
    in_2031 = services.deadline_open(
        kind="committee_registration",
        subject=other,
        due_at=dt.datetime(2031, 10, 9, tzinfo=SHANGHAI),
        title="2031",
    )
    assert in_2026.note == ""
    assert year_end.note == ""
    assert "2031" in in_2031.note


@pytest.mark.django_db
def test_deadline_page_shows_the_note_only_on_rows_in_years_without_data(client):
    from tests.factories import UserFactory

    admin = UserFactory(is_superuser=True, is_staff=True)
    committee = CommitteeFactory()
    services.deadline_open(
        kind="committee_registration",
        subject=committee,
        due_at=dt.datetime(2026, 10, 9, tzinfo=SHANGHAI),
        title="in-2026",
        committee_id=committee.pk,
    )
    stale = services.deadline_open(
        kind="committee_registration",
        subject=CommitteeFactory(),
        due_at=dt.datetime(2031, 10, 9, tzinfo=SHANGHAI),
        title="in-2031",
    )
    # A note stored before the year was loaded is not shown once it is.
    Deadline.objects.filter(title="in-2026").update(note="stale note")
    client.force_login(admin)
    page = client.get(reverse("registry:deadline-list")).content.decode()
    assert page.count("data-calendar-gap") == 1
    row_2031 = page.split(f'data-deadline="{stale.pk}"')[1].split("</tr>")[0]
    assert "data-calendar-gap" in row_2031
    assert "stale note" not in page
    assert Committee.objects.count() == 2


@pytest.mark.django_db
def test_the_decision_clock_moves_with_the_review_and_application_r25(tmp_path, world):
    """R25: accepted Fri 1 Jan 2027 → day 30 Sun 31 Jan → Mon 1 Feb (no 2027 data yet); a 2027
    calendar with 1-3 Feb as rest days moves it to Thu 4 Feb, on the review and application too."""
    import time_machine

    from reviews import services as review_services
    from tests.reviews.conftest import submitted

    application = submitted(world)
    with time_machine.travel(dt.datetime(2027, 1, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        application = review_services.application_accept(
            application_id=application.pk, procedure="meeting", actor=world.secretary
        )
    assert application.due_at == dt.datetime(2027, 2, 2, tzinfo=SHANGHAI)
    path = _file(tmp_path, rest_days=[{"from": "2027-02-01", "to": "2027-02-03", "name": "测试"}])
    call_command("import_holidays", str(path))
    application.refresh_from_db()
    review = application.reviews.get()
    moved = dt.datetime(2027, 2, 5, tzinfo=SHANGHAI)
    assert Deadline.objects.get(kind="decision").due_at == moved
    assert review.due_at == moved
    assert application.due_at == moved
