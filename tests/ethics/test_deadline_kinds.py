"""Deadline kinds are declared by the apps: a new app's clock works end to end, no kernel change."""

import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from ethics import hooks, services
from ethics.models import Deadline, Notification, Reminder
from ethics.reminders import StageConfig
from tests.ethics.clockapp.apps import TRAINING_RENEWAL
from tests.factories import UserFactory

# The clocks the product's apps declare: the values of the API's `kind` (docs/api.md).
PRODUCT_KINDS = {
    "committee_registration",
    "committee_update",
    "member_term",
    "decision",
    "rereview_opinion",
    "tracking_review",
    "listed_registration",
    "listed_update",
    "annual_report",
    "nhc_filing",  # N7
    "nhc_annual_report",  # N8
    "complaint_acknowledge",  # R55
    "complaint_handling",  # R55
    "corrective_measure",  # R56
    "incident_followup",  # R30 (oversight)
    "risk_review",  # R45 (oversight)
    "quality_corrective_action",  # B1 (oversight)
    "member_training",  # R10a (oversight)
}


@pytest.fixture
def clock_app():
    """Install the test app as Django does: its AppConfig.ready() declares its clock."""
    with (
        hooks.deadline_kinds_restored(),
        override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.ethics.clockapp"]),
    ):
        yield


def test_the_apps_declare_every_product_clock():
    assert set(hooks.deadline_kinds()) == PRODUCT_KINDS
    assert {value for value, _ in Deadline._meta.get_field("kind").choices} == PRODUCT_KINDS


def test_labels_and_stages_come_from_the_declaration():
    assert hooks.deadline_kind_label("member_term") == "委员任期届满"
    assert hooks.deadline_stages("member_term") == StageConfig(
        days_before=(60, 30), on_last_day=True, overdue_every_days=0
    )
    assert hooks.deadline_stages("annual_report").days_before == (31, 17, 7)
    assert hooks.deadline_stages("decision") == hooks.DEFAULT_STAGES
    assert hooks.deadline_kind_label("no_such_kind") == "no_such_kind"


def test_listed_registration_reminders_go_to_the_filing():
    """Reviews declares the clock; the registry app, which files it, routes its reminders."""
    from registry.hooks import filing_deadline_recipients, filing_deadline_url

    spec = hooks.deadline_kind("listed_registration")
    assert spec.recipients is filing_deadline_recipients
    assert spec.url is filing_deadline_url
    assert str(spec.label) == "纳入清单管理的科技活动登记"


def test_routing_an_undeclared_kind_fails_early():
    with pytest.raises(LookupError):
        hooks.route_deadline_kind("no_such_kind", recipients=lambda d: hooks.Recipients())


def test_a_kind_longer_than_the_column_is_refused():
    with pytest.raises(ValueError, match="1 to 40"):
        hooks.register_deadline_kind("x" * 41, label="x", recipients=lambda d: hooks.Recipients())


def test_two_apps_cannot_declare_one_kind():
    with hooks.deadline_kinds_restored(), pytest.raises(ImproperlyConfigured):
        hooks.register_deadline_kind(
            "decision", label="Something else", recipients=lambda d: hooks.Recipients()
        )


def test_an_override_is_undone():
    original = hooks.deadline_kind("decision")
    with hooks.deadline_kind_overridden("decision", recipients=lambda d: hooks.Recipients()):
        assert hooks.deadline_kind("decision").recipients is not original.recipients
    assert hooks.deadline_kind("decision") == original


def test_an_installed_app_declares_its_clock_from_ready():
    with (
        hooks.deadline_kinds_restored(),
        override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.ethics.clockapp"]),
    ):
        assert TRAINING_RENEWAL in hooks.deadline_kinds()
        assert (TRAINING_RENEWAL, "Ethics training renewal") in hooks.deadline_kind_choices()
    assert TRAINING_RENEWAL not in hooks.deadline_kinds()
    assert set(hooks.deadline_kinds()) == PRODUCT_KINDS


@pytest.mark.django_db
def test_a_new_clock_needs_no_kernel_migration(clock_app):
    out = StringIO()
    call_command("makemigrations", "ethics", check=True, dry_run=True, stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_a_new_apps_clock_is_opened_scanned_and_reminded(clock_app):
    person = UserFactory(language="en", email="renew@example.test")
    now = timezone.now()
    deadline = services.deadline_open(
        kind=TRAINING_RENEWAL,
        subject=person,
        due_at=now + dt.timedelta(days=20),
        title="Renew the ethics training certificate",
        rule="R10a",
    )
    deadline.refresh_from_db()
    assert deadline.get_kind_display() == "Ethics training renewal"
    assert str(deadline) == "Ethics training renewal: Renew the ethics training certificate"

    # Its own stages: 20 days ahead is within its 30-day reminder (the default starts at 10).
    result = services.deadlines_scan(now=now)
    assert result.reminders_created == 1
    reminder = Reminder.objects.get(deadline=deadline)
    assert reminder.recipient == person
    assert reminder.stage.endswith(":before:30")
    assert services.reminder_send(reminder_id=reminder.pk, now=now)

    assert len(mail.outbox) == 1
    assert "Ethics training renewal" in mail.outbox[0].subject
    note = Notification.objects.get(recipient=person)
    assert note.url == f"/training/{person.pk}/"
    assert "Ethics training renewal" in note.cause

    # A second scan the same day reminds nobody again; the kernel's services close it as usual.
    assert services.deadlines_scan(now=now).reminders_created == 0
    assert services.deadline_close(kind=TRAINING_RENEWAL, subject=person) == 1


@pytest.mark.django_db
def test_the_api_lists_and_filters_the_product_kinds(api_client):
    admin = UserFactory(is_superuser=True)
    api_client.force_authenticate(admin)
    schema = api_client.get("/api/schema/?format=json").json()
    enum = schema["components"]["schemas"]["DeadlineKindEnum"]["enum"]
    assert set(enum) == PRODUCT_KINDS
    assert api_client.get("/api/v1/deadlines/?kind=member_term").status_code == 200
