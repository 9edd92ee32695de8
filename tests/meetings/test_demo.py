"""The meetings demo seeder runs on top of the committees and reviews demos, idempotently."""

import io

import pytest

from ethics import hooks
from meetings.models import Meeting

pytestmark = pytest.mark.django_db


def test_seed_demo_twice(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    for _ in range(2):
        for _name, seeder in hooks.seeders():
            seeder(out)
    assert list(Meeting.objects.order_by("starts_at").values_list("status", flat=True)) == [
        "closed",
        "scheduled",
    ]
    past = Meeting.objects.get(status="closed")
    assert set(past.items.values_list("status", flat=True)) == {"concluded"}
    assert past.minutes.get().file
    upcoming = Meeting.objects.get(status="scheduled")
    assert upcoming.items.filter(kind="review").exists()
    assert upcoming.items.filter(kind="report").exists()  # R35
    assert upcoming.notice_sent_at
