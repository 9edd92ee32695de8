"""Pages: list, agenda builder, live console with the htmx tally, member view, minutes PDF."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from meetings import services
from meetings.models import Minutes
from tests.meetings.conftest import application, opened, schedule, vote_all
from tests.world import build_world

pytestmark = pytest.mark.django_db


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_secretary_pages_render(client, world):
    meeting, [item] = opened(world)
    client.force_login(world.secretary)
    for name in ("meeting-detail", "meeting-agenda", "meeting-console"):
        response = client.get(reverse(f"meetings:{name}", args=[meeting.pk]))
        assert response.status_code == 200, name
    console = client.get(reverse("meetings:meeting-console", args=[meeting.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in console
    assert f'data-current-item="{item.pk}"' in console
    assert client.get(reverse("meetings:meeting-list")).status_code == 200


def test_the_tally_partial_is_live(client, world):
    meeting, [item] = opened(world)
    vote_all(world, item, ["approve"] * 3)
    client.force_login(world.secretary)
    html = client.get(reverse("meetings:item-tally", args=[meeting.pk, item.pk])).content.decode()
    assert 'data-count="approve"' in html
    assert "<strong>3</strong>" in html


@pytest.mark.parametrize("who", ["outsider", "researcher", "stranger"])
def test_outsiders_and_researchers_get_404(client, world, who):
    meeting, [item] = opened(world)
    client.force_login(world.user(who))
    urls = [
        reverse("meetings:meeting-detail", args=[meeting.pk]),
        reverse("meetings:meeting-console", args=[meeting.pk]),
        reverse("meetings:meeting-agenda", args=[meeting.pk]),
        reverse("meetings:item-tally", args=[meeting.pk, item.pk]),
        reverse("meetings:meeting-minutes", args=[meeting.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    post = client.post(reverse("meetings:item-action", args=[meeting.pk, item.pk, "vote"]))
    assert post.status_code == 404


def test_members_do_not_get_the_console(client, world):
    meeting, _items = opened(world)
    client.force_login(world.members[3].user)
    assert client.get(reverse("meetings:meeting-console", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("meetings:meeting-detail", args=[meeting.pk])).status_code == 200


def test_member_declares_then_sees_materials_and_votes(client, world):
    meeting, [item] = opened(world)
    member = world.members[3]
    client.force_login(member.user)
    url = reverse("meetings:meeting-detail", args=[meeting.pk])
    page = client.get(url).content.decode()
    assert f'data-declare="{item.pk}"' in page
    assert f'data-vote-form="{item.pk}"' not in page
    client.post(
        reverse("meetings:item-action", args=[meeting.pk, item.pk, "declare"]), {"conflicted": "0"}
    )
    page = client.get(url).content.decode()
    assert f'data-vote-form="{item.pk}"' in page
    client.post(
        reverse("meetings:item-action", args=[meeting.pk, item.pk, "vote"]),
        {"choice": "approve", "confirm": "1"},
    )
    assert item.votes.get().membership == member


def test_a_conflicted_member_sees_no_tally(client, world):
    meeting, [item] = opened(world)
    member = world.members[3]
    services.member_declare(item_id=item.pk, actor=member.user, conflicted=True, note="亲属")
    vote_all(world, item, ["approve"] * 2)
    client.force_login(member.user)
    page = client.get(reverse("meetings:meeting-detail", args=[meeting.pk])).content.decode()
    assert 'data-count="approve"' not in page
    tally = client.get(reverse("meetings:item-tally", args=[meeting.pk, item.pk])).content.decode()
    assert 'data-count="approve"' not in tally


def _world_with(size, items):
    world = build_world(size=size)
    meeting, added = opened(world, items=items)
    for item in added:
        vote_all(world, item, ["approve"] * 3)
        services.recusal_record(
            item_id=item.pk, membership_id=world.members[-1].pk, reason="x", actor=world.secretary
        )
    return world, meeting


@pytest.mark.parametrize("name", ["meeting-detail", "meeting-console", "meeting-agenda"])
def test_query_count_is_constant_in_members_and_items(client, name):
    counts = []
    for size, items in ((7, 1), (15, 8)):
        world, meeting = _world_with(size, items)
        client.force_login(world.secretary)
        counts.append(_count(client, reverse(f"meetings:{name}", args=[meeting.pk])))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 15, counts  # design target for detail pages, layout included


def test_api_detail_query_count_is_constant(api_client):
    counts = []
    for size, items in ((7, 1), (15, 8)):
        world, meeting = _world_with(size, items)
        api_client.force_authenticate(world.secretary)
        counts.append(_count(api_client, f"/api/v1/meetings/{meeting.pk}/"))
    assert counts[0] == counts[1], counts


def test_list_query_count_is_constant(client):
    counts = []
    for meetings in (1, 6):
        world = build_world()
        for _ in range(meetings):
            schedule(world)
        client.force_login(world.secretary)
        counts.append(_count(client, reverse("meetings:meeting-list")))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 10


def test_dashboard_panels(client, world):
    meeting = schedule(world)
    services.agenda_add(
        meeting_id=meeting.pk, application_id=application(world).pk, actor=world.secretary
    )
    client.force_login(world.members[3].user)
    page = client.get(reverse("ethics:dashboard")).content.decode()
    assert reverse("meetings:meeting-detail", args=[meeting.pk]) in page
    assert reverse("meetings:meeting-list") in page  # nav item
    client.force_login(world.researcher)
    assert (
        reverse("meetings:meeting-list")
        not in client.get(reverse("ethics:dashboard")).content.decode()
    )


def test_minutes_pdf_is_chinese_and_downloads(client, world):
    meeting, [item] = opened(world)
    services.recusal_record(
        item_id=item.pk, membership_id=world.members[6].pk, reason="合作关系", actor=world.secretary
    )
    vote_all(world, item, ["approve_with_modifications"] * 6)
    services.item_conclude(item_id=item.pk, actor=world.secretary, conditions="修改知情同意书")
    services.meeting_close(meeting_id=meeting.pk, actor=world.secretary)
    # What the meetings.render_minutes task runs (real WeasyPrint, CJK font).
    minutes = services.minutes_render(minutes_id=Minutes.objects.get(meeting=meeting).pk)
    assert minutes.file
    assert len(minutes.sha256) == 64
    client.force_login(world.members[3].user)
    response = client.get(reverse("meetings:meeting-minutes", args=[meeting.pk]))
    assert response.status_code == 200
    text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages
    )
    assert "会议纪要" in text
    assert "修改后批准" in text
    assert "合作关系" in text


def test_agenda_builder_adds_and_moves_items(client, world):
    meeting = schedule(world)
    first, second = application(world), application(world)
    client.force_login(world.secretary)
    action = reverse("meetings:meeting-action", args=[meeting.pk, "add"])
    for app in (first, second):
        client.post(action, {"application": app.pk})
    items = list(meeting.items.order_by("position"))
    assert [i.application_id for i in items] == [first.pk, second.pk]
    move = reverse("meetings:meeting-action", args=[meeting.pk, "move"])
    client.post(move, {"item": items[1].pk, "direction": "up"})
    assert list(meeting.items.order_by("position").values_list("application_id", flat=True)) == [
        second.pk,
        first.pk,
    ]
    page = client.get(reverse("meetings:meeting-agenda", args=[meeting.pk])).content.decode()
    assert f'data-move-up="{items[0].pk}"' in page


def _document(app):
    from django.core.files.base import ContentFile

    from reviews.models import Document, DocumentVersion

    document = Document.objects.create(application=app, slot="plan")
    version = DocumentVersion(document=document, version=1, original_name="plan.pdf")
    version.file.save("plan.pdf", ContentFile(b"%PDF-1.4 plan"), save=False)
    version.content_type = "application/pdf"
    version.save()
    return version


def test_materials_open_only_after_declaring_no_conflict_r20a(client, world):
    from ethics.models import AuditEvent

    meeting, [item] = opened(world)
    version = _document(item.application)
    url = reverse("meetings:item-document", args=[meeting.pk, item.pk, version.pk])
    member = world.members[3]
    client.force_login(member.user)
    assert client.get(url).status_code == 302  # declare first
    services.member_declare(item_id=item.pk, actor=member.user, conflicted=False)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"
    assert AuditEvent.objects.filter(action="document.open").count() == 1
    conflicted = world.members[4]
    services.member_declare(item_id=item.pk, actor=conflicted.user, conflicted=True, note="x")
    client.force_login(conflicted.user)
    assert client.get(url).status_code == 404  # a declared conflict hides them (one policy)
    client.force_login(world.researcher)
    assert client.get(url).status_code == 404


def test_the_minutes_preview_inline_for_those_who_may_open_them(client, world):
    """Issue 15: the minutes in the site's preview page, through the download's route with the
    inline flag (same checks: a conflicted member gets 404), audited as document.preview."""
    from ethics.files import INLINE_CSP
    from ethics.models import AuditEvent

    meeting, [item] = opened(world)
    services.recusal_record(
        item_id=item.pk, membership_id=world.members[6].pk, reason="合作关系", actor=world.secretary
    )
    vote_all(world, item, ["approve"] * 6)
    services.item_conclude(item_id=item.pk, actor=world.secretary)
    services.meeting_close(meeting_id=meeting.pk, actor=world.secretary)
    preview = reverse("meetings:minutes-preview", args=[meeting.pk])
    inline = reverse("meetings:minutes-inline", args=[meeting.pk])
    client.force_login(world.members[3].user)
    assert client.get(preview).status_code == 404  # not rendered yet
    services.minutes_render(minutes_id=Minutes.objects.get(meeting=meeting).pk)
    page = client.get(reverse("meetings:meeting-detail", args=[meeting.pk])).content.decode()
    assert f'href="{preview}"' in page
    response = client.get(preview)
    assert response.status_code == 200
    assert f'src="{inline}"' in response.content.decode()
    response = client.get(inline)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Security-Policy"] == INLINE_CSP
    assert AuditEvent.objects.get(action="document.preview").after["document"] == "minutes"
    # The recused member (conflicted on an item) and outsiders: 404 on both.
    for user in (world.members[6].user, world.outsider, world.stranger):
        client.force_login(user)
        assert client.get(preview).status_code == 404
        assert client.get(inline).status_code == 404
    assert AuditEvent.objects.filter(action="document.preview").count() == 1
