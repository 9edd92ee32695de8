"""The reviews demo seeder runs on top of the committees demo and is idempotent."""

import io

import pytest

from ethics import hooks
from reviews.models import Application, Decision, Project

pytestmark = pytest.mark.django_db


def test_seed_demo_twice(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    for _ in range(2):
        for _name, seeder in hooks.seeders():
            seeder(out)
    assert Project.objects.count() == 7
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "returned", "under_review", "decided"}
    assert Decision.objects.get().letter
