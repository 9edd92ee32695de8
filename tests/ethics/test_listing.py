"""ethics/listing.py: the base FilterSet, filtered_page, and the one way a deadline is written,
on pages, in reminder e-mails and in the admin."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory

from ethics.filters import DeadlineFilterSet
from ethics.listing import filtered_page
from ethics.models import Deadline, User

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def _deadlines(n: int) -> list[Deadline]:
    kind = ContentType.objects.get_for_model(User)
    return [
        Deadline.objects.create(
            kind="member_term",
            subject_type=kind,
            subject_id=i + 1,
            title=f"期限 {i:02d}",
            due_at=dt.datetime(2026, 12, 1, tzinfo=SH) + dt.timedelta(days=i),
        )
        for i in range(n)
    ]


def _request(query: str = ""):
    request = RequestFactory().get(f"/x/?{query}")
    request.user = User.objects.create(username=f"u{User.objects.count()}", is_superuser=True)
    return request


def test_filtered_page_pages_counts_and_keeps_the_querystring_without_page():
    _deadlines(30)
    listing = filtered_page(
        _request("q=期限&o=-due&page=2"), DeadlineFilterSet, Deadline.objects.all()
    )
    assert listing.total == 30
    assert len(listing.page) == 5  # 25 a page
    assert listing.page.number == 2
    assert listing.query == "q=%E6%9C%9F%E9%99%90&o=-due"
    assert listing.page[0].title == "期限 04"  # descending by due date


def test_bad_input_is_a_field_error_and_an_empty_page():
    _deadlines(3)
    for query, field in [
        ("due_from=2026-02-30", "due_from"),
        ("state=late", "state"),
        ("o=secret", "o"),
        ("overdue=2", "overdue"),
    ]:
        listing = filtered_page(_request(query), DeadlineFilterSet, Deadline.objects.all())
        assert field in listing.filterset.form.errors, query
        assert listing.total == 0, query


def test_defaults_apply_only_when_the_request_does_not_name_the_filter():
    _deadlines(2)
    Deadline.objects.filter(title="期限 00").update(state="met")
    listing = filtered_page(
        _request(), DeadlineFilterSet, Deadline.objects.all(), defaults={"state": "met"}
    )
    assert listing.total == 1
    listing = filtered_page(
        _request("state=active"),
        DeadlineFilterSet,
        Deadline.objects.all(),
        defaults={"state": "met"},
    )
    assert listing.total == 1
    assert listing.page[0].title == "期限 01"


def test_the_admin_writes_a_deadline_as_the_pages_do(client):
    deadline = _deadlines(1)[0]
    Deadline.objects.filter(pk=deadline.pk).update(due_at=dt.datetime(2027, 1, 1, tzinfo=SH))
    admin = User.objects.create_superuser("root", "root@example.org", "pw-for-tests-1")
    client.force_login(admin)
    html = client.get("/admin/ethics/deadline/").content.decode()
    assert "2026-12-31" in html
    assert "2027年1月1日" not in html
    assert "24:00" not in html
