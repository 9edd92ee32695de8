"""The transition table, allowed and refused, both as a pure table and through the services."""

import datetime as dt

import pytest
from django.utils import timezone

from ethics.errors import IllegalTransition
from reviews import services
from reviews.models import Application
from reviews.workflow import TRANSITIONS, Action, Status, actions_from, next_status
from tests.reviews.conftest import determine, draft

ALLOWED = sorted(TRANSITIONS, key=str)
REFUSED = [(s, a) for s in Status for a in Action if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("status", "action"), ALLOWED)
def test_allowed_transition(status, action):
    assert next_status(status, action) == TRANSITIONS[(status, action)]
    assert action in actions_from(status)


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_illegal_transition_is_refused(status, action):
    with pytest.raises(IllegalTransition) as info:
        next_status(status, action)
    assert info.value.code == "illegal_transition"
    assert action not in actions_from(status)


def test_terminal_statuses_have_no_actions():
    for status in (Status.WITHDRAWN, Status.NOT_ACCEPTED):
        assert actions_from(status) == []


def test_after_a_decision_only_the_follow_up_actions_remain():
    """Issue 5: modifications, resubmission, appeal and re-review start from a decision."""
    assert set(actions_from(Status.DECIDED)) == {
        Action.START_REREVIEW,
        Action.SUBMIT_MODIFICATIONS,
        Action.CONFIRM_MODIFICATIONS,
        Action.RETURN_MODIFICATIONS,
        Action.RESUBMIT,
        Action.APPEAL,
    }


def test_withdraw_is_possible_before_any_decision():
    assert {s for (s, a) in TRANSITIONS if a == Action.WITHDRAW} == {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.RETURNED,
        Status.UNDER_REVIEW,
        Status.AWAITING_REREVIEW,
    }


def _call(action, application, world):
    """Call the real service for `action` with plausible arguments."""
    secretary, chair = world.secretary, world.chair
    pk = application.pk
    calls = {
        Action.SUBMIT: lambda: services.application_submit(
            application_id=pk, actor=world.researcher
        ),
        Action.RETURN: lambda: services.application_return(
            application_id=pk, missing=["funding"], actor=secretary
        ),
        Action.NOT_ACCEPT: lambda: services.application_not_accept(
            application_id=pk, reason="超出范围", actor=secretary
        ),
        Action.ACCEPT: lambda: services.application_accept(
            application_id=pk, procedure="meeting", actor=secretary
        ),
        Action.ASSIGN: lambda: services.application_assign(
            application_id=pk, membership_ids=[world.members[3].pk], actor=secretary
        ),
        Action.EXTEND: lambda: services.application_extend(
            application_id=pk,
            due_at=timezone.now() + dt.timedelta(days=90),
            reason="补充材料",
            actor=secretary,
        ),
        Action.DECIDE: lambda: services.decision_issue(
            application_id=pk, outcome="approve", actor=chair
        ),
        Action.WITHDRAW: lambda: services.application_withdraw(
            application_id=pk, actor=world.researcher
        ),
    }
    return calls[action]()


SERVICE_ACTIONS = [
    Action.SUBMIT,
    Action.RETURN,
    Action.NOT_ACCEPT,
    Action.ACCEPT,
    Action.ASSIGN,
    Action.EXTEND,
    Action.DECIDE,
    Action.WITHDRAW,
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "action"), [(s, a) for (s, a) in REFUSED if a in SERVICE_ACTIONS]
)
def test_services_refuse_what_the_table_refuses(world, status, action):
    application = draft(world)
    Application.objects.filter(pk=application.pk).update(status=status, submitted_at=timezone.now())
    with pytest.raises(IllegalTransition):
        _call(action, application, world)
    assert Application.objects.get(pk=application.pk).status == status


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.DRAFT, Action.SUBMIT),
        (Status.SUBMITTED, Action.RETURN),
        (Status.SUBMITTED, Action.NOT_ACCEPT),
        (Status.SUBMITTED, Action.ACCEPT),
        (Status.DRAFT, Action.WITHDRAW),
        (Status.SUBMITTED, Action.WITHDRAW),
    ],
)
def test_services_take_allowed_transitions(world, status, action):
    application = draft(world)
    if status == Status.SUBMITTED:
        services.application_submit(application_id=application.pk, actor=world.researcher)
        determine(world, application)  # R37: the listing is determined before acceptance
    _call(action, application, world)
    assert Application.objects.get(pk=application.pk).status == TRANSITIONS[(status, action)]
