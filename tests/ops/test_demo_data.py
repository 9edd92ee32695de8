"""The demo data looks real (issue 15): valid USCCs, meetings in working hours (Asia/Shanghai),
coherent dates (nothing before the committee was founded, no annual report on a year before
it). Seeded at two moments: 1 December at 01:05 (a committee founded ten days earlier; the hour
the demo meetings used to be put at) and 3 January in the evening (founded the year before)."""

import io
import zoneinfo
from datetime import datetime, time

import pytest
import time_machine
from django.utils import timezone

from committees.models import Committee, Membership
from ethics import hooks
from ethics.models import Institution
from ethics.validators import validate_credit_code
from meetings.models import Meeting
from registry.models import Filing
from registry.workflow import Kind

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 12, 1, 1, 5, tzinfo=SHANGHAI), datetime(2027, 1, 3, 20, 30, tzinfo=SHANGHAI)],
    ids=["december-night", "january-evening"],
)
def test_demo_data_is_coherent(settings, moment):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(moment, tick=True):
        for _name, seeder in hooks.seeders():
            seeder(io.StringIO())

        institutions = list(Institution.objects.all())
        assert institutions
        for institution in institutions:
            validate_credit_code(institution.credit_code)
            assert not institution.credit_code.endswith("XX")

        meetings = list(Meeting.objects.all())
        assert len(meetings) == 2
        for meeting in meetings:
            start = timezone.localtime(meeting.starts_at, SHANGHAI).time()
            assert time(8, 0) <= start <= time(18, 0), meeting.starts_at
            assert meeting.starts_at.astimezone(SHANGHAI).weekday() < 5 or (
                meeting.status == "closed"  # held today, whatever day the demo is seeded
            )

        reports = Filing.objects.filter(kind__in=[Kind.ANNUAL_REPORT, Kind.NHC_ANNUAL_REPORT])
        assert reports.exists()
        for report in reports.select_related("committee"):
            assert report.period >= report.committee.established_on.year, report

        today = timezone.localdate()
        for committee in Committee.objects.all():
            founded = committee.established_on
            assert founded <= today
            assert not Membership.objects.filter(
                committee=committee, term_start__lt=founded
            ).exists()
            for meeting in Meeting.objects.filter(committee=committee):
                assert timezone.localdate(meeting.starts_at) >= founded
