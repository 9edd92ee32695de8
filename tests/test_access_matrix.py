"""The generated access matrix: every URL pattern × every role × every conflict state.

The test walks `django.urls.get_resolver()` over the whole project (pages and /api/v1/), builds a
concrete URL for each pattern from one small world (tests/access_world.py), requests it as every
subject below (GET; POST with an empty body for actions, DELETE where that is the only method),
and checks two things:

1. Visibility, from the ROUTES table: a subject listed in the route's `visible` set must not get a
   404 (any other answer is fine: 200, a redirect, 400, 403, 405, 409); everyone else must get
   exactly 404 (outsiders get 404, not 403). The anonymous visitor never gets a 2xx. Nobody gets
   a 5xx.
2. Leaks, whatever the status: a response never carries what its reader may not see of the
   world's application. The world's documents, opinion, discussion, tally and votes carry marks
   (see tests/access_world.py), so "materials to a conflicted member" is a substring check.
   Who may see what is MATERIALS, OPINIONS, TALLY and VOTES below, which restate
   reviews.policies (may_open_materials, may_see_opinions, may_see_tally) for this world.

Each request runs in a savepoint that is rolled back, so an empty POST that happens to succeed
changes nothing for the next one. The world is built once for the module.

How to add an entry (a new URL pattern fails `test_every_url_pattern_has_an_entry`):
- key it by the URL's full name ("namespace:name"; a nameless pattern by its route string);
- say what it exposes in words, who gets the object (`visible`, built from the role sets
  below; ALL for a page or list every signed-in user gets, filtered to their rows), the method
  (GET, POST for actions, DELETE) and its URL kwargs from the world, `w` (and `who`, the subject's
  name, when the object depends on the reader, as for one's own assignment);
- for an action URL after the action-table refactor, copy the entry of the route it replaces.
Patterns that expose no case data (admin, static, the API schema and docs, i18n, sign-in pages)
are in IGNORED, with the reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests import access_world
from tests.access_world import (
    DISCUSSION_MARK,
    MATERIAL_MARK,
    NAME_MARK,
    OPINION_MARK,
    TALLY_MARK,
)

# --- who asks --------------------------------------------------------------------------------

# subject -> the world's user (None: not signed in). The members conflicted on the application
# are the conflict states: via their reviewer assignment, via the meeting item, via a standing
# declaration (recorded by the secretary), and a vice-chair (an officer) with a standing one.
SUBJECTS: dict[str, Callable[[Any], Any]] = {
    "anonymous": lambda w: None,
    "outsider": lambda w: w.outsider,
    "lead": lambda w: w.lead,
    "team": lambda w: w.team,
    "member": lambda w: w.member.user,
    "plain_member": lambda w: w.plain.user,
    "coi_assignment": lambda w: w.coi_assignment.user,
    "coi_meeting": lambda w: w.coi_meeting.user,
    "coi_standing": lambda w: w.coi_standing.user,
    "consultant": lambda w: w.consultant,
    "secretary": lambda w: w.secretary,
    "chair": lambda w: w.chair.user,
    "vice_chair_coi": lambda w: w.vice_chair.user,
    "inst_admin": lambda w: w.inst_admin,
    "superuser": lambda w: w.superuser,
}

ALL = frozenset(SUBJECTS) - {"anonymous"}
APPLICANTS = frozenset({"lead", "team"})
CONFLICTED = frozenset({"coi_assignment", "coi_meeting", "coi_standing", "vice_chair_coi"})
REVIEWERS = frozenset({"member", "coi_assignment", "coi_meeting", "coi_standing"})
OFFICERS = frozenset({"secretary", "chair", "vice_chair_coi"})  # chair, vice-chair, secretary
MEMBERS = frozenset({"member", "plain_member", "coi_assignment", "coi_meeting", "coi_standing"})
COMMITTEE = OFFICERS | MEMBERS  # current appointments of the committee
SEES_COMMITTEE = COMMITTEE | {"inst_admin", "superuser"}  # its roster, meetings, deadlines
MANAGES_COMMITTEE = OFFICERS | {"inst_admin", "superuser"}  # its filings and records
RUNS_MEETINGS = OFFICERS | {"superuser"}
AUDIT_READERS = frozenset({"inst_admin", "superuser"})  # staff and institution admins
IMPORTER = frozenset({"inst_admin", "superuser"})  # the world's directory sheet: its uploader
INVITEE = frozenset({"team", "superuser"})  # the team member's (accepted) invitation
SEES_APPLICATION = APPLICANTS | REVIEWERS | OFFICERS | {"inst_admin", "superuser"}

# What each subject may see of the world's application (reviews.policies, restated).
MATERIALS = APPLICANTS | {"member", "consultant", "secretary", "chair", "inst_admin", "superuser"}
OPINIONS = frozenset({"member", "secretary", "chair", "superuser"})  # the member: their own
TALLY = frozenset({"member", "plain_member", "secretary", "chair", "inst_admin", "superuser"})
VOTES = frozenset({"secretary", "chair", "superuser"})  # individual votes: officers only


# --- oversight: incidents, risk register, funded programmes (issue 16) -------------------------
# Made on first use in each test (the world is shared; each test's rows roll back with it).


def _oversight_incident(w: Any) -> Any:
    from oversight.models_incidents import Incident

    now = timezone.now()
    found = Incident.objects.filter(project=w.project).first()
    return found or Incident.objects.create(
        project=w.project,
        committee=w.committee,
        kind="data_leak",
        severity="minor",
        title="事件",
        description="经过",
        aware_at=now,
        reported_at=now,
        report_due_at=now,
        reported_by=w.lead,
    )


def _oversight_risk(w: Any) -> Any:
    from oversight.models_incidents import RiskEntry

    found = RiskEntry.objects.filter(project=w.project).first()
    return found or RiskEntry.objects.create(
        project=w.project,
        committee=w.committee,
        title="风险",
        level="high",
        owner=w.lead,
        next_review_on=timezone.localdate(),
    )


def _oversight_funding(w: Any) -> Any:
    from oversight.models_incidents import Funding

    found = Funding.objects.filter(project=w.project).first()
    return found or Funding.objects.create(project=w.project, funder="科技部", grant_number="G1")


def _oversight_statement(w: Any) -> Any:
    from django.core.files.base import ContentFile

    from oversight.models_incidents import ApprovalStatement

    funding = _oversight_funding(w)
    found = ApprovalStatement.objects.filter(funding=funding).first()
    if found is not None:
        return found
    statement = ApprovalStatement(
        funding=funding,
        decision=w.decision,
        code="f" * 64,
        issued_by=w.lead,
        issued_at=timezone.now(),
    )
    statement.pdf.save("statement.pdf", ContentFile(b"%PDF-1.4 statement"), save=True)
    return statement


def _oversight(make: Callable[[Any], Any], **extra: Any) -> Args:
    def args(w: Any, who: str) -> dict[str, Any]:
        return {"pk": make(w).pk, **extra}

    return args


# The project's people, the committee's officers, the institution's admin (research office).
OVERSIGHT_SEES = APPLICANTS | OFFICERS | {"inst_admin", "superuser"}

# --- the table -------------------------------------------------------------------------------

Args = Callable[[Any, str], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    exposes: str
    visible: frozenset[str]
    args: Args = lambda w, who: {}
    method: str = "GET"


def _pk(attr: str) -> Args:
    """The URL's `pk` is the world's object `attr` (dotted)."""

    def args(w: Any, who: str) -> dict[str, Any]:
        obj = w
        for part in attr.split("."):
            obj = getattr(obj, part)
        return {"pk": obj if isinstance(obj, int) else obj.pk}

    return args


def _webhook_delete(w: Any, who: str) -> dict[str, Any]:
    from ethics.models import GroupWebhook

    hook, _new = GroupWebhook.objects.get_or_create(
        committee_id=w.committee.pk, vendor="wecom", url="https://example.com/robot"
    )
    return {"pk": hook.pk, "action": "delete"}


def _own_assignment(w: Any, who: str) -> dict[str, Any]:
    """A reviewer's own assignment; for everyone else, the (clean) member's."""
    membership = {
        "coi_assignment": w.coi_assignment,
        "coi_meeting": w.coi_meeting,
        "coi_standing": w.coi_standing,
    }.get(who, w.member)
    return {"pk": w.assignments[membership.pk].pk}


def _item(**extra: Any) -> Args:
    return lambda w, who: {"pk": w.meeting.pk, "item_id": w.item.pk, **extra}


def _quality(attr: str, **extra: Any) -> Args:
    """Quality control's and the pool's records (B1, B11), made in the world when first asked
    for in a subject's test (each subject's test rolls back what it made)."""

    def args(w: Any, who: str) -> dict[str, Any]:
        from oversight.models_quality import AuditSample, QualityAudit, SelfEvaluation
        from oversight.services import quality

        made = getattr(w, "evaluation", None)
        if made is None or not SelfEvaluation.objects.filter(pk=made.pk).exists():
            today = w.rereview.created_at.date()
            w.evaluation = quality.evaluation_open(
                committee_id=w.committee.pk, period_start=today, period_end=today, actor=w.secretary
            )
            w.quality_audit = QualityAudit.objects.create(
                committee=w.committee,
                period_start=today,
                period_end=today,
                requested_size=1,
                seed="access",
                population=1,
                created_by=w.secretary,
            )
            AuditSample.objects.create(audit=w.quality_audit, application=w.application)
            w.expert = quality.expert_add(
                actor=w.secretary, committee=w.committee, name="池内专家", fields_of_work=["ai"]
            )
        return {"pk": getattr(w, attr).pk, **extra}

    return args


# The re-review's panel: the committee's officers and admins without a conflict (R40, R20a).
ORGANISES_PANEL = frozenset({"secretary", "chair", "inst_admin", "superuser"})

ITEM_SEES = SEES_COMMITTEE  # the meeting and its items: the committee and the institution
NOT_CONFLICTED_ON_MEETING = TALLY  # whoever sees the meeting and is conflicted on no item

# The application's workflow actions on the API (one action table): its readers get past the 404.
APPLICATION_ACTIONS = (
    "accept", "acknowledge", "appeal", "assign", "confirm-modifications", "decide", "declare",
    "extend", "not-accept", "opinion", "record-rereview", "request-correction", "resubmit",
    "return", "return-modifications", "submit", "submit-modifications", "submit-rereview",
    "withdraw",
    # The committee's determinations (R16, R37, R46).
    "propose-listing", "confirm-listing", "classify-amendment", "waive-partner-approvals",
)  # fmt: skip

ROUTES: dict[str, Route] = {
    # --- kernel ---
    "ethics:dashboard": Route("the user's own panels", ALL),
    "ethics:inbox": Route("the user's notifications", ALL),
    "ethics:audit-log": Route(
        "the audit log (staff: all; institution admins: their people's)", AUDIT_READERS
    ),
    "ethics:inbox-read": Route("marks the user's notifications read", ALL, method="POST"),
    # ethics.live: a background document's state, for whoever may download it (here a letter).
    "ethics:live": Route(
        "a letter's rendering state and link",
        SEES_APPLICATION,
        lambda w, who: {"kind": "letter", "pk": w.decision.pk},
    ),
    "ethics:live-action": Route(
        "queue a failed rendering again (403 for readers who are no officers)",
        SEES_APPLICATION,
        lambda w, who: {"kind": "letter", "pk": w.decision.pk, "action": "retry"},
        "POST",
    ),
    "user-list": Route("users the reader may see", ALL),
    "user-me": Route("the reader", ALL),
    # Notifications and calendars (issue 19): one's own channels and calendar address; the feed
    # is reached by its secret token only (no subject holds one here: 404 for everyone).
    "ethics:profile": Route("the user's own channels and calendar address", ALL),
    "ethics:calendar-issue": Route("makes the user's own calendar address", ALL, method="POST"),
    "ethics:calendar-revoke": Route("ends the user's own calendar address", ALL, method="POST"),
    "user-me-calendar": Route("makes the user's own calendar address (API)", ALL, method="POST"),
    "ethics:calendar-feed": Route(
        "a calendar feed by its secret token", frozenset(), lambda w, who: {"token": "wrong"}
    ),
    "user-detail": Route(
        "one user (the lead)", frozenset({"lead", "inst_admin", "superuser"}), _pk("lead")
    ),
    "user-unlock": Route(
        "ends the lead's login lock (the lead may not: 403)",
        frozenset({"lead", "inst_admin", "superuser"}),
        _pk("lead"),
        "POST",
    ),
    "user-password-reset": Route(
        "e-mails the user a reset link",
        frozenset({"lead", "inst_admin", "superuser"}),
        _pk("lead"),
        "POST",
    ),
    "user-mfa-reset": Route(
        "resets the lead's second factor",
        frozenset({"lead", "inst_admin", "superuser"}),
        _pk("lead"),
        "POST",
    ),
    "api-root": Route("links", ALL),
    # --- committees (no application data) ---
    "institution-list": Route("institutions the reader may see", ALL),
    "institution-detail": Route("the institution", SEES_COMMITTEE, _pk("institution")),
    "committee-list": Route("committees the reader may see", ALL),
    "committee-detail": Route("the committee", SEES_COMMITTEE, _pk("committee")),
    "committee-composition": Route("R4-R7 check", SEES_COMMITTEE, _pk("committee")),
    "rules-list": Route("rule sets of the committees the reader may see", ALL),
    "rules-detail": Route("one committee's rule set", SEES_COMMITTEE, _pk("committee")),
    "rules-override": Route("sets an SOP value", SEES_COMMITTEE, _pk("committee"), "POST"),
    "committee-members": Route("the roster", SEES_COMMITTEE, _pk("committee")),
    "membership-detail": Route("one appointment", SEES_COMMITTEE, _pk("chair")),
    "membership-end": Route("ends it", SEES_COMMITTEE, _pk("plain"), "POST"),
    "membership-pledge": Route("records a pledge", SEES_COMMITTEE, _pk("plain"), "POST"),
    "membership-training": Route("records training", SEES_COMMITTEE, _pk("plain"), "POST"),
    "committee-upload-document": Route(
        "uploads a charter or SOP", SEES_COMMITTEE, _pk("committee"), "POST"
    ),
    "committee-add-entrustment": Route(
        "records an entrustment", SEES_COMMITTEE, _pk("committee"), "POST"
    ),
    "committee-add-webhook": Route(
        "adds a chat-group robot", SEES_COMMITTEE, _pk("committee"), "POST"
    ),
    "committees:webhooks": Route(
        "the committee's chat-group robots and their errors", MANAGES_COMMITTEE, _pk("committee")
    ),
    "committees:webhook-action": Route(
        "removes a chat-group robot", MANAGES_COMMITTEE, _webhook_delete, "POST"
    ),
    "committee-designate-deputy": Route(
        "designates the chair's deputy (R20a)", SEES_COMMITTEE, _pk("committee"), "POST"
    ),
    "entrustment-list": Route("entrustments the reader may see", ALL),
    "import-list": Route("the reader's own directory sheets", ALL),
    "notification-list": Route("the reader's own notifications", ALL),
    "audit-event-list": Route("audit events the reader may read", AUDIT_READERS),
    "import-detail": Route("a sheet's report", IMPORTER, _pk("import_batch")),
    "import-apply": Route("applies a sheet", IMPORTER, _pk("import_batch"), "POST"),
    "import-template": Route("an empty template", MANAGES_COMMITTEE),
    "entrustment-detail": Route("one entrustment", SEES_COMMITTEE, _pk("entrustment")),
    "entrustment-end": Route("ends it", SEES_COMMITTEE, _pk("entrustment"), "POST"),
    "committees:committee-list": Route("committees the reader may see", ALL),
    "committees:institution-detail": Route("the institution", SEES_COMMITTEE, _pk("institution")),
    # Forms: whoever sees the object gets it, those who may not change it a 403.
    "committees:institution-edit": Route("edit form", SEES_COMMITTEE, _pk("institution")),
    "committees:committee-create": Route(
        "new committee form",
        SEES_COMMITTEE,
        lambda w, who: {"institution_pk": w.institution.pk},
    ),
    "committees:committee-detail": Route("the committee", SEES_COMMITTEE, _pk("committee")),
    "committees:committee-edit": Route("edit form", SEES_COMMITTEE, _pk("committee")),
    "committees:composition": Route("R4-R7 panel", SEES_COMMITTEE, _pk("committee")),
    "committees:rules": Route("committees the reader may see, with their rules", ALL),
    "committees:rules-detail": Route(
        "the rule set with SOP values", SEES_COMMITTEE, _pk("committee")
    ),
    "committees:rules-action": Route(
        "sets an SOP value (B2, R33, R61)",
        SEES_COMMITTEE,
        lambda w, who: {"pk": w.committee.pk, "action": "override"},
        "POST",
    ),
    "committees:member-history": Route("past members", SEES_COMMITTEE, _pk("committee")),
    "committees:imports": Route("directory import page", MANAGES_COMMITTEE),
    "committees:import-detail": Route("a sheet's report", IMPORTER, _pk("import_batch")),
    "committees:import-action": Route(
        "applies a sheet",
        IMPORTER,
        lambda w, who: {"pk": w.import_batch.pk, "action": "apply"},
        "POST",
    ),
    "committees:import-template": Route(
        "an empty template", MANAGES_COMMITTEE, lambda w, who: {"kind": "users", "fmt": "xlsx"}
    ),
    "committees:membership-add": Route("add form", SEES_COMMITTEE, _pk("committee")),
    "committees:document-upload": Route("upload form", SEES_COMMITTEE, _pk("committee")),
    "committees:entrustment-add": Route("entrust form", SEES_COMMITTEE, _pk("committee")),
    "committees:deputy-designate": Route("deputy form (R20a)", SEES_COMMITTEE, _pk("committee")),
    "committees:membership-detail": Route("one appointment", SEES_COMMITTEE, _pk("chair")),
    "committees:membership-edit": Route("edit form", SEES_COMMITTEE, _pk("chair")),
    "committees:membership-end": Route("ends it", SEES_COMMITTEE, _pk("plain"), "POST"),
    "committees:pledge-add": Route("records a pledge", SEES_COMMITTEE, _pk("plain"), "POST"),
    "committees:training-add": Route("records training", SEES_COMMITTEE, _pk("plain"), "POST"),
    "committees:membership-file": Route(
        "the appointment letter", SEES_COMMITTEE, _pk("secretary_membership")
    ),
    "committees:document-download": Route("the charter", SEES_COMMITTEE, _pk("charter")),
    "committees:entrustment-file": Route(
        "the entrustment agreement", SEES_COMMITTEE, _pk("entrustment")
    ),
    "committees:entrustment-end": Route("ends it", SEES_COMMITTEE, _pk("entrustment"), "POST"),
    # --- reviews: projects and applications (HTML) ---
    "reviews:my-projects": Route("the reader's own projects", ALL),
    "reviews:project-create": Route("new project form", ALL),
    "reviews:project-detail": Route(
        "project, decisions, timeline", SEES_APPLICATION, _pk("project")
    ),
    "reviews:project-action": Route(
        "an action on the project (pre-screen)",
        SEES_APPLICATION,
        lambda w, who: {"pk": w.project.pk, "action": "prescreen"},
        "POST",
    ),
    "reviews:application-create": Route(
        "new application (the project named in the form)", ALL, method="POST"
    ),
    "reviews:application-detail": Route(
        "the application; its checklist and document links only with the materials; "
        "opinions for officers without a conflict",
        SEES_APPLICATION,
        _pk("application"),
    ),
    "reviews:application-action": Route(
        "an action (decide)",
        SEES_APPLICATION,
        lambda w, who: {"pk": w.application.pk, "action": "decide"},
        "POST",
    ),
    "reviews:invitation-action": Route(
        "the invitee answers a team invitation (R8)",
        INVITEE,
        lambda w, who: {"pk": w.invitation.pk, "action": "accept"},
        "POST",
    ),
    "reviews:document-download": Route("a document version's file", MATERIALS, _pk("version_id")),
    "reviews:letter-download": Route("the decision letter", SEES_APPLICATION, _pk("decision")),
    # The PDF preview (issue 15): the download's checks, inline, on a page of the site.
    "reviews:document-inline": Route(
        "a document version's PDF, inline", MATERIALS, _pk("version_id")
    ),
    "reviews:document-preview": Route(
        "the preview page of a document's PDF", MATERIALS, _pk("version_id")
    ),
    "reviews:letter-inline": Route(
        "the decision letter, inline", SEES_APPLICATION, _pk("decision")
    ),
    "reviews:letter-preview": Route(
        "the preview page of the decision letter", SEES_APPLICATION, _pk("decision")
    ),
    "reviews:package-download": Route(
        "the re-review package: documents, opinions, tally",
        frozenset({"secretary", "chair", "superuser"}),
        _pk("rereview"),
    ),
    "reviews:recognition-letter": Route(
        "the letter of a decision issued elsewhere (R31, N12): the decision letters' readers "
        "and the recognising officers, unless conflicted",
        SEES_APPLICATION - CONFLICTED,
        _pk("outside_recognition"),
    ),
    "reviews:intake": Route("the officers' queue", OFFICERS | {"superuser"}),
    "reviews:follow-up": Route("the officers' follow-up", OFFICERS | {"superuser"}),
    "reviews:recognition-create": Route("recognition form", OFFICERS | {"superuser"}),
    "reviews:recognition-outside-create": Route(
        "recognition of a decision issued elsewhere (R31, N12)", OFFICERS | {"superuser"}
    ),
    "reviews:my-reviews": Route("the reader's own assignments", ALL),
    "reviews:assignment-detail": Route(
        "one's own assignment: worksheet, materials links (with the materials), own opinion",
        REVIEWERS,
        _own_assignment,
    ),
    # --- reviews API ---
    "reviews-api:project-list": Route("projects the reader may see", ALL),
    "reviews-api:project-detail": Route("one project", SEES_APPLICATION, _pk("project")),
    "reviews-api:project-participants": Route(
        "sets participants", SEES_APPLICATION, _pk("project"), "POST"
    ),
    "reviews-api:project-prescreen": Route("pre-screen", SEES_APPLICATION, _pk("project"), "POST"),
    "reviews-api:project-start": Route("starts", SEES_APPLICATION, _pk("project"), "POST"),
    "reviews-api:project-invite": Route(
        "invites to the team (R8)", SEES_APPLICATION, _pk("project"), "POST"
    ),
    "reviews-api:application-list": Route("applications the reader may see", ALL),
    "reviews-api:application-detail": Route(
        "one application (no documents)", SEES_APPLICATION, _pk("application")
    ),
    **{
        f"reviews-api:application-{action}": Route(
            f"the {action} action", SEES_APPLICATION, _pk("application"), "POST"
        )
        for action in APPLICATION_ACTIONS
    },
    "reviews-api:application-documents": Route(
        "the document list (names, hashes, links)",
        SEES_APPLICATION & MATERIALS,
        _pk("application"),
    ),
    "reviews-api:application-conflicts": Route(
        "records a standing conflict declaration",
        SEES_APPLICATION | COMMITTEE,
        _pk("application"),
        "POST",
    ),
    "reviews-api:document-download": Route(
        "a document version's file", MATERIALS, _pk("version_id")
    ),
    "reviews-api:decision-list": Route("decisions (tally only for those who may see it)", ALL),
    "reviews-api:decision-detail": Route(
        "one decision; its tally only for those who may see it", SEES_APPLICATION, _pk("decision")
    ),
    "reviews-api:decision-letter": Route("the decision letter", SEES_APPLICATION, _pk("decision")),
    "reviews-api:rereview-list": Route("re-reviews the reader may see", ALL),
    "reviews-api:rereview-detail": Route("one re-review", SEES_APPLICATION, _pk("rereview")),
    "reviews-api:rereview-package": Route(
        "the re-review package: documents, opinions, tally",
        frozenset({"secretary", "chair", "superuser"}),
        _pk("rereview"),
    ),
    "reviews-api:appeal-list": Route("appeals the reader may see", ALL),
    "reviews-api:appeal-detail": Route(
        "a draft appeal (its applicants only)", APPLICANTS | {"superuser"}, _pk("appeal")
    ),
    # Team invitations (R8): the invitee's own (a superuser sees them; nobody else).
    "reviews-api:invitation-list": Route("the reader's own team invitations", ALL),
    "reviews-api:assignment-list": Route("the reader's own reviewer assignments", ALL),
    "reviews-api:invitation-detail": Route(
        "one invitation: project title, lead", INVITEE, _pk("invitation")
    ),
    "reviews-api:invitation-accept": Route("accepts it", INVITEE, _pk("invitation"), "POST"),
    "reviews-api:invitation-decline": Route("declines it", INVITEE, _pk("invitation"), "POST"),
    "reviews-api:recognition-list": Route("recognitions the reader may see", ALL),
    "reviews-api:recognition-create-outside": Route(
        "records a decision issued elsewhere (R31)", ALL, method="POST"
    ),
    "reviews-api:recognition-detail": Route(
        "another committee's recognition", SEES_APPLICATION, _pk("recognition")
    ),
    "reviews-api:recognition-letter": Route(
        "the letter of a decision issued elsewhere (R31, N12)",
        SEES_APPLICATION - CONFLICTED,
        _pk("outside_recognition"),
    ),
    # --- meetings (HTML) ---
    "meetings:meeting-list": Route("meetings the reader may see", ALL),
    "meetings:meeting-schedule": Route("schedule form: for those who run a meeting", RUNS_MEETINGS),
    "meetings:meeting-detail": Route(
        "the board: per item the materials links, tally and votes, each only for those who may",
        ITEM_SEES,
        _pk("meeting"),
    ),
    "meetings:meeting-agenda": Route("agenda (titles)", RUNS_MEETINGS, _pk("meeting")),
    "meetings:meeting-console": Route(
        "the live console (tally, notes, unless conflicted)", RUNS_MEETINGS, _pk("meeting")
    ),
    "meetings:meeting-action": Route(
        "a meeting action (notice)",
        ITEM_SEES,
        lambda w, who: {"pk": w.meeting.pk, "action": "notice"},
        "POST",
    ),
    "meetings:meeting-minutes": Route(
        "the minutes: every item's tally", NOT_CONFLICTED_ON_MEETING, _pk("meeting")
    ),
    "meetings:minutes-inline": Route(
        "the minutes, inline", NOT_CONFLICTED_ON_MEETING, _pk("meeting")
    ),
    "meetings:minutes-preview": Route(
        "the preview page of the minutes", NOT_CONFLICTED_ON_MEETING, _pk("meeting")
    ),
    "meetings:item-tally": Route("the item's tally partial", TALLY, _item()),
    "meetings:item-action": Route("an item action (vote)", ITEM_SEES, _item(action="vote"), "POST"),
    "meetings:item-document": Route(
        "an item's document: the materials, after declaring on the item (a member who has not "
        "declared is sent to declare, 302; an institution admin, who does not sit, gets 403)",
        (MATERIALS & ITEM_SEES) | {"plain_member"},
        lambda w, who: {"pk": w.meeting.pk, "item_id": w.item.pk, "version_id": w.version_id},
    ),
    # --- meetings API ---
    "meetings-api:meeting-list": Route("meetings (no tally, no notes when conflicted)", ALL),
    "meetings-api:meeting-detail": Route(
        "the board as JSON: tally, votes, notes and dissent only for those who may",
        ITEM_SEES,
        _pk("meeting"),
    ),
    "meetings-api:meeting-minutes": Route(
        "the minutes: every item's tally", NOT_CONFLICTED_ON_MEETING, _pk("meeting")
    ),
    "meetings-api:meeting-close": Route("closes", ITEM_SEES, _pk("meeting"), "POST"),
    "meetings-api:meeting-notice": Route("sends the notice", ITEM_SEES, _pk("meeting"), "POST"),
    "meetings-api:meeting-open": Route("opens", ITEM_SEES, _pk("meeting"), "POST"),
    "meetings-api:meeting-add": Route("adds an item", ITEM_SEES, _pk("meeting"), "POST"),
    "meetings-api:meeting-move": Route("moves an item", ITEM_SEES, _pk("meeting"), "POST"),
    "meetings-api:meeting-reports": Route(
        "adds the R35 report items", ITEM_SEES, _pk("meeting"), "POST"
    ),
    "meetings-api:meeting-order": Route("reorders", ITEM_SEES, _pk("meeting"), "POST"),
    "meetings-api:meeting-correct": Route(
        "appends a correction", ITEM_SEES, _pk("meeting"), "POST"
    ),
    "meetings-api:meeting-conclude": Route("concludes", ITEM_SEES, _item(), "POST"),
    "meetings-api:meeting-consultant": Route("admits a consultant", ITEM_SEES, _item(), "POST"),
    "meetings-api:meeting-declare": Route("declares on the item", ITEM_SEES, _item(), "POST"),
    "meetings-api:meeting-defer": Route("defers", ITEM_SEES, _item(), "POST"),
    "meetings-api:meeting-notes": Route("records notes", ITEM_SEES, _item(), "POST"),
    "meetings-api:meeting-recuse": Route("records a recusal", ITEM_SEES, _item(), "POST"),
    "meetings-api:meeting-vote": Route("casts a vote", ITEM_SEES, _item(), "POST"),
    "meetings-api:meeting-remove": Route("removes the item", ITEM_SEES, _item(), "DELETE"),
    "meetings-api:meeting-cancel": Route("cancels", ITEM_SEES, _pk("meeting"), "POST"),
    "meetings-api:meeting-reschedule": Route("reschedules", ITEM_SEES, _pk("meeting"), "POST"),
    "meetings-api:meeting-excuse": Route("excuses a member", ITEM_SEES, _pk("meeting"), "POST"),
    "meetings-api:meeting-arrive": Route("records an arrival", ITEM_SEES, _pk("meeting"), "POST"),
    "meetings-api:meeting-depart": Route("records a departure", ITEM_SEES, _pk("meeting"), "POST"),
    # --- registry ---
    "registry:deadline-list": Route("deadlines of the reader's committees", ALL),
    "registry:deadline-export": Route("the same as CSV (an export)", ALL),
    "registry:deadline-calendar": Route("the same as a calendar", ALL),
    "registry:filing-list": Route("filings the reader manages", ALL),
    "registry:filing-detail": Route("the annual report filing", MANAGES_COMMITTEE, _pk("filing")),
    "registry:filing-action": Route(
        "a filing action (remarks)",
        MANAGES_COMMITTEE,
        lambda w, who: {"pk": w.filing.pk, "action": "remarks"},
        "POST",
    ),
    "registry:filing-package": Route(
        "the filing package (an export, no application materials)",
        MANAGES_COMMITTEE,
        lambda w, who: {"pk": w.filing.pk, "fmt": "json"},
    ),
    "registry:filing-package-inline": Route(
        "the filing package PDF, inline", MANAGES_COMMITTEE, _pk("filing")
    ),
    "registry:filing-package-preview": Route(
        "the preview page of the filing package PDF", MANAGES_COMMITTEE, _pk("filing")
    ),
    # --- reports (issue 17): aggregate figures, no application materials ---
    "reports:index": Route("links to the dashboards the reader may open", ALL),
    "reports:committee": Route("the committee's dashboard", MANAGES_COMMITTEE, _pk("committee")),
    "reports:committee-export": Route(
        "one table of the committee's dashboard (an export)",
        MANAGES_COMMITTEE,
        lambda w, who: {"pk": w.committee.pk, "table": "by_kind", "ext": "csv"},
    ),
    "reports:committee-monthly": Route(
        "the chair's monthly summary PDF", MANAGES_COMMITTEE, _pk("committee")
    ),
    "reports:institution": Route("the institution's dashboard", AUDIT_READERS, _pk("institution")),
    "reports:institution-export": Route(
        "the institution's dashboard tables (an export)",
        AUDIT_READERS,
        lambda w, who: {"pk": w.institution.pk, "table": "all", "ext": "xlsx"},
    ),
    "reports:authority": Route("the regional authority's aggregates", frozenset({"superuser"})),
    "reports:authority-export": Route(
        "the regional aggregates (an export)",
        frozenset({"superuser"}),
        lambda w, who: {"table": "all", "ext": "xlsx"},
    ),
    "deadline-list": Route("deadlines of the reader's committees", ALL),
    "deadline-detail": Route("one deadline of the committee", SEES_COMMITTEE, _pk("deadline")),
    "filing-list": Route("filings the reader manages", ALL),
    "filing-detail": Route("the annual report filing", MANAGES_COMMITTEE, _pk("filing")),
    "filing-acknowledge": Route("acknowledges", MANAGES_COMMITTEE, _pk("filing"), "POST"),
    "filing-prepare": Route("prepares", MANAGES_COMMITTEE, _pk("filing"), "POST"),
    "filing-submit": Route("submits", MANAGES_COMMITTEE, _pk("filing"), "POST"),
    "filing-sign-off": Route("signs off (R53)", MANAGES_COMMITTEE, _pk("filing"), "POST"),
    "filing-remarks": Route("edits the remarks", MANAGES_COMMITTEE, _pk("filing"), "POST"),
    "filing-package-pdf": Route("the filing package PDF", MANAGES_COMMITTEE, _pk("filing")),
    # --- oversight: complaints and investigations (R55, R56): the officers handling the case;
    # the lead is a person concerned and gets 404 like everyone else.
    "oversight:complaint-list": Route("complaints the reader handles", ALL),
    "oversight:complaint-detail": Route(
        "a complaint with its reporter", MANAGES_COMMITTEE, _pk("complaint")
    ),
    "oversight:complaint-action": Route(
        "a complaint action (message)",
        MANAGES_COMMITTEE,
        lambda w, who: {"pk": w.complaint.pk, "action": "message"},
        "POST",
    ),
    "oversight:investigation-list": Route("investigations the reader handles", ALL),
    "oversight:investigation-new": Route(
        "the form to open an investigation (officers and admins)", MANAGES_COMMITTEE
    ),
    "oversight:investigation-detail": Route(
        "an investigation", MANAGES_COMMITTEE, _pk("investigation")
    ),
    "oversight:investigation-action": Route(
        "an investigation action (step)",
        MANAGES_COMMITTEE,
        lambda w, who: {"pk": w.investigation.pk, "action": "step"},
        "POST",
    ),
    "oversight:investigation-evidence": Route(
        "an evidence document", MANAGES_COMMITTEE, _pk("evidence")
    ),
    "oversight:investigation-referral": Route(
        "the referral package PDF", MANAGES_COMMITTEE, _pk("referral")
    ),
    "oversight-api:complaint-list": Route("complaints the reader handles", ALL),
    "oversight-api:complaint-detail": Route(
        "a complaint with its reporter", MANAGES_COMMITTEE, _pk("complaint")
    ),
    "oversight-api:investigation-list": Route("investigations the reader handles", ALL),
    "oversight-api:investigation-detail": Route(
        "an investigation", MANAGES_COMMITTEE, _pk("investigation")
    ),
    **{
        f"oversight-api:complaint-{name}": Route(
            f"complaint action {name}", MANAGES_COMMITTEE, _pk("complaint"), "POST"
        )
        for name in ("acknowledge", "triage", "link", "message", "investigate", "close")
    },
    **{
        f"oversight-api:investigation-{name}": Route(
            f"investigation action {name}", MANAGES_COMMITTEE, _pk("investigation"), "POST"
        )
        for name in ("step", "evidence", "measure", "measure-done", "conclude", "referral", "close")
    },
    # --- oversight: incidents, risk register, funded programmes (issue 16) ---
    "oversight:incident-list": Route("incidents the reader may see", ALL),
    "oversight:incident-new": Route("the report form (the reader's projects only)", ALL),
    "oversight:incident-detail": Route(
        "an incident on the project", OVERSIGHT_SEES, _oversight(_oversight_incident)
    ),
    "oversight:incident-action": Route(
        "an incident action (follow-up)",
        OVERSIGHT_SEES,
        _oversight(_oversight_incident, action="follow_up"),
        "POST",
    ),
    "oversight:risk-list": Route("risk register rows the reader may see", ALL),
    # The home dashboard's early-warning and quality-control panels (loaded after the page).
    "oversight:dashboard-panels": Route("the dashboard's oversight panels", MANAGES_COMMITTEE),
    # Officers and admins; the researchers never reach its people picker (R8).
    "oversight:risk-new": Route(
        "the risk register form (managed projects only)", MANAGES_COMMITTEE
    ),
    "oversight:risk-detail": Route(
        "a risk of the listed project", OVERSIGHT_SEES, _oversight(_oversight_risk)
    ),
    "oversight:risk-action": Route(
        "a risk action (review)",
        OVERSIGHT_SEES,
        _oversight(_oversight_risk, action="review"),
        "POST",
    ),
    "oversight:funding-list": Route("funding records the reader may see", ALL),
    "oversight:funding-new": Route("the funding form (own projects only)", ALL),
    "oversight:funding-export": Route(
        "funded projects and their approval, the reader's rows only",
        ALL,
        lambda w, who: {"fmt": "csv"},
    ),
    "oversight:funding-detail": Route(
        "a funding record of the project", OVERSIGHT_SEES, _oversight(_oversight_funding)
    ),
    "oversight:funding-action": Route(
        "a funding action (correct)",
        OVERSIGHT_SEES,
        _oversight(_oversight_funding, action="update"),
        "POST",
    ),
    "oversight:statement-download": Route(
        "an approval statement for the funder", OVERSIGHT_SEES, _oversight(_oversight_statement)
    ),
    "oversight-api:incident-list": Route("incidents the reader may see", ALL),
    "oversight-api:incident-detail": Route(
        "an incident", OVERSIGHT_SEES, _oversight(_oversight_incident)
    ),
    "oversight-api:incident-follow-up": Route(
        "follows up", OVERSIGHT_SEES, _oversight(_oversight_incident), "POST"
    ),
    "oversight-api:incident-escalate": Route(
        "escalates", OVERSIGHT_SEES, _oversight(_oversight_incident), "POST"
    ),
    "oversight-api:incident-close": Route(
        "closes", OVERSIGHT_SEES, _oversight(_oversight_incident), "POST"
    ),
    "oversight-api:risk-list": Route("risk register rows the reader may see", ALL),
    "oversight-api:risk-detail": Route("a risk", OVERSIGHT_SEES, _oversight(_oversight_risk)),
    "oversight-api:risk-review": Route(
        "reviews a risk", OVERSIGHT_SEES, _oversight(_oversight_risk), "POST"
    ),
    "oversight-api:risk-close": Route(
        "closes a risk", OVERSIGHT_SEES, _oversight(_oversight_risk), "POST"
    ),
    "oversight-api:funding-list": Route("funding records the reader may see", ALL),
    "oversight-api:funding-detail": Route(
        "a funding record", OVERSIGHT_SEES, _oversight(_oversight_funding)
    ),
    "oversight-api:funding-remove": Route(
        "removes a funding record", OVERSIGHT_SEES, _oversight(_oversight_funding), "POST"
    ),
    "oversight-api:funding-issue-statement": Route(
        "issues an approval statement", OVERSIGHT_SEES, _oversight(_oversight_funding), "POST"
    ),
    # --- end oversight: incidents ---
    # --- oversight: quality control (B1) and the re-review expert pool (R40, B11) ---
    "oversight:quality-evaluation-list": Route("self-evaluations", MANAGES_COMMITTEE),
    "oversight:quality-evaluations-action": Route(
        "opens a self-evaluation", MANAGES_COMMITTEE, lambda w, who: {"action": "open"}, "POST"
    ),
    "oversight:quality-evaluation-detail": Route(
        "the committee's self-evaluation", MANAGES_COMMITTEE, _quality("evaluation")
    ),
    "oversight:quality-evaluation-action": Route(
        "answers an item", MANAGES_COMMITTEE, _quality("evaluation", action="answer"), "POST"
    ),
    "oversight:quality-audit-list": Route("quality audits", MANAGES_COMMITTEE),
    "oversight:quality-audits-action": Route(
        "draws a sample", MANAGES_COMMITTEE, lambda w, who: {"action": "draw"}, "POST"
    ),
    "oversight:quality-audit-detail": Route(
        "a quality audit (sampled reviews: reference and title)",
        MANAGES_COMMITTEE,
        _quality("quality_audit"),
    ),
    "oversight:quality-audit-action": Route(
        "records a finding", MANAGES_COMMITTEE, _quality("quality_audit", action="record"), "POST"
    ),
    "oversight:pool-expert-list": Route("the expert pool", MANAGES_COMMITTEE),
    "oversight:pool-experts-action": Route(
        "adds an expert", MANAGES_COMMITTEE, lambda w, who: {"action": "add"}, "POST"
    ),
    "oversight:pool-expert-detail": Route(
        "an expert of the pool", MANAGES_COMMITTEE, _quality("expert")
    ),
    "oversight:pool-expert-action": Route(
        "declares an interest", MANAGES_COMMITTEE, _quality("expert", action="interest"), "POST"
    ),
    "oversight:rereview-panel": Route(
        "the re-review's panel (no conflicted officer, R40)", ORGANISES_PANEL, _pk("rereview")
    ),
    "oversight:rereview-panel-action": Route(
        "seats the panel",
        ORGANISES_PANEL,
        lambda w, who: {"pk": w.rereview.pk, "action": "seat"},
        "POST",
    ),
    "oversight-api:quality-evaluation-list": Route("self-evaluations the reader manages", ALL),
    "oversight-api:quality-evaluation-detail": Route(
        "a self-evaluation", MANAGES_COMMITTEE, _quality("evaluation")
    ),
    "oversight-api:quality-evaluation-answer": Route(
        "answers an item", MANAGES_COMMITTEE, _quality("evaluation"), "POST"
    ),
    "oversight-api:quality-evaluation-corrective": Route(
        "adds a corrective action", MANAGES_COMMITTEE, _quality("evaluation"), "POST"
    ),
    "oversight-api:quality-evaluation-corrective-close": Route(
        "completes a corrective action", MANAGES_COMMITTEE, _quality("evaluation"), "POST"
    ),
    "oversight-api:quality-evaluation-close": Route(
        "closes the self-evaluation", MANAGES_COMMITTEE, _quality("evaluation"), "POST"
    ),
    "oversight-api:quality-audit-list": Route("quality audits the reader manages", ALL),
    "oversight-api:quality-audit-detail": Route(
        "a quality audit", MANAGES_COMMITTEE, _quality("quality_audit")
    ),
    "oversight-api:quality-audit-record": Route(
        "records a finding", MANAGES_COMMITTEE, _quality("quality_audit"), "POST"
    ),
    "oversight-api:pool-expert-list": Route("the expert pool (empty for others)", ALL),
    "oversight-api:pool-expert-detail": Route(
        "an expert of the pool", MANAGES_COMMITTEE, _quality("expert")
    ),
    "oversight-api:pool-expert-interest": Route(
        "declares an interest", MANAGES_COMMITTEE, _quality("expert"), "POST"
    ),
    "oversight-api:rereview-panel-list": Route("re-reviews whose panel the reader seats", ALL),
    "oversight-api:rereview-panel-detail": Route(
        "the re-review's panel", ORGANISES_PANEL, _pk("rereview")
    ),
    "oversight-api:rereview-panel-seat": Route(
        "seats the panel", ORGANISES_PANEL, _pk("rereview"), "POST"
    ),
    # --- end of quality control and the expert pool ---
}

# --- oversight: sanctions (R57) and researchers' training (R10a) ---
SEES_SANCTION = OFFICERS | {"inst_admin", "superuser", "lead"}  # the lead is the person sanctioned
RECORDS_SANCTIONS = frozenset({"inst_admin", "superuser"})
RECORDS_TRAINING = OFFICERS | {"inst_admin", "superuser"}
ROUTES.update(
    {
        "oversight:sanction-list": Route("sanctions the reader may see", ALL),
        "oversight:sanction-create": Route("the form to record one", RECORDS_SANCTIONS),
        "oversight:sanction-detail": Route("a sanction", SEES_SANCTION, _pk("sanction")),
        "oversight:sanction-action": Route(
            "lifts a ban early",
            SEES_SANCTION,
            lambda w, who: {"pk": w.sanction.pk, "action": "lift"},
            "POST",
        ),
        "oversight:training-list": Route("training records the reader may see", ALL),
        "oversight:training-create": Route("the form to record one", RECORDS_TRAINING),
        "oversight-api:sanction-list": Route("sanctions the reader may see", ALL),
        "oversight-api:sanction-detail": Route("a sanction", SEES_SANCTION, _pk("sanction")),
        "oversight-api:sanction-lift": Route(
            "lifts a ban early", SEES_SANCTION, _pk("sanction"), "POST"
        ),
        "oversight-api:researcher-training-list": Route("training records the reader sees", ALL),
        "oversight-api:researcher-training-detail": Route(
            "a training record", SEES_SANCTION, _pk("researcher_training")
        ),
    }
)

# URL patterns that expose no case data, each with the reason: by route prefix, then by name.
IGNORED_PREFIXES: dict[str, str] = {
    "admin/": "Django admin: staff only, read-only for audited models",
    "static/": "static files (served by WhiteNoise, outside the URLconf in production)",
    "media/": "media files are never served by URL; downloads go through the views",
}
IGNORED: dict[str, str] = {
    "schema": "the OpenAPI schema (no data; signed-in only, tests/ethics/test_headers.py)",
    "api-docs": "the API docs page (no data; signed-in only, tests/ethics/test_headers.py)",
    "ethics:set-language": "i18n: the language switch",
    "login": "sign-in page",
    "logout": "sign-out",
    "password_change": "the user's own password",
    "password_change_done": "the user's own password",
    "mfa-enrol": "the user's own second factor (set up, manage)",
    "mfa-verify": "the user's own second factor (verify after the password)",
    "mfa-recovery": "the user's own recovery codes",
    "mfa-remove": "removes the user's own second factor",
    "api-token": "API sign-in (token for one's own credentials)",
    "api-token-list": "the caller's own API tokens (never their secrets)",
    "api-token-detail": "revokes one of the caller's own tokens (anyone else's is 404)",
    "user-me-password": "the user's own password (API)",
    "password_reset": "password reset by e-mail (a link to the address's owner only)",
    "password_reset_done": "password reset by e-mail (no data)",
    "password_reset_confirm": "password reset by e-mail (the link's own token)",
    "password_reset_complete": "password reset by e-mail (no data)",
    "sso-oidc-login": "single sign-on: to the identity provider (no data; 404 while off)",
    "sso-oidc-callback": "single sign-on: the provider's answer for this browser (no data)",
    "sso-cas-login": "single sign-on: to the CAS server and its ticket back (no data)",
    "healthz": "operations health check: database, broker and heartbeat ages, no case data",
    "favicon": "the site's icon (a redirect to a static file, no data)",
    # Public on purpose: a letter's printed header by its 64-hex code, no project content
    # (tests/reviews/test_verify_letter.py proves what it shows and hides).
    "letter-verify": "public verification of a letter's code (its public header only)",
    "reviews-api:letter-verify": "public verification of a letter's code (its public header only)",
    # Public on purpose (R55): anyone reports without an account; the reporter follows the case
    # by an unguessable receipt code (status and messages meant for them only). Both are
    # rate-limited; tests/oversight/test_complaints.py proves what they show and hide.
    "oversight:complaint-report": "the public complaint form (no case data)",
    "oversight:complaint-receipt": "the reporter's page by receipt code (status, own messages)",
    "oversight-api:complaint-report": "the public complaint form in the API (no case data)",
    "oversight-api:complaint-receipt": "the reporter's receipt in the API (status, own messages)",
    "oversight:referral-verify": "public check of a referral package's code (its header only)",
}

# --- the URL patterns of the project ---------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str
    route: str
    params: frozenset[str]


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            params = frozenset(entry.pattern.regex.groupindex)
            yield Pattern(name or route, route, params)


def project_patterns() -> list[Pattern]:
    patterns = []
    for pattern in _walk(get_resolver()):
        if pattern.route.startswith(tuple(IGNORED_PREFIXES)) or pattern.key in IGNORED:
            continue
        patterns.append(pattern)
    return patterns


def test_every_url_pattern_has_an_entry() -> None:
    missing = sorted({p.key for p in project_patterns()} - set(ROUTES))
    assert not missing, (
        "These URL patterns have no entry in ROUTES of tests/test_access_matrix.py: "
        f"{missing}. Add one saying what the URL exposes and who may see it (see the module "
        "docstring), or list it in IGNORED with the reason if it exposes no case data."
    )


def test_every_entry_still_names_a_url_pattern() -> None:
    known = {p.key for p in project_patterns()}
    stale = sorted(set(ROUTES) - known)
    assert not stale, f"ROUTES of tests/test_access_matrix.py names unknown URLs: {stale}"


def test_no_conflicted_subject_may_see_anything_of_the_application() -> None:
    """The table itself: a conflict declared anywhere closes everything (R20a)."""
    assert not CONFLICTED & (MATERIALS | OPINIONS | TALLY | VOTES)
    assert not APPLICANTS & (OPINIONS | TALLY | VOTES)


# --- the world, once per module --------------------------------------------------------------

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("access-matrix-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHER),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = access_world.build()
            w.media = media
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def bare_error_pages(monkeypatch):
    """The 404 and 403 pages render the whole site layout (about 20 ms each) and show no case
    data; during the walk they are bare responses with the same status."""
    from django.conf import urls
    from django.http import HttpResponseForbidden, HttpResponseNotFound

    monkeypatch.setattr(urls, "handler404", lambda request, exception: HttpResponseNotFound())
    monkeypatch.setattr(urls, "handler403", lambda request, exception: HttpResponseForbidden())
    # Thousands of expected 4xx answers: log only the server errors.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def _isolated_media(settings, world):
    """Replaces the suite's per-test media folder: the module's world keeps its files."""
    settings.MEDIA_ROOT = world.media
    settings.PASSWORD_HASHERS = FAST_HASHER
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


# --- one request, and what it leaked ---------------------------------------------------------


def _request(client: Client, method: str, url: str) -> tuple[int, bytes, str]:
    with transaction.atomic():
        response = getattr(client, method.lower())(url)
        if getattr(response, "streaming", False):
            body = b"".join(response.streaming_content)
        else:
            body = response.content
        # No response.close() here: the test client closes it (and a FileResponse once read)
        # with close_old_connections disconnected; closing it again would drop the connection.
        transaction.set_rollback(True)
    return response.status_code, body, response.get("Content-Type", "")


def _json_keys(data: Any, wanted: str) -> Iterator[Any]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == wanted:
                yield value
            yield from _json_keys(value, wanted)
    elif isinstance(data, list):
        for value in data:
            yield from _json_keys(value, wanted)


def leaks(who: str, body: bytes, content_type: str) -> list[str]:
    """What this response hands over that `who` may not see of the world's application."""
    found = []
    marks = {
        "materials": (
            MATERIALS,
            [MATERIAL_MARK, NAME_MARK.encode(), b'data-document="', b'data-present="yes"'],
        ),
        "opinions": (OPINIONS, [OPINION_MARK.encode()]),
        "tally": (TALLY, [TALLY_MARK, DISCUSSION_MARK.encode(), b'data-count="approve']),
        "votes": (VOTES, [b'data-votes="']),
    }
    for what, (allowed, needles) in marks.items():
        if who not in allowed:
            found += [f"{what} ({needle!r})" for needle in needles if needle in body]
    if "json" in content_type:
        try:
            data = json.loads(body or b"null")
        except ValueError:
            data = None
        if who not in TALLY and any(_json_keys(data, "tally")):
            found.append("tally (a non-empty JSON tally)")
        if who not in VOTES and any(_json_keys(data, "votes")):
            found.append("votes (a non-empty JSON votes list)")
    return found


def _url(pattern: Pattern, route: Route, w: Any, who: str) -> str:
    kwargs = {k: v for k, v in route.args(w, who).items() if k in pattern.params}
    if "format" in pattern.params:
        kwargs["format"] = "json"
    missing = pattern.params - set(kwargs)
    assert not missing, f"{pattern.key}: the table gives no value for {sorted(missing)}"
    return reverse(pattern.key, kwargs=kwargs)


def _verdict(who: str, route: Route, status: int) -> str | None:
    if status >= 500:
        return f"server error {status}"
    if who == "anonymous":
        return f"{status} for an anonymous visitor" if 200 <= status < 300 else None
    if who in route.visible and status == 404:
        return "404, but the table says this subject sees it"
    if who not in route.visible and status != 404:
        return f"{status}, but the table says this subject gets 404"
    return None


@pytest.mark.django_db
def test_the_sets_restate_the_policy(world: Any) -> None:
    """MATERIALS, OPINIONS and TALLY are what reviews.policies answers in this world."""
    from ethics import policies
    from reviews.policies import (
        materials_visible_application_ids,
        may_open_materials,
        may_see_opinions,
        may_see_tally,
    )

    app = world.application
    users = {who: get(world) for who, get in SUBJECTS.items() if who != "anonymous"}
    assert {who for who, u in users.items() if may_open_materials(u, app)} == MATERIALS
    # The single check and the queryset (lists, boards) are the same rule.
    listed = {
        who for who, u in users.items() if app.pk in set(materials_visible_application_ids(u))
    }
    assert listed == MATERIALS
    own = {"member"}  # a reviewer reads their own opinion on their assignment page
    assert {who for who, u in users.items() if may_see_opinions(u, app)} | own == OPINIONS
    carriers = [world.meeting, world.decision]  # where a tally is shown
    sees_tally = {
        who
        for who, u in users.items()
        if may_see_tally(u, app) and any(policies.may(u, "view", c) for c in carriers)
    }
    assert sees_tally == TALLY


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(SUBJECTS))
def test_access_matrix(who: str, world: Any, bare_error_pages: None) -> None:
    client = Client(raise_request_exception=False)
    user = SUBJECTS[who](world)
    if user is not None:
        client.force_login(user)
    problems = []
    for pattern in project_patterns():
        route = ROUTES.get(pattern.key)
        if route is None:
            continue  # test_every_url_pattern_has_an_entry says which
        url = _url(pattern, route, world, who)
        status, body, content_type = _request(client, route.method, url)
        verdict = _verdict(who, route, status)
        if verdict:
            problems.append(f"{route.method} {url} [{pattern.key}]: {verdict}")
        for leak in leaks(who, body, content_type):
            problems.append(f"{route.method} {url} [{pattern.key}]: {status} leaks {leak}")
    assert not problems, f"{who}:\n" + "\n".join(problems)
