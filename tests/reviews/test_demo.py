"""The reviews demo seeder runs on top of the committees demo and is idempotent."""

import io

import pytest

from ethics import hooks
from reviews import demo
from reviews.models import Application, Decision, Project

pytestmark = pytest.mark.django_db


def test_seed_demo_twice(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    for _ in range(2):
        for _name, seeder in hooks.seeders():
            seeder(out)
    # Other apps' seeders (meetings, registry) add projects of their own.
    ours = Project.objects.filter(title__in=[title for title, *_rest in demo.PROJECTS])
    assert ours.count() == 7
    statuses = set(Application.objects.filter(project__in=ours).values_list("status", flat=True))
    assert statuses == {"draft", "submitted", "returned", "under_review", "decided"}
    assert Decision.objects.get(application__project__in=ours).letter
