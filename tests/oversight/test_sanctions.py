"""Sanctions (R57) and researchers' training (R10a): recording, lifting, the history, the
training check at submission (warn or refuse, R10a), the pages and the API, the annual figures,
and the journey without a browser: sanction -> submission refused (409 R57) -> time past the
ban's end -> submission accepted."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from committees import services as committee_services
from ethics import hooks, regulations
from ethics.errors import Conflict
from ethics.models import AuditEvent
from oversight.models_sanctions import Measure, ResearcherTraining, Sanction, SubjectKind
from oversight.services import sanctions
from reviews import services
from tests.factories import UserFactory
from tests.reviews.conftest import draft

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _ban(world, person, starts, ends, actor=None):
    return sanctions.sanction_record(
        actor=actor or world.admin,
        subject_kind=SubjectKind.PERSON,
        person=person,
        measure=Measure.BAN,
        grounds="伪造数据",
        decided_on=starts,
        ban_starts_on=starts,
        ban_ends_on=ends,
    )


# --- recording and lifting (R57) -------------------------------------------------------------


def test_record_is_audited_and_told_to_the_person_r57(world):
    today = timezone.localdate()
    sanction = _ban(world, world.researcher, today, today + dt.timedelta(days=30))
    assert sanction.institution == world.institution
    event = AuditEvent.objects.get(action="sanction.record")
    assert event.after["rule"] == "R57"
    assert world.researcher.notifications.filter(cause="sanction.record").exists()


def test_only_the_institution_officer_or_staff_records_r57(world):
    today = timezone.localdate()
    for actor in (world.secretary, world.chair, world.researcher):
        with pytest.raises(PermissionDenied):
            _ban(world, world.colleague, today, today, actor=actor)
    staff = UserFactory(is_staff=True)
    sanction = _ban(world, world.colleague, today, today, actor=staff)
    assert sanction.institution == world.institution  # the person's, for staff without one


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("ban_ends_on", {"ban_ends_on": None}),
        ("ban_starts_on", {"ban_starts_on": None}),
        ("ban_ends_on", {"ban_ends_on": dt.date(2020, 1, 1)}),
        ("person", {"person": None}),
        ("grounds", {"grounds": "  "}),
    ],
)
def test_record_refuses_bad_input_with_the_field_r57(world, field, kwargs):
    today = timezone.localdate()
    data = {
        "actor": world.admin,
        "subject_kind": SubjectKind.PERSON,
        "person": world.researcher,
        "measure": Measure.BAN,
        "grounds": "伪造数据",
        "decided_on": today,
        "ban_starts_on": today,
        "ban_ends_on": today + dt.timedelta(days=10),
        **kwargs,
    }
    with pytest.raises(ValidationError) as info:
        sanctions.sanction_record(**data)
    assert field in info.value.error_dict
    assert not Sanction.objects.exists()


def test_an_institution_can_be_sanctioned_r57(world):
    sanction = sanctions.sanction_record(
        actor=world.admin,
        subject_kind=SubjectKind.INSTITUTION,
        target_institution=world.other_committee.institution,
        measure=Measure.RECOVER_FUNDING,
        grounds="违规使用经费",
        decided_on=timezone.localdate(),
    )
    assert sanction.subject_name == world.other_committee.institution.name
    assert sanction.person is None
    assert sanction.ban_ends_on is None


def test_lift_needs_a_reason_and_happens_once_r57(world):
    today = timezone.localdate()
    sanction = _ban(world, world.researcher, today, today + dt.timedelta(days=30))
    with pytest.raises(ValidationError):
        sanctions.sanction_lift(sanction_id=sanction.pk, actor=world.admin, reason=" ")
    with pytest.raises(PermissionDenied):
        sanctions.sanction_lift(sanction_id=sanction.pk, actor=world.secretary, reason="复议")
    sanctions.sanction_lift(sanction_id=sanction.pk, actor=world.admin, reason="复议撤销")
    with pytest.raises(Conflict) as info:
        sanctions.sanction_lift(sanction_id=sanction.pk, actor=world.admin, reason="再次")
    assert (info.value.code, info.value.rule) == ("already_lifted", "R57")
    assert AuditEvent.objects.filter(action="sanction.lift").count() == 1


def test_an_ended_ban_cannot_be_lifted_and_stays_in_the_history_r57(world):
    today = timezone.localdate()
    sanction = _ban(
        world, world.researcher, today - dt.timedelta(days=30), today - dt.timedelta(days=1)
    )
    with pytest.raises(Conflict) as info:
        sanctions.sanction_lift(sanction_id=sanction.pk, actor=world.admin, reason="复议")
    assert info.value.code == "ban_over"
    assert Sanction.objects.filter(pk=sanction.pk).exists()
    assert not sanction.in_force


# --- the journey without a browser (R57) -----------------------------------------------------


def test_ban_refuses_submission_until_it_ends_by_itself_r57(world, api_client):
    """Sanction -> the lead's submission is refused (409 R57, with the measure and the last day)
    -> the clock moves past the ban's last day (Asia/Shanghai) -> the same submission passes."""
    start = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        application = draft(world)
        _ban(world, world.researcher, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
        api_client.force_authenticate(world.researcher)
        url = f"/api/v1/applications/{application.pk}/submit/"
        response = api_client.post(url, {}, format="json")
        assert response.status_code == 409
        body = response.json()
        assert (body["code"], body["rule"]) == ("sanctioned", "R57")
        assert "2026-03-31" in body["message"]
        assert body["problems"][0]["until"] == "2026-03-31"
    # 23:59 on the last day in Shanghai: still banned.
    with time_machine.travel(dt.datetime(2026, 3, 31, 23, 59, tzinfo=SHANGHAI), tick=False):
        assert api_client.post(url, {}, format="json").status_code == 409
    # 00:01 the next day: the ban has ended by itself, no job ran.
    with time_machine.travel(dt.datetime(2026, 4, 1, 0, 1, tzinfo=SHANGHAI), tick=False):
        response = api_client.post(url, {}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "submitted"
    assert Sanction.objects.count() == 1  # the ended ban stays in the history


# --- training (R10a) -------------------------------------------------------------------------


def _set_training_rule(world, value):
    world.committee.rule_overrides = {"training_at_submission": value}
    world.committee.save(update_fields=["rule_overrides"])


def test_missing_training_warns_by_default_r10a(world, client):
    assert regulations.MEAS.training_at_submission.value == regulations.TRAINING_WARN
    application = draft(world)
    client.force_login(world.researcher)
    url = reverse("reviews:application-action", args=[application.pk, "submit"])
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "R10a" in response.content.decode()
    event = AuditEvent.objects.get(action="application.submit")
    assert event.after["warnings"][0]["rule"] == "R10a"


def test_missing_training_refuses_where_the_sop_says_so_r10a(world, api_client):
    _set_training_rule(world, regulations.TRAINING_BLOCK)
    application = draft(world)
    api_client.force_authenticate(world.researcher)
    response = api_client.post(f"/api/v1/applications/{application.pk}/submit/", format="json")
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["rule"]) == ("training_missing", "R10a")


def test_no_check_when_the_sop_turns_it_off_r10a(world):
    _set_training_rule(world, regulations.TRAINING_OFF)
    application = draft(world)
    done = services.application_submit(application_id=application.pk, actor=world.researcher)
    assert done.eligibility_warnings == []


@pytest.mark.parametrize(("expires_in", "refused"), [(-1, True), (0, False), (1, False)])
def test_training_counts_up_to_its_last_day_r10a(world, expires_in, refused):
    _set_training_rule(world, regulations.TRAINING_BLOCK)
    today = timezone.localdate()
    sanctions.training_record(
        actor=world.admin,
        person=world.researcher,
        title="科技伦理审查培训",
        completed_on=today - dt.timedelta(days=400),
        expires_on=today + dt.timedelta(days=expires_in),
    )
    application = draft(world)
    if refused:
        with pytest.raises(Conflict) as info:
            services.application_submit(application_id=application.pk, actor=world.researcher)
        assert info.value.rule == "R10a"
    else:
        services.application_submit(application_id=application.pk, actor=world.researcher)


def test_a_members_training_counts_for_the_lead_r10a(world):
    """Member training (committees.Training) counts within training_valid_months."""
    _set_training_rule(world, regulations.TRAINING_BLOCK)
    today = timezone.localdate()
    committee_services.training_record(
        membership_id=world.member_membership.pk,
        actor=world.secretary,
        title="伦理委员培训",
        completed_on=today - dt.timedelta(days=30),
    )
    assert sanctions.training_valid(world.member, today)
    assert not sanctions.training_valid(world.researcher, today)


def test_training_expiry_defaults_to_the_rule_set_r10a(world):
    training = sanctions.training_record(
        actor=world.admin,
        person=world.researcher,
        title="科技伦理培训",
        completed_on=dt.date(2025, 3, 1),
    )
    assert training.expires_on == dt.date(2028, 2, 29)  # 36 months, last day inclusive


def test_training_sop_value_is_bounded_r10a():
    assert regulations.override_problems(regulations.MEAS, "training_at_submission", 2) == []
    assert regulations.override_problems(regulations.MEAS, "training_at_submission", 3)


def test_training_record_permission_r10a(world):
    with pytest.raises(PermissionDenied):
        sanctions.training_record(
            actor=world.outsider,
            person=world.researcher,
            title="培训",
            completed_on=timezone.localdate(),
        )
    # The committee's secretary records for a researcher of the institution.
    sanctions.training_record(
        actor=world.secretary,
        person=world.researcher,
        title="培训",
        completed_on=timezone.localdate(),
    )
    assert ResearcherTraining.objects.count() == 1


def test_eligibility_roles_are_checked():
    with pytest.raises(ValueError, match="unknown eligibility role"):
        hooks.eligibility_problems(None, "president")


# --- annual figures --------------------------------------------------------------------------


def test_annual_figures_r57_r10a(world):
    with time_machine.travel(dt.datetime(2025, 6, 1, 10, tzinfo=SHANGHAI), tick=False):
        _ban(world, world.researcher, dt.date(2025, 6, 1), dt.date(2026, 5, 31))
        lifted = _ban(world, world.colleague, dt.date(2025, 6, 1), dt.date(2026, 5, 31))
        sanctions.sanction_lift(sanction_id=lifted.pk, actor=world.admin, reason="复议")
        sanctions.sanction_record(
            actor=world.admin,
            subject_kind=SubjectKind.PERSON,
            person=world.colleague,
            measure=Measure.CORRECT,
            grounds="限期整改",
            decided_on=dt.date(2025, 6, 1),
        )
        sanctions.training_record(
            actor=world.admin,
            person=world.researcher,
            title="培训",
            completed_on=dt.date(2025, 5, 1),
        )
    figures = sanctions.annual_figures(world.committee, 2025)
    assert figures["sanctions"] == 3
    assert figures["bans"] == 2
    assert figures["measure_correct"] == 1
    assert figures["bans_in_force_at_year_end"] == 1
    assert figures["bans_lifted_early"] == 1
    assert figures["researcher_trainings"] == 1
    assert sanctions.annual_figures(world.committee, 2024)["sanctions"] == 0
    assert sanctions.annual_figures(world.other_committee, 2025)["sanctions"] == 0
