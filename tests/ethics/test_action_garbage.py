"""Garbage to the kernel's own actions (ethics.user_actions) and to the token endpoint: a 4xx and
nothing changed; other institutions' accounts and non-numeric ids are 404s."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.urls import reverse

from ethics import services
from ethics.actions import Action
from ethics.forms import TokenForm
from ethics.models import AuditEvent, Notification
from ethics.user_actions import ACCOUNT, USERS
from tests import garbage
from tests.factories import InstitutionFactory, UserFactory


@pytest.fixture
def world(db):
    """An institution with its admin and a researcher (who has two unread messages), and the
    admin of another institution."""
    institution = InstitutionFactory()
    researcher = UserFactory(institution=institution)
    for title in ("消息一", "消息二"):
        services.notification_create(recipient=researcher, title=title)
    return SimpleNamespace(
        institution=institution,
        admin=UserFactory(institution=institution, institution_admin=True),
        researcher=researcher,
        outsider=UserFactory(institution=InstitutionFactory(), institution_admin=True),
    )


def _users(world):
    pk = world.researcher.pk
    apis = {"create": "/api/v1/users/", "update": f"/api/v1/users/{pk}/"}
    return garbage.Target(
        actor=world.admin, target=world.researcher, page_url=lambda name: None, api_url=apis.get
    )


def _account(world):
    pages = {
        "mark_read": reverse("ethics:inbox-read"),
        "language": reverse("ethics:set-language"),
        "channels": reverse("ethics:profile"),
    }
    return garbage.Target(
        actor=world.researcher, target=world.researcher, page_url=pages.get, api_url=lambda n: None
    )


def _job(world):
    # ethics.live: retrying a rendering of a document nobody here can see is a 404 before input.
    def page(name):
        return reverse("ethics:live-action", args=["letter", 999999, name])

    return garbage.Target(actor=world.admin, target=None, page_url=page, api_url=lambda name: None)


TARGETS = {"ethics.user": _users, "ethics.account": _account, "ethics.job": _job}


def _assert_refused_api(api_client, method, url, body):
    before = AuditEvent.objects.count()
    response = api_client.generic(method, url, body, content_type="application/json")
    assert 400 <= response.status_code < 500, (method, url, body[:80], response.status_code)
    assert AuditEvent.objects.count() == before, (url, body[:80])


def _entries():
    return [
        pytest.param(table, entry, id=f"{table.name}.{entry.name}")
        for table in (USERS, ACCOUNT)
        for entry in table
    ]


@pytest.mark.parametrize(("table", "entry"), _entries())
def test_garbage_is_refused(world, client, api_client, table, entry):
    target = TARGETS[table.name](world)
    client.force_login(target.actor)
    api_client.force_authenticate(target.actor)
    api, page = target.api_url(entry.name), target.page_url(entry.name)
    method = "PATCH" if entry.name == "update" else "POST"
    if api:
        for _label, body in garbage.raw_bodies():
            _assert_refused_api(api_client, method, api, body)
        for _label, data in garbage.field_payloads(entry):
            _assert_refused_api(api_client, method, api, json.dumps(data))
    if page:
        for _label, data in garbage.field_payloads(entry, page=True):
            garbage.assert_refused_page(client, page, data)
    assert Notification.objects.filter(recipient=world.researcher, read_at=None).count() == 2


def test_other_institutions_accounts_and_bad_ids_are_404(world, api_client):
    api_client.force_authenticate(world.outsider)
    url = f"/api/v1/users/{world.researcher.pk}/"
    assert api_client.patch(url, {"name": "x"}, format="json").status_code == 404
    assert api_client.patch("/api/v1/users/abc/", {}, format="json").status_code == 404
    # A plain account may not open accounts (403), whatever its institution.
    api_client.force_authenticate(world.researcher)
    response = api_client.post("/api/v1/users/", {"username": "newbie"}, format="json")
    assert response.status_code == 403


def test_another_persons_notification_is_no_valid_choice(world, client):
    """Naming someone else's (or no) notification is a 400; it used to mark all of one's own
    notifications as read when the id was not a number."""
    other = services.notification_create(recipient=world.admin, title="别人的")
    client.force_login(world.researcher)
    for value in (other.pk, "abc", 10**30):
        response = client.post(reverse("ethics:inbox-read"), {"notification": value})
        assert response.status_code == 400
    assert Notification.objects.filter(read_at=None).count() == 3
    mine = Notification.objects.filter(recipient=world.researcher).first()
    response = client.post(reverse("ethics:inbox-read"), {"notification": mine.pk})
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=world.researcher, read_at=None).count() == 1


def test_an_unknown_language_is_a_400(world, client):
    response = client.post(reverse("ethics:set-language"), {"language": "fr", "next": "/"})
    assert response.status_code == 400
    client.force_login(world.researcher)
    response = client.post(reverse("ethics:set-language"), {"language": "xx"})
    assert response.status_code == 400
    world.researcher.refresh_from_db()
    assert world.researcher.language == "zh-hans"


TOKEN = Action("token", run=lambda call: None, input=TokenForm)


def test_token_garbage_is_a_400(world, api_client):
    """`POST /auth/token/` binds a form through the safe JSON parser: JSON nested 5,000 deep used
    to answer 500."""
    for _label, body in garbage.raw_bodies():
        _assert_refused_api(api_client, "POST", "/api/v1/auth/token/", body)
    for _label, data in garbage.field_payloads(TOKEN):
        _assert_refused_api(api_client, "POST", "/api/v1/auth/token/", json.dumps(data))
    response = api_client.post(
        "/api/v1/auth/token/", {"username": world.researcher.username}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["password"][0]["code"] == "required"


def test_patch_of_a_user_changes_only_the_fields_sent(world, api_client):
    api_client.force_authenticate(world.admin)
    user = world.researcher
    response = api_client.patch(f"/api/v1/users/{user.pk}/", {"language": "en"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.language, user.institution_id) == ("en", world.institution.pk)
    assert user.check_password("pw-for-tests-1")
