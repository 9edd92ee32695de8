"""R60 / issue 13: the Django admin changes nothing the services audit without an audit event.

Every admin of the project's apps is read-only, except the account admin (which records
`user.create` / `user.change` itself) and notifications (an inbox, not audited state).
"""

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from committees.models import Membership
from ethics import audit
from ethics.models import AuditEvent, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APPS = {"ethics", "committees", "reviews", "meetings", "oversight", "registry", "reports"}
EDITABLE = {"ethics.user", "ethics.notification"}


@pytest.fixture
def root(client):
    user = User.objects.create_superuser("root-r60", "root@example.org", "pw-r60-1")
    client.force_login(user)
    return user


def _project_admins():
    return {
        model._meta.label_lower: model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in APPS
    }


def test_every_audited_model_admin_is_read_only(root):
    request = RequestFactory().get("/admin/")
    request.user = root
    editable = set()
    for label, model_admin in _project_admins().items():
        if any(
            (
                model_admin.has_add_permission(request),
                model_admin.has_change_permission(request),
                model_admin.has_delete_permission(request),
            )
        ):
            editable.add(label)
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_add_permission(request, None), label
            assert not inline.has_change_permission(request, None), label
            assert not inline.has_delete_permission(request, None), label
    assert editable == EDITABLE
    assert not _project_admins()["ethics.user"].has_delete_permission(request)


def test_superuser_post_to_a_membership_is_refused_and_nothing_changes(client, root, world):
    membership = world.member_membership
    url = reverse("admin:committees_membership_change", args=[membership.pk])
    events = AuditEvent.objects.count()
    response = client.post(
        url,
        {
            "user": membership.user_id,
            "committee": membership.committee_id,
            "role": "chair",
            "expertise": membership.expertise,
            "gender": membership.gender,
            "term_start": "2000-01-01",
            "term_end": "2099-12-31",
        },
    )
    assert response.status_code == 403
    assert client.post(reverse("admin:committees_membership_add"), {}).status_code == 403
    delete = reverse("admin:committees_membership_delete", args=[membership.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    fresh = Membership.objects.get(pk=membership.pk)
    assert (fresh.role, fresh.term_start, fresh.term_end) == (
        membership.role,
        membership.term_start,
        membership.term_end,
    )
    assert AuditEvent.objects.count() == events


def test_committee_change_page_with_the_roster_inline_cannot_change_it(client, root, world):
    url = reverse("admin:committees_committee_change", args=[world.committee.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="memberships-0-role"' not in page.content.decode()
    assert client.post(url, {"name": "renamed"}).status_code == 403


def test_list_and_detail_pages_still_render_for_a_superuser(client, root, world):
    """Viewing and search keep working on every project admin."""
    for label, model_admin in _project_admins().items():
        app_label, model_name = label.split(".")
        changelist = reverse(f"admin:{app_label}_{model_name}_changelist")
        assert client.get(changelist).status_code == 200, label
        if model_admin.search_fields:
            assert client.get(changelist, {"q": "康华"}).status_code == 200, label
        obj = model_admin.model._default_manager.first()
        if obj is not None:
            detail = reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk])
            assert client.get(detail).status_code == 200, label


def test_audit_event_admin_is_read_only(client, root, world):
    with transaction.atomic():
        event = audit.record(actor=root, action="test.change", reason="as it happened")
    url = reverse("admin:ethics_auditevent_change", args=[event.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": "rewritten"}).status_code == 403
    assert client.get(reverse("admin:ethics_auditevent_add")).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).reason == event.reason


def test_account_changes_in_the_admin_leave_an_event(client, root):
    person = UserFactory(email="old@example.org")
    # The admin's date/time widget has no microseconds; keep date_joined out of the change.
    User.objects.filter(pk=person.pk).update(date_joined=person.date_joined.replace(microsecond=0))
    person.refresh_from_db()
    url = reverse("admin:ethics_user_change", args=[person.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in {"password", "groups", "user_permissions"}
    }
    data.update(
        email="new@example.org",
        is_staff="on",
        date_joined_0=timezone.localtime(person.date_joined).strftime("%Y-%m-%d"),
        date_joined_1=timezone.localtime(person.date_joined).strftime("%H:%M:%S"),
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)
    for flag in ("is_active", "is_superuser", "institution_admin"):
        if data.get(flag) is False:
            data.pop(flag)
        elif data.get(flag) is True:
            data[flag] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.filter(action="user.change").latest("pk")
    assert event.actor == root
    assert event.target_id == str(person.pk)
    assert event.before == {"email": "old@example.org", "is_staff": False}
    assert event.after == {
        "email": "new@example.org",
        "is_staff": True,
        "username": person.username,
    }
    assert event.reason == "Django admin"

    # Nobody sets another person's password in the admin (reset links instead): nothing changes.
    events = AuditEvent.objects.count()
    password_url = reverse("admin:auth_user_password_change", args=[person.pk])
    response = client.post(
        password_url,
        {
            "password1": "A-new-pass-r60-x",
            "password2": "A-new-pass-r60-x",
            "usable_password": "true",
        },
    )
    assert response.status_code == 403
    assert AuditEvent.objects.count() == events


def test_account_created_in_the_admin_leaves_an_event_and_no_known_password(
    client, root, django_capture_on_commit_callbacks
):
    """Nobody sets another person's password, superusers in the admin included: the new account
    has no usable password and its owner is e-mailed a link to choose one."""
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        response = _add_user(client)
    assert response.status_code == 302
    user = User.objects.get(username="new-r60")
    _check_new_user(user)
    # The link goes out once the account is committed, not before.
    assert [m.to for m in mail.outbox] == [["new-r60@example.org"]]


def _add_user(client):
    return client.post(
        reverse("admin:ethics_user_add"),
        {
            "username": "new-r60",
            "name": "新用户",
            "email": "new-r60@example.org",
            # A password slipped into the form is ignored: the add form has no such field.
            "password1": "A-new-pass-r60-x",
            "password2": "A-new-pass-r60-x",
            "usable_password": "true",
        },
    )


def _check_new_user(user):
    assert not user.has_usable_password()
    event = AuditEvent.objects.filter(action="user.create").latest("pk")
    assert event.target_id == str(user.pk)
    assert event.after["username"] == "new-r60"
    assert "password" not in event.after
    assert "A-new-pass" not in str(event.after)
    assert AuditEvent.objects.filter(action="user.password_reset_sent", target_id=str(user.pk))
