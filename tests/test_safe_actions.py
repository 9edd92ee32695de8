"""Issue 15, safe actions: an irreversible page action asks first and says what it will do.

A page POST without ``confirm=1`` checks the input and the permission, rehearses the service and
rolls it back, and answers the confirmation page with the consequence: nothing changed (rows,
audit). With ``confirm=1`` it acts. The API is unaffected.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from committees.models import Membership
from ethics.actions import tables
from ethics.models import AuditEvent, Notification
from meetings import services as meeting_services
from meetings.models import AgendaItem, Meeting, Vote
from reviews.models import Application, Decision
from tests.meetings.conftest import opened, schedule, vote_all
from tests.reviews.conftest import assigned, declare_and_opine, submitted

# Every action a page asks to confirm: declared on the action (ethics.actions.Action.confirm).
CONFIRMED = {
    ("reviews.application", "decide"),
    ("reviews.application", "not_accept"),
    ("reviews.application", "withdraw"),
    ("reviews.application", "confirm_modifications"),
    ("meetings.meeting", "conclude"),
    ("meetings.meeting", "defer"),
    ("meetings.meeting", "close"),
    ("meetings.meeting", "cancel"),
    ("meetings.meeting", "vote"),
    ("meetings.meeting", "remove"),
    ("committees.membership", "end"),
    ("committees.entrustment", "end"),
    ("registry.filing", "sign_off"),
    ("registry.filing", "submit"),
    ("registry.filing", "acknowledge"),
    ("oversight.funding", "remove"),
    ("oversight.complaint", "triage"),  # R55: not accepted or referred is the case's outcome
    ("oversight.quality_evaluation", "close"),  # B1: a closed self-evaluation takes no findings
    ("oversight.sanction", "lift"),  # R57: a ban lifted early
}


def test_every_irreversible_action_asks_for_confirmation():
    declared = {
        (table.name, entry.name)
        for table in tables().values()
        for entry in table
        if entry.confirm is not None
    }
    assert declared == CONFIRMED


def _snapshot():
    return (AuditEvent.objects.count(), Notification.objects.count())


def _asks(client, url, data, *, says):
    """The confirmation page, with the consequence, and nothing changed."""
    before = _snapshot()
    response = client.post(url, data)
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    assert 'id="action-confirm"' in html
    assert 'name="confirm" value="1"' in html
    assert '<ul class="consequence" id="consequence"><li>' in html
    for text in says:
        assert text in html, text
    assert _snapshot() == before
    return response


def _app_url(application, action):
    return reverse("reviews:application-action", args=[application.pk, action])


def _item_url(item, action):
    return reverse("meetings:item-action", args=[item.meeting_id, item.pk, action])


def _meeting_url(meeting, action):
    return reverse("meetings:meeting-action", args=[meeting.pk, action])


def test_decide_says_which_number_it_takes_and_then_takes_it(world, client):
    application, assignments = assigned(world)
    for assignment in assignments:
        declare_and_opine(assignment, "approve")
    client.force_login(world.chair)
    year = timezone.localdate().year
    number = f"{year}-{world.committee.pk}-D0001"
    asked = _asks(
        client,
        _app_url(application, "decide"),
        {"outcome": "approve"},
        says=[number, application.ref],
    )
    # What was chosen is shown by its label, and every field goes back with the button.
    assert "批准" in asked.content.decode()
    assert 'name="outcome" value="approve"' in asked.content.decode()
    assert not Decision.objects.exists()
    done = client.post(_app_url(application, "decide"), {"outcome": "approve", "confirm": "1"})
    assert done.status_code == 302
    assert Decision.objects.get(application=application).number == number


def test_a_refusal_is_said_before_the_question(world, client):
    """The rehearsal refuses what the rules refuse (409), before anyone is asked to confirm."""
    application, _assignments = assigned(world)  # no opinions yet: the chair may not decide
    client.force_login(world.chair)
    before = _snapshot()
    response = client.post(_app_url(application, "decide"), {"outcome": "approve"})
    assert response.status_code == 409
    assert 'id="action-refused"' in response.content.decode()
    assert _snapshot() == before
    assert not Decision.objects.exists()


def test_bad_input_is_refused_before_the_question(world, client):
    application, assignments = assigned(world)
    for assignment in assignments:
        declare_and_opine(assignment, "approve")
    client.force_login(world.chair)
    response = client.post(_app_url(application, "decide"), {"outcome": "maybe"})
    assert response.status_code == 400
    assert 'id="action-confirm"' not in response.content.decode()


def test_not_accept_and_withdraw_ask_first(world, client):
    application = submitted(world)
    client.force_login(world.secretary)
    _asks(client, _app_url(application, "not_accept"), {"reason": "材料不全"}, says=["R14"])
    application.refresh_from_db()
    assert application.status == "submitted"
    other = submitted(world)
    client.force_login(world.researcher)
    _asks(client, _app_url(other, "withdraw"), {"reason": "课题取消"}, says=[other.ref])
    other.refresh_from_db()
    assert other.status == "submitted"
    response = client.post(_app_url(other, "withdraw"), {"reason": "课题取消", "confirm": "1"})
    assert response.status_code == 302
    assert Application.objects.get(pk=other.pk).status == "withdrawn"


def test_concluding_with_votes_missing_says_it_defers_and_does(world, client):
    meeting, [item] = opened(world)
    vote_all(world, item, ["approve", "approve"])
    client.force_login(world.secretary)
    console = reverse("meetings:meeting-console", args=[meeting.pk])
    present = len(world.members)
    _asks(
        client,
        _item_url(item, "conclude"),
        {"next": console},
        says=[str(present - 2), str(present), "R24"],
    )
    item.refresh_from_db()
    assert item.status == "pending"
    response = client.post(
        _item_url(item, "conclude"), {"next": console, "confirm": "1"}, follow=True
    )
    item.refresh_from_db()
    assert item.status == "deferred"
    html = response.content.decode()
    assert "已暂缓" in html
    assert "已作出结论" not in html


def test_the_console_has_no_confirm_checkboxes(world, client):
    meeting, [item] = opened(world)
    client.force_login(world.secretary)
    page = client.get(
        reverse("meetings:meeting-console", args=[meeting.pk]), {"item": item.pk}
    ).content.decode()
    assert 'id="conclude-form"' in page
    assert 'name="confirm"' not in page


def test_vote_remove_close_and_cancel_ask_first(world, client):
    meeting, [item] = opened(world)
    member = world.members[3]
    client.force_login(world.secretary)
    _asks(
        client,
        _item_url(item, "vote"),
        {"member": member.pk, "choice": "approve"},
        says=[member.user.display_name, "批准"],
    )
    assert not Vote.objects.exists()
    meeting_services.item_defer(item_id=item.pk, reason="时间不足", actor=world.secretary)
    _asks(client, _meeting_url(meeting, "close"), {}, says=[])
    assert Meeting.objects.get(pk=meeting.pk).status == "open"
    assert client.post(_meeting_url(meeting, "close"), {"confirm": "1"}).status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == "closed"

    later = schedule(world)
    extra = meeting_services.agenda_add_other(
        meeting_id=later.pk, title="通报事项", actor=world.secretary
    )
    _asks(client, _item_url(extra, "remove"), {}, says=["通报事项"])
    assert AgendaItem.objects.filter(pk=extra.pk).exists()
    _asks(client, _meeting_url(later, "cancel"), {"reason": "场地不可用"}, says=["场地不可用"])
    assert Meeting.objects.get(pk=later.pk).status == "scheduled"


def test_ending_a_membership_asks_first(world, client):
    membership = world.members[3]
    client.force_login(world.secretary)
    url = reverse("committees:membership-end", args=[membership.pk])
    day = timezone.localdate().isoformat()
    _asks(client, url, {"ended_on": day, "reason": "辞任"}, says=[membership.user.display_name])
    assert Membership.objects.get(pk=membership.pk).ended_on is None
    assert client.post(url, {"ended_on": day, "reason": "辞任", "confirm": "1"}).status_code == 302
    assert Membership.objects.get(pk=membership.pk).ended_on is not None


def test_the_confirming_button_acts_once(world, client):
    """The confirmation page carries a one-time token: a double click acts once."""
    application = submitted(world)
    client.force_login(world.researcher)
    asked = client.post(_app_url(application, "withdraw"), {"reason": "课题取消"})
    token = asked.context["fields"][-1]
    assert token[0] == "form_token"
    body = {"reason": "课题取消", "confirm": "1", "form_token": token[1]}
    assert client.post(_app_url(application, "withdraw"), body).status_code == 302
    again = client.post(_app_url(application, "withdraw"), body)
    assert again.status_code == 302  # the first result, not a 409 for withdrawing twice
    assert AuditEvent.objects.filter(action="application.withdraw").count() == 1


def test_the_api_does_not_ask(world, api_client):
    application = submitted(world)
    api_client.force_authenticate(world.researcher)
    response = api_client.post(
        f"/api/v1/applications/{application.pk}/withdraw/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 200
    assert Application.objects.get(pk=application.pk).status == "withdrawn"


@pytest.mark.parametrize("language", ["en"])
def test_the_confirmation_page_reads_in_english_too(world, client, language):
    application = submitted(world)
    world.researcher.language = language
    world.researcher.save(update_fields=["language"])
    client.force_login(world.researcher)
    response = client.post(_app_url(application, "withdraw"), {"reason": "x"})
    assert response.status_code == 200
    assert "cannot be undone" in response.content.decode()


def test_a_refusal_before_the_question_does_not_carry_the_yes(world, client):
    """Refused at the rehearsal (an approval with modifications needs them), the form comes back
    without its "I confirm" box: sent again, it asks again."""
    _meeting, [item] = opened(world)
    vote_all(world, item, ["approve_with_modifications"] * 6)
    client.force_login(world.secretary)
    response = client.post(_item_url(item, "conclude"), {})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'name="conditions"' in html
    assert 'name="confirm"' not in html
    item.refresh_from_db()
    assert item.status == "pending"
