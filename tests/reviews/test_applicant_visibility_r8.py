"""R8 (confidentiality) and the design's Permissions: applicants see the outcome, the conditions
and the reasons only. No tally, no count per outcome, no number of reviewers, no reviewer's name:
not in the API, the pages, the letter (PDF text), the e-mails, the inbox or the exports.

The world is tests/access_world.py (a listed activity decided at a meeting with votes, an expert
re-review, a draft appeal), built with every reviewer and voting member under a distinctive name,
plus a second application of the same lead decided by the simplified procedure (its tally counts
the reviewers and their verdicts). The walk requests every GET route of
tests/test_access_matrix.py the applicants may reach, as the lead and as the team member.
"""

from __future__ import annotations

import io
import json
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from ethics import pdf
from reviews import checklist, services
from reviews.services._common import LETTER_TEMPLATE
from tests import access_world
from tests.access_world import PDF, TALLY_MARK
from tests.test_access_matrix import APPLICANTS, ROUTES

pytestmark = pytest.mark.django_db

REVIEWER_NAME = "审阅人REVIEWERNAME-7f3a"  # every assigned reviewer and voting member but the chair
FORBIDDEN_KEYS = {"tally", "verdicts", "reviewers", "counts", "votes", "panel_size", "present"}


def _rename_reviewers(w: SimpleNamespace) -> list[Any]:
    people = [
        w.member,
        w.plain,
        w.law,
        w.ethics,
        w.coi_assignment,
        w.coi_meeting,
        w.coi_standing,
        w.vice_chair,
    ]
    for n, membership in enumerate(people):
        membership.user.name = f"{REVIEWER_NAME}-{n}"
        membership.user.save(update_fields=["name"])
    return [m.user for m in people]


def _simplified(w: SimpleNamespace) -> Any:
    """A second application of the lead, decided by the simplified procedure (R33-R34) with
    conditions: its tally records the number of reviewers and their verdicts."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import ProjectFactory

    project = ProjectFactory(
        lead=w.lead,
        committee=w.committee,
        institution=w.institution,
        scope=["human_data_samples"],
    )
    project.team.add(w.team)
    app = services.application_create(project_id=project.pk, actor=w.lead, kind="initial")
    for item in checklist.missing_slots("initial", project.scope, set()):
        services.document_upload(
            application_id=app.pk,
            slot=item.slot,
            upload=SimpleUploadedFile(f"{item.slot}.pdf", PDF, "application/pdf"),
            actor=w.lead,
        )
    services.application_submit(application_id=app.pk, actor=w.lead)
    # R37: the committee determines the listing before it accepts.
    services.listing_propose(application_id=app.pk, actor=w.secretary, listed=False)
    services.listing_confirm(application_id=app.pk, actor=w.chair.user, reasons="不在清单内")
    services.application_accept(
        application_id=app.pk, procedure="simplified", grounds="minimal_risk", actor=w.secretary
    )
    assignments = services.application_assign(
        application_id=app.pk, membership_ids=[w.law.pk, w.ethics.pk], actor=w.chair.user
    )
    sheet = {c.key: "met" for c in checklist.criteria_for(project.scope)}
    for assignment in assignments:
        user = assignment.membership.user
        services.assignment_declare(assignment_id=assignment.pk, conflicted=False, actor=user)
        services.opinion_record(
            assignment_id=assignment.pk,
            verdict="approve_with_modifications",
            comments="同意",
            worksheet=sheet,
            actor=user,
        )
    decision = services.application_decide(
        application_id=app.pk,
        outcome="approve_with_modifications",
        conditions="补充数据脱敏说明",
        actor=w.chair.user,
    )
    assert decision.tally["reviewers"] == 2  # the record keeps it; the applicant never sees it
    return decision


@pytest.fixture
def leak_world(django_capture_on_commit_callbacks, eager_celery, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    w = SimpleNamespace()
    with django_capture_on_commit_callbacks(execute=True):
        access_world._people(w)
        w.reviewers = _rename_reviewers(w)
        access_world._application(w)
        access_world._meeting(w, conclude=True)
        access_world._decision(w)
        access_world._committee_records(w)
        access_world._standing(w)
        services.rereview_submit(
            application_id=w.application.pk, authority="bj_stc", actor=w.secretary
        )
        from django.utils import timezone

        from tests.reviews.conftest import seat_rereview_panel

        seat_rereview_panel(w.application, w.secretary, n=7)  # R40: a panel seated first
        services.rereview_record(
            application_id=w.application.pk,
            opinion="agree",
            received_on=timezone.localdate(),
            panel_size=7,
            authority="北京市科委",
            reasons="同意",
            actor=w.secretary,
        )
        w.simplified = _simplified(w)
    w.application.refresh_from_db()
    assert w.decision.tally  # the meeting's tally is on record
    return w


def _keys(data: Any) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in _keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in _keys(v)}
    return set()


def _problems(body: bytes, content_type: str, w: SimpleNamespace) -> list[str]:
    text = body.decode("utf-8", "replace")
    found = [f"reviewer name {REVIEWER_NAME!r}"] if REVIEWER_NAME in text else []
    if TALLY_MARK in body:
        found.append("the minutes' tally")
    if re.search(
        r'data-count="(approve|resubmit|disapprove|abstain|continue|suspend|termin)', text
    ) or ("data-votes=" in text):
        found.append("a tally or votes on a page")
    if re.search(r"\d+\s*(experts|名专家|位专家)|复核专家\s*\d+\s*人|data-panel-size", text):
        found.append("the number of re-review experts")
    if "json" in content_type:
        try:
            data = json.loads(body or b"null")
        except ValueError:
            data = None
        leaked = _keys(data) & FORBIDDEN_KEYS
        if leaked:
            found.append(f"JSON keys {sorted(leaked)}")
    return found


def _researcher_urls(w: SimpleNamespace, who: str) -> list[str]:
    urls = []
    for name, route in ROUTES.items():
        if route.method != "GET" or who not in route.visible or "/" in name:
            continue  # an action, a route the applicant may not see, or a nameless pattern
        urls.append(reverse(name, kwargs=route.args(w, who)))
    # The simplified decision and its application, by id.
    urls += [
        f"/api/v1/decisions/{w.simplified.pk}/",
        f"/api/v1/applications/{w.simplified.application_id}/",
        f"/api/v1/decisions/?application={w.simplified.application_id}",
        reverse("reviews:application-detail", args=[w.simplified.application_id]),
        reverse("reviews:project-detail", args=[w.simplified.application.project_id]),
    ]
    return urls


@pytest.mark.parametrize("who", sorted(APPLICANTS))
def test_no_route_of_the_researcher_shows_tally_counts_or_reviewers_r8(leak_world, who):
    w = leak_world
    user = getattr(w, who)
    client = Client()
    client.force_login(user)
    urls = _researcher_urls(w, who)
    # People pickers list the institution's colleagues by name (a reviewer among them), never
    # who reviewed what: the name check skips them, the tally checks do not.
    people_pickers = {reverse("reviews:project-create"), reverse("user-list")}
    assert len(urls) > 25  # the walk covers the applicants' routes, not a handful
    seen_decision_json = 0
    problems = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        body = (
            b"".join(response.streaming_content)
            if getattr(response, "streaming", False)
            else response.content
        )
        content_type = response.get("Content-Type", "")
        found = _problems(body, content_type, w)
        if url in people_pickers:
            found = [f for f in found if not f.startswith("reviewer name")]
        if found:
            problems[url] = found
        if "/api/v1/decisions/" in url and response.status_code == 200:
            seen_decision_json += 1
    assert not problems, problems
    assert seen_decision_json >= 2


def _letter_text(decision) -> str:
    data = pdf.render(LETTER_TEMPLATE, services.letter_context(decision))
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_letters_show_outcome_conditions_reasons_only_r8(leak_world):
    w = leak_world
    for decision in (w.decision, w.simplified):
        decision.refresh_from_db()
        text = _letter_text(decision)
        assert decision.number in text
        assert REVIEWER_NAME not in text
        assert not re.search(r"复核专家\s*\d+\s*人", text)
        for word in ("票", "表决", "赞成", "反对", "弃权", "委员人数", "审查委员"):
            assert word not in text, (decision.number, word)
    text = _letter_text(w.simplified)
    assert "补充数据脱敏说明" in text  # the conditions are the applicant's to see
    assert "申诉" in text  # R27: an adverse decision's letter names the appeal


def test_the_researchers_emails_and_inbox_name_no_reviewer_and_no_count_r8(leak_world):
    w = leak_world
    to_applicants = [m for m in mail.outbox if {w.lead.email, w.team.email} & set(m.to)]
    assert to_applicants  # decisions, the re-review and the conditions were notified
    for message in to_applicants:
        text = f"{message.subject}\n{message.body}"
        assert REVIEWER_NAME not in text, text
        assert not re.search(r"\d+\s*票|tally|verdict", text), text
    for user in (w.lead, w.team):
        for note in user.notifications.all():
            text = f"{note.title} {note.body}"
            assert REVIEWER_NAME not in text, text
            assert "票" not in text
