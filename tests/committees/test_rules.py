"""The Rules page and /api/v1/rules/: every parameter with its rule ID, article, source and value;
the committee's SOP values within the legal bounds (B2 emergency time limit under R48 / N5, R33
simplified reviewers, R61 retention), audited, and read by the clocks."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from committees import services as committee_services
from committees.models import Committee, Membership
from committees.selectors import effective_rules
from ethics import regulations
from ethics.deadlines import SHANGHAI
from ethics.errors import Conflict
from ethics.models import AuditEvent, User
from reviews import services
from tests.factories import CommitteeFactory
from tests.reviews.conftest import accepted, submitted

pytestmark = pytest.mark.django_db

API = "/api/v1/rules/"


def _override_api(api_client, world, user, **body):
    api_client.force_authenticate(user)
    return api_client.post(
        f"{API}{world.committee.pk}/override/", {"reason": "SOP 第3.2条", **body}, format="json"
    )


def _override_page(client, world, user, **body):
    client.force_login(user)
    return client.post(
        reverse("committees:rules-action", args=[world.committee.pk, "override"]),
        {"reason": "SOP 第3.2条", **body},
    )


def _overrides(world):
    return Committee.objects.get(pk=world.committee.pk).rule_overrides


# --- the pure bounds --------------------------------------------------------------------------


def test_one_simplified_reviewer_is_below_the_legal_minimum_r33():
    problems = regulations.override_problems(regulations.MEAS, "simplified_min_reviewers", 1)
    assert [(p.code, p.rule) for p in problems] == [("outside_legal_bounds", "R33")]
    assert regulations.override_problems(regulations.MEAS, "simplified_min_reviewers", 2) == []
    assert regulations.override_problems(regulations.MEAS, "simplified_min_reviewers", 3) == []


def test_emergency_limit_may_be_shorter_never_longer_r48():
    """BJ 三（二）: the committee states its time limit, within the 72 hours of R48 / N5."""
    assert regulations.override_problems(regulations.MEAS, "emergency_hours", 72) == []
    assert regulations.override_problems(regulations.MEAS, "emergency_hours", 48) == []
    assert [
        p.rule for p in regulations.override_problems(regulations.MEAS, "emergency_hours", 73)
    ] == ["R48"]
    assert regulations.override_problems(regulations.MEAS, "emergency_hours", 0)


def test_retention_below_the_minimum_is_refused_r61():
    assert [
        p.rule for p in regulations.override_problems(regulations.MEAS, "retention_years", 4)
    ] == ["R61"]
    assert regulations.override_problems(regulations.MEAS, "retention_years", 5) == []
    assert regulations.override_problems(regulations.MEAS, "retention_years", 10) == []


def test_a_parameter_the_texts_fix_is_not_overridable_r19():
    problems = regulations.override_problems(regulations.MEAS, "quorum_min_present", 6)
    assert [(p.code, p.rule) for p in problems] == [("not_overridable", "R19")]


def test_with_overrides_marks_the_sop_value_and_keeps_the_citation_r48():
    rules = regulations.with_overrides(regulations.MEAS, {"emergency_hours": 48})
    assert rules.emergency_hours.value == 48
    assert rules.emergency_hours.committee_set is True
    assert rules.emergency_hours.rule == "R48"
    assert rules.emergency_hours.source is regulations.Source.UNVERIFIED
    # A stored value no longer within bounds (e.g. regimes changed) falls back to the default.
    assert regulations.with_overrides(regulations.MEAS, {"emergency_hours": 99}) is regulations.MEAS


def test_sources_split_primary_secondary_unverified_r50_r52():
    assert regulations.MEAS.min_members.source is regulations.Source.PRIMARY
    assert regulations.MEAS.decision_days.source is regulations.Source.SECONDARY
    assert regulations.MEAS.emergency_hours.source is regulations.Source.UNVERIFIED
    for name in ("committee_registration_days", "listed_registration_days", "annual_report_due"):
        param = getattr(regulations.MEAS, name)
        assert param.source is regulations.Source.PRIMARY
        assert "京科监发〔2024〕277号" in param.article
        assert "二（二）" in param.article
    both = regulations.combined(["meas", "nhc"])
    # N5 is secondary, R48 unverified: the combination cites the better-read text.
    assert both.emergency_hours.rule == "N5"
    assert both.emergency_hours.source is regulations.Source.SECONDARY


# --- page and API: boundaries ------------------------------------------------------------------


@pytest.mark.parametrize("route", ["api", "page"])
def test_one_simplified_reviewer_refused_two_accepted_r33(api_client, client, world, route):
    post = _override_api if route == "api" else _override_page
    c = api_client if route == "api" else client
    refused = post(c, world, world.chair, name="simplified_min_reviewers", value=1)
    assert refused.status_code == 409
    if route == "api":
        assert refused.json()["rule"] == "R33"
    else:
        assert "R33" in refused.content.decode()
    assert _overrides(world) == {}
    ok = post(c, world, world.chair, name="simplified_min_reviewers", value=3)
    assert ok.status_code in (200, 302)
    assert _overrides(world) == {"simplified_min_reviewers": 3}


@pytest.mark.parametrize("route", ["api", "page"])
def test_retention_below_minimum_refused_r61(api_client, client, world, route):
    post = _override_api if route == "api" else _override_page
    c = api_client if route == "api" else client
    response = post(c, world, world.secretary, name="retention_years", value=4)
    assert response.status_code == 409
    assert _overrides(world) == {}
    response = post(c, world, world.secretary, name="retention_years", value=10)
    assert response.status_code in (200, 302)
    assert _overrides(world) == {"retention_years": 10}


@pytest.mark.parametrize("route", ["api", "page"])
def test_garbage_value_is_400(api_client, client, world, route):
    post = _override_api if route == "api" else _override_page
    c = api_client if route == "api" else client
    response = post(c, world, world.chair, name="emergency_hours", value="many")
    assert response.status_code == 400
    response = post(c, world, world.chair, name="quorum_min_present", value=6)
    assert response.status_code == 400  # not a choice: the texts fix it


@pytest.mark.parametrize("route", ["api", "page"])
def test_an_ordinary_member_may_not_set_sop_values(api_client, client, world, route):
    post = _override_api if route == "api" else _override_page
    c = api_client if route == "api" else client
    response = post(c, world, world.member, name="emergency_hours", value=48)
    assert response.status_code == 403
    assert _overrides(world) == {}


def test_institution_admin_may_set_and_it_is_audited_b2(api_client, world):
    response = _override_api(api_client, world, world.admin, name="emergency_hours", value=48)
    assert response.status_code == 200
    row = next(p for p in response.json()["params"] if p["name"] == "emergency_hours")
    assert (row["value"], row["default"], row["committee_set"]) == (48, 72, True)
    event = AuditEvent.objects.filter(action="committee.rule_override").get()
    assert event.reason == "SOP 第3.2条"
    # Clearing returns to the default, audited again.
    response = _override_api(api_client, world, world.admin, name="emergency_hours", value=None)
    assert response.status_code == 200
    assert _overrides(world) == {}
    assert AuditEvent.objects.filter(action="committee.rule_override").count() == 2


# --- reading -----------------------------------------------------------------------------------


def test_rules_api_lists_every_param_with_source(api_client, world):
    api_client.force_authenticate(world.member)
    body = api_client.get(f"{API}{world.committee.pk}/").json()
    names = [p["name"] for p in body["params"]]
    assert names == list(regulations.PARAM_NAMES)
    emergency = next(p for p in body["params"] if p["name"] == "emergency_hours")
    assert emergency | {"label": ""} == {
        "name": "emergency_hours",
        "label": "",
        "rule": "R48",
        "article": regulations.MEAS.emergency_hours.article,
        "source": "unverified",
        "value": 72,
        "default": 72,
        "committee_set": False,
        "settable": True,
        "bounds": [1, 72],
    }


def test_rules_page_shows_badge_and_form_only_to_managers(client, world):
    url = reverse("committees:rules-detail", args=[world.committee.pk])
    client.force_login(world.member)
    page = client.get(url).content.decode()
    assert 'data-param="emergency_hours"' in page
    assert "R48" in page
    assert 'class="pill warn"' in page  # the unverified badge
    assert "rules/do/override" not in page
    client.force_login(world.chair)
    assert "rules/do/override" in client.get(url).content.decode()


def test_outsider_gets_404_on_page_and_api(api_client, client, world):
    client.force_login(world.outsider)
    assert (
        client.get(reverse("committees:rules-detail", args=[world.committee.pk])).status_code == 404
    )
    api_client.force_authenticate(world.outsider)
    assert api_client.get(f"{API}{world.committee.pk}/").status_code == 404
    response = api_client.post(
        f"{API}{world.committee.pk}/override/",
        {"name": "emergency_hours", "value": 48, "reason": "x"},
        format="json",
    )
    assert response.status_code == 404
    assert world.committee.pk not in [c["committee"] for c in api_client.get(API).json()["results"]]


def _count(fetch):
    with CaptureQueriesContext(connection) as ctx:
        response = fetch()
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_rules_list_and_detail_query_counts(api_client, client, world):
    def api_list_count():
        # a fresh user per request, as authentication gives (its role reads are memoised)
        api_client.force_authenticate(User.objects.get(pk=world.admin.pk))
        return _count(lambda: api_client.get(API))

    client.force_login(world.admin)
    list_small = api_list_count()
    index_small = _count(lambda: client.get(reverse("committees:rules")))
    for _ in range(5):
        CommitteeFactory(institution=world.committee.institution)
    assert api_list_count() == list_small <= 10
    assert _count(lambda: client.get(reverse("committees:rules"))) == index_small <= 10
    assert (
        _count(lambda: client.get(reverse("committees:rules-detail", args=[world.committee.pk])))
        <= 15
    )
    assert _count(lambda: api_client.get(f"{API}{world.committee.pk}/")) <= 15


# --- the clocks use the committee's values ------------------------------------------------------


@pytest.fixture
def terms_2026(world):
    Membership.objects.update(term_start=dt.date(2026, 1, 1))


@pytest.mark.usefixtures("terms_2026")
def test_emergency_clock_uses_the_sop_time_limit_b2_r48(world):
    committee_services.rule_override_set(
        committee_id=world.committee.pk,
        name="emergency_hours",
        value=48,
        reason="应急审查SOP",
        actor=world.chair,
    )
    application = submitted(world)
    start = dt.datetime(2026, 9, 30, 15, 30, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False):
        application = services.application_accept(
            application_id=application.pk,
            procedure="emergency",
            grounds="疫情应急",
            actor=world.secretary,
        )
    assert application.due_at == start + dt.timedelta(hours=48)


@pytest.mark.usefixtures("terms_2026")
def test_simplified_procedure_needs_the_sop_number_of_reviewers_r33(world):
    committee_services.rule_override_set(
        committee_id=world.committee.pk,
        name="simplified_min_reviewers",
        value=3,
        reason="SOP",
        actor=world.chair,
    )
    world.committee.refresh_from_db()
    assert effective_rules(world.committee).simplified_min_reviewers.value == 3
    application = accepted(world)
    with pytest.raises(Conflict) as info:
        services.application_assign(
            application_id=application.pk,
            membership_ids=[m.pk for m in world.members[2:4]],
            actor=world.chair,
        )
    assert info.value.code == "too_few_reviewers"
    assert info.value.rule == "R33"
    services.application_assign(
        application_id=application.pk,
        membership_ids=[m.pk for m in world.members[2:5]],
        actor=world.chair,
    )


def test_retention_uses_the_sop_years_r61(world):
    from reviews.services.lifecycle import retention_years

    application = submitted(world)
    assert retention_years(application) == 5
    committee_services.rule_override_set(
        committee_id=world.committee.pk,
        name="retention_years",
        value=10,
        reason="档案管理制度",
        actor=world.chair,
    )
    application.committee.refresh_from_db()
    assert retention_years(application) == 10


def test_a_former_verified_flag_still_reads_as_a_source():
    """Params written with the old ``verified`` bool keep the "unverified" badge working."""
    old_true = regulations.Param(1, "R4", "x", True, regulations.MEAS.min_members.label, "x")
    old_false = regulations.Param(1, "R4", "x", False, regulations.MEAS.min_members.label, "x")
    assert old_true.source is regulations.Source.SECONDARY
    assert old_false.unverified is True
