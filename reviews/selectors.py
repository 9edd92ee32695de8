"""Permission-scoped reads of reviews; query counts stay constant in the number of rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.utils import timezone

from committees.models import MANAGING_ROLES, Committee, Entrustment, Membership
from committees.policies import appointed_committee_ids, membership_ids
from ethics import hooks, policies, regulations
from ethics.listing import MAX_ID
from ethics.models import AuditEvent, User, display_name, name_columns
from ethics.prepared import prepared
from reviews import checklist, clocks, numbering, workflow
from reviews.models import (
    Appeal,
    Application,
    Decision,
    Document,
    DocumentVersion,
    InvitationState,
    NumberSequence,
    Opinion,
    Project,
    Recognition,
    ReReview,
    Review,
    ReviewerAssignment,
    ReviewState,
    TeamInvitation,
)
from reviews.policies import (
    access_flags_of,
    checked_access,
    get_with_access,
    managed_committee_ids,
    may_declare_conflict,
    own_project_ids_of,
    recognition_letter_filter,
    team_rows,
)


def projects_for_user(user: User) -> models.QuerySet[Project]:
    return policies.visible(
        user, Project.objects.select_related("lead", "committee", "institution")
    ).order_by("-created_at", "-id")


def project_get_for_user(user: User, pk: int) -> Project:
    return policies.get_visible_or_404(
        user,
        Project.objects.select_related("lead", "committee", "institution").prefetch_related("team"),
        pk=pk,
    )


def _application_queryset() -> models.QuerySet[Application]:
    return Application.objects.select_related("project", "committee").prefetch_related(
        Prefetch(
            "decisions",
            queryset=Decision.objects.select_related("follows").order_by("-decided_at", "-id"),
        )
    )


def applications_for_user(user: User) -> models.QuerySet[Application]:
    return policies.visible(user, _application_queryset()).order_by("-created_at", "-id")


def newest_decision_id() -> Subquery:
    """The id of an application's newest decision, as an annotation: the first of the decisions
    ``_application_queryset`` prefetches (same order), for a list that shows only that id."""
    newest = Decision.objects.filter(application_id=OuterRef("pk")).order_by("-decided_at", "-id")
    return Subquery(newest.values("pk")[:1])


def application_list_rows() -> models.QuerySet[Application]:
    """Every application in the lists' default order with its newest decision's id
    (``newest_decision``), not yet narrowed to a reader: callers scope it (issue 18: the API
    list reads it branch by branch, ``reviews.policies.visible_application_branches``)."""
    return Application.objects.annotate(newest_decision=newest_decision_id()).order_by(
        "-created_at", "-id"
    )


@prepared("rows")
def _own_project_application_rows(*, projects: tuple[int, ...]) -> models.QuerySet[Any]:
    from reviews.rows import PROJECT_APPLICATION_VALUES

    return (
        Application.objects.filter(project_id__in=projects)
        .order_by("-created_at", "-id")
        .values_list(*PROJECT_APPLICATION_VALUES)
    )


def own_project_application_rows(project_ids: Iterable[int]) -> list[tuple[Any, ...]]:
    """The applications of projects already known to be the user's own, newest first, as
    ``reviews.rows.PROJECT_APPLICATION_VALUES`` tuples (a project card's lines), read with a
    query compiled once per shape (``ethics.prepared``, issue 18)."""
    rows: list[tuple[Any, ...]] = _own_project_application_rows(
        projects=tuple(sorted(set(project_ids)))
    )
    return rows


@dataclass(frozen=True)
class InvitationRow:
    """A pending team invitation as the invitee sees it before accepting (R8): the project's
    title and its lead's name, nothing more."""

    pk: int
    title: str
    lead: str


@prepared("rows")
def _pending_invitation_rows(*, user: int) -> models.QuerySet[Any]:
    return (
        TeamInvitation.objects.filter(user_id=user, state=InvitationState.PENDING)
        .order_by("-invited_at", "-id")
        .values_list(
            "pk",
            "project__title",
            *name_columns("project__lead"),
        )[:50]
    )


def pending_invitation_rows(user: User) -> list[InvitationRow]:
    """R8: what an invitee sees of their pending invitations before accepting, the newest 50:
    the project's title and the lead's name. Read with a query compiled once
    (``ethics.prepared``, issue 18)."""
    return [
        InvitationRow(pk=pk, title=title, lead=display_name(*names))
        for pk, title, *names in _pending_invitation_rows(user=user.pk)
    ]


def application_get_for_user(user: User, pk: int) -> Application:
    """One application the user may see, or 404."""
    return policies.get_visible_or_404(user, _application_queryset(), pk=pk)


def latest_decision(application: Application) -> Decision | None:
    decisions = list(application.decisions.all())
    return decisions[0] if decisions else None


def decisions_for_user(user: User) -> models.QuerySet[Decision]:
    return policies.visible(
        user, Decision.objects.select_related("application", "committee")
    ).order_by("-decided_at", "-id")


def project_recognitions(user: User, project: Project) -> list[Recognition]:
    """The project's recognitions ``user`` may see, each with ``letter_open``: whether the user
    may open its stored letter (R31, N12), in the same query."""
    may_open: Any = (
        models.Value(True)
        if user.is_superuser
        else models.ExpressionWrapper(
            recognition_letter_filter(user), output_field=models.BooleanField()
        )
    )
    return list(
        policies.visible(user, project.recognitions.select_related("committee")).annotate(
            letter_open=may_open
        )
    )


def decision_get_for_user(user: User, pk: int) -> Decision:
    return policies.get_visible_or_404(
        user, Decision.objects.select_related("application__project"), pk=pk
    )


@dataclass(frozen=True)
class ChecklistRow:
    slot: str
    label: Any
    rule: str
    required: bool
    document: Document | None
    versions: list[DocumentVersion]

    @property
    def current(self) -> DocumentVersion | None:
        return self.versions[0] if self.versions else None


@prepared("instances")
def _document_versions(*, application: int) -> models.QuerySet[DocumentVersion]:
    """Every version of every document of ``application`` with its document, newest first
    (compiled once, ``ethics.prepared``, issue 18). The key breaks ties between documents'
    equal version numbers, so the order does not depend on the plan PostgreSQL picks."""
    return (
        DocumentVersion.objects.filter(document__application_id=application)
        .select_related("document")
        .order_by("-version", "-pk")
    )


def checklist_rows(application: Application) -> list[ChecklistRow]:
    """The checklist with every document's versions, newest first.

    One query reads the versions with their documents; a document without any version (a
    correction asked before an upload) takes a second one, skipped when the page selector
    already knows there is none.
    """
    versions: dict[str, list[DocumentVersion]] = {}
    documents: dict[str, Document] = {}
    for version in _document_versions(application=application.pk):
        documents.setdefault(version.document.slot, version.document)
        versions.setdefault(version.document.slot, []).append(version)
    if application.__dict__.get("has_bare_documents", True):
        bare = Document.objects.filter(application=application, versions__isnull=True)
        documents.update({doc.slot: doc for doc in bare})
    return [
        ChecklistRow(
            item.slot,
            item.label,
            item.rule,
            item.required,
            documents.get(item.slot),
            versions.get(item.slot, []),
        )
        for item in checklist.checklist(application.kind, application.project.scope)
    ]


def reviews_with_assignments(application: Application) -> list[Review]:
    """Rounds with assignments and opinions (officers' view; never for applicants): each round's
    assignments, oldest first, with their reviewer and opinion, as ``assignment_list``. Two
    queries compiled once (``ethics.prepared``, issue 18), as the prefetch's two were."""
    rounds: list[Review] = _rounds(application=application.pk)
    assigned: dict[int, list[ReviewerAssignment]] = {}
    for assignment in _round_assignments(application=application.pk):
        assigned.setdefault(assignment.review_id, []).append(assignment)
    for review in rounds:
        listed = assigned.get(review.pk, [])
        for assignment in listed:
            assignment.review = review
        review.__dict__["assignment_list"] = listed
    return rounds


@prepared("instances")
def _rounds(*, application: int) -> models.QuerySet[Review]:
    return Review.objects.filter(application_id=application).order_by("round")


@prepared("instances")
def _round_assignments(*, application: int) -> models.QuerySet[ReviewerAssignment]:
    return (
        ReviewerAssignment.objects.filter(review__application_id=application)
        .select_related("membership__user", "opinion")
        .order_by("id")
    )


def open_review(application: Application) -> Review | None:
    return Review.objects.filter(application=application, state=ReviewState.OPEN).first()


# What applicants see on their timeline: no assignment, conflict or opinion events (design).
APPLICANT_TIMELINE = (
    "application.create",
    "application.submit",
    "application.return",
    "application.not_accept",
    "application.accept",
    "application.extend",
    "application.withdraw",
    "application.decide",
    "document.upload",
    "document.correction_requested",
    "review.convert",
    "letter.render",
)


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One audited event as a timeline line shows it: what, when, why, on what, and who (the
    ``actor_name`` filter writes the person's name, or "System" when nobody acted)."""

    action: str
    created_at: datetime
    reason: str
    target_repr: str
    actor_label: str
    actor_display: str | None  # the acting user's display name; None when no user acted
    actor: None = None  # never an instance: the filter reads ``actor_display``


_TIMELINE_VALUES = (
    "action",
    "created_at",
    "reason",
    "target_repr",
    "actor_label",
    "actor_id",
    *name_columns("actor"),
)


def _timeline_rows(events: models.QuerySet[AuditEvent]) -> list[TimelineEvent]:
    """``events`` oldest first, as the columns a timeline line shows (issue 18: no model
    instance, no decoded before/after JSON and no user row per event)."""
    return _timeline_of(events.order_by("id").values_list(*_TIMELINE_VALUES))


def _timeline_of(rows: Iterable[tuple[Any, ...]]) -> list[TimelineEvent]:
    return [
        TimelineEvent(
            action,
            created_at,
            reason,
            target_repr,
            actor_label,
            None if actor_id is None else display_name(*names),
        )
        for action, created_at, reason, target_repr, actor_label, actor_id, *names in rows
    ]


def timeline(application: Application, *, officer: bool) -> list[TimelineEvent]:
    """The application's audited history; applicants do not see who did what on the committee.
    Read with a query compiled once per shape (``ethics.prepared``, issue 18)."""
    return _timeline_of(
        _application_events(
            target_type=ContentType.objects.get_for_model(Application).pk,
            target=application.pk,
            officer=officer,
        )
    )


@prepared("rows")
def _application_events(*, target_type: int, target: int, officer: bool) -> Any:
    """The audit log's events on one application (its id as the log's text ``target_id``),
    oldest first; an applicant's (``officer`` false) only those of APPLICANT_PROJECT_EVENTS."""
    events = AuditEvent.objects.filter(target_type_id=target_type, target_id=str(target))
    if not officer:
        events = events.filter(action__in=APPLICANT_PROJECT_EVENTS)
    return events.order_by("id").values_list(*_TIMELINE_VALUES)


def assignments_for_user(user: User) -> models.QuerySet[ReviewerAssignment]:
    """The user's reviewer assignments under all their appointments, ended ones included,
    newest first ("my reviews", its API and the reviewer panel).

    Filtered on the membership ids read first (one short query, memoised per request), not
    joined on the membership's user: PostgreSQL then reads a member's newest assignments in
    order from ``assignment_member_recent_idx`` and stops at the page, instead of joining and
    sorting all of them (issue 18)."""
    return _assignments_of(tuple(membership_ids(user)))


def _assignments_of(memberships: tuple[int, ...]) -> models.QuerySet[ReviewerAssignment]:
    return (
        ReviewerAssignment.objects.filter(membership_id__in=memberships)
        .select_related("review__application__project", "opinion")
        .order_by("-assigned_at", "-id")
    )


LIST_PER_PAGE = 25  # "my reviews" and "my projects" (ethics.listing.filtered_page's default)


def first_review_rows(user: User) -> list[tuple[Any, ...]]:
    """ "My reviews" as it opens (no filter, the default order), as ``reviews.rows.REVIEW_VALUES``
    tuples: ``assignments_for_user``'s first page read with a query compiled once per shape
    (ethics.prepared, issue 18); ``filtered_page``'s ``landing``."""
    rows: list[tuple[Any, ...]] = _first_review_rows(
        memberships=tuple(sorted(set(membership_ids(user))))
    )
    return rows


@prepared("rows")
def _first_review_rows(*, memberships: tuple[int, ...]) -> models.QuerySet[Any]:
    from reviews.rows import REVIEW_VALUES

    rows = _assignments_of(memberships).select_related(None).values_list(*REVIEW_VALUES)
    return rows[:LIST_PER_PAGE]


def my_project_rows(user_id: int) -> models.QuerySet[Project]:
    """The researcher's own projects, newest first, with only the columns a card shows
    (reviews.rows.project_rows)."""
    return (
        Project.objects.filter(pk__in=own_project_ids_of(user_id))
        .select_related("committee")
        .only("title", "status", "listed_item", "committee__name")
        .order_by("-created_at", "-id")
    )


def first_project_rows(user: User) -> list[Project]:
    """ "My projects" as it opens (no filter, the default order): ``my_project_rows``' first page
    read with a query compiled once per shape (ethics.prepared, issue 18)."""
    rows: list[Project] = _first_project_rows(user=user.pk)
    return rows


@prepared("instances")
def _first_project_rows(*, user: int) -> models.QuerySet[Project]:
    return my_project_rows(user)[:LIST_PER_PAGE]


def assignment_get_for_user(user: User, pk: int) -> ReviewerAssignment:
    return policies.get_visible_or_404(
        user,
        ReviewerAssignment.objects.select_related(
            "review__application__project", "membership__user", "opinion"
        ),
        pk=pk,
    )


def opinions_for_user(user: User) -> models.QuerySet[Opinion]:
    return policies.visible(user, Opinion.objects.all())


def due_soon_window() -> timedelta:
    """The first reminder stage is what the product calls "due soon"."""
    return hooks.DEFAULT_STAGES.lead


def intake_queue(user: User) -> models.QuerySet[Application]:
    """Submitted and open applications of the committees the user runs (secretary's queue)."""
    qs = Application.objects.exclude(submitted_at=None)
    # The committees from the request's one read of the user's appointments, as a list of ids:
    # no membership subquery built, compiled and planned again (issue 18).
    committees = queue_committee_ids(user)
    if committees is not None:
        qs = qs.filter(committee_id__in=committees)
    return qs


def application_overdue(now: datetime | None = None) -> Q:
    """An application whose decision clock (R25, R48) has passed: under review and ``due_at``
    reached (``ethics.deadlines.is_overdue``: late from ``now >= due_at``)."""
    return Q(status=workflow.Status.UNDER_REVIEW, due_at__lte=now or timezone.now())


def application_due_soon(now: datetime | None = None, soon: datetime | None = None) -> Q:
    """Under review, the decision clock still running and ending within the first reminder stage
    (``soon``: ``now + due_soon_window()``)."""
    now = now or timezone.now()
    soon = soon or now + due_soon_window()
    return Q(status=workflow.Status.UNDER_REVIEW, due_at__gt=now, due_at__lte=soon)


def _intake_buckets(now: datetime | None = None, soon: datetime | None = None) -> dict[str, Q]:
    """The intake page's buckets, each a condition on an open application."""
    return {
        "new": Q(status=workflow.Status.SUBMITTED),
        "returned": Q(status=workflow.Status.RETURNED),
        "under_review": Q(status=workflow.Status.UNDER_REVIEW),
        "due_soon": application_due_soon(now, soon),
        "overdue": application_overdue(now),
    }


@prepared("one")
def _intake_counts(
    *, committees: tuple[int, ...] | None, now: datetime, soon: datetime
) -> dict[str, int]:
    # Every bucket is an open status, so the queue index serves the count (not the history);
    # "open" is the default bucket's size (the page's total, intake_bucket_total).
    queue = Application.objects.exclude(submitted_at=None)
    if committees is not None:
        queue = queue.filter(committee_id__in=committees)
    return queue.filter(status__in=workflow.INTAKE_STATUSES).aggregate(
        open=Count("pk"),
        **{
            name: Count("pk", filter=condition)
            for name, condition in _intake_buckets(now, soon).items()
        },
    )


def queue_committee_ids(user: User) -> tuple[int, ...] | None:
    """The committees whose queue the user runs (``intake_queue``), from the request's one read
    of their appointments; None for a superuser, who runs every committee's."""
    if user.is_superuser:
        return None
    return appointed_committee_ids(user, MANAGING_ROLES)


def intake_counts(user: User) -> dict[str, int]:
    """The intake buckets' sizes: each equals the length of ``intake?bucket=<name>``. The query
    is compiled once per shape (``ethics.prepared``, issue 18)."""
    now = timezone.now()
    counts: dict[str, int] = _intake_counts(
        committees=queue_committee_ids(user), now=now, soon=now + due_soon_window()
    )
    return counts


def intake_bucket_total(counts: dict[str, int], filters: dict[str, Any]) -> int | None:
    """The intake page's row count read from ``intake_counts`` when the page narrows by its
    bucket alone (issue 18: the page counts once); None when another filter narrows it."""
    bucket = filters.get("bucket") or "open"
    if bucket not in counts or any(
        value not in (None, "", [])
        for name, value in filters.items()
        if name not in {"bucket", "o"}
    ):
        return None
    return counts[bucket]


def intake_filter(queue: models.QuerySet[Application], bucket: str) -> models.QuerySet[Application]:
    if bucket in {"new", "returned", "under_review", "due_soon", "overdue"}:
        return queue.filter(_intake_buckets()[bucket])
    return queue.filter(status__in=workflow.INTAKE_STATUSES)


def needs_from_applicant(user: User) -> models.QuerySet[Application]:
    """Drafts, returns and correction requests of the user's projects (researcher dashboard)."""
    return _needs_from_applicant_of(user.pk)


def _needs_from_applicant_of(user_id: int) -> models.QuerySet[Application]:
    from reviews.policies import own_project_ids_of

    # A correction request as an EXISTS, not a join to the documents made DISTINCT again
    # (issue 18): the same rows, without sorting the joined rows for DISTINCT.
    corrections = Document.objects.filter(application=OuterRef("pk"), correction_requested=True)
    return (
        Application.objects.filter(project_id__in=own_project_ids_of(user_id))
        .filter(
            Q(status__in=workflow.EDITABLE)
            | Q(Exists(corrections), status__in=workflow.OPEN_STATUSES)
        )
        .select_related("project")
        .order_by("-updated_at", "-id")
    )


NEEDS_SHOWN = 10  # the researcher panel's rows


@prepared("rows")
def _needs_rows(*, user: int) -> models.QuerySet[Any]:
    return (
        _needs_from_applicant_of(user)
        .select_related(None)
        .values_list("pk", "ref", "project_id", "project__title", "status")[:NEEDS_SHOWN]
    )


def needs_from_applicant_rows(user: User) -> list[tuple[Any, ...]]:
    """The newest ``NEEDS_SHOWN`` of ``needs_from_applicant(user)`` as (id, ref, project id,
    project title, status) rows: the researcher panel on every dashboard, read with a query
    compiled once (``ethics.prepared``, issue 18)."""
    rows: list[tuple[Any, ...]] = _needs_rows(user=user.pk)
    return rows


ASSIGNMENTS_SHOWN = 20  # the reviewer panel's rows


@prepared("rows")
def _open_assignment_rows(*, memberships: tuple[int, ...]) -> models.QuerySet[Any]:
    return (
        ReviewerAssignment.objects.filter(
            membership_id__in=memberships, review__state=ReviewState.OPEN
        )
        .order_by("-assigned_at", "-id")
        .values_list(
            "pk",
            "review__application__ref",
            "review__application__project__title",
            "review__due_at",
        )[:ASSIGNMENTS_SHOWN]
    )


def open_assignment_rows(user: User) -> list[tuple[Any, ...]]:
    """The newest ``ASSIGNMENTS_SHOWN`` of the user's assignments whose review is open
    (``assignments_for_user`` filtered) as (id, application ref, project title, review due)
    rows: the reviewer panel, read with a query compiled once per shape (``ethics.prepared``,
    issue 18)."""
    rows: list[tuple[Any, ...]] = _open_assignment_rows(
        memberships=tuple(sorted(membership_ids(user)))
    )
    return rows


def projects_needing_applicant(user: User) -> models.QuerySet[Project]:
    """The user's projects with an application waiting for them (``needs_from_applicant``): the
    researcher's dashboard count and "my projects" filtered by ``needs=true``."""
    return Project.objects.filter(pk__in=needs_from_applicant(user).order_by().values("project_id"))


# --- after the first decision: follow-up queue and the project's whole life ---------------------


def _follow_up_deadlines(user: User) -> models.QuerySet[Any]:
    from ethics.models import Deadline

    qs = Deadline.objects.active().filter(
        kind__in=[clocks.TRACKING_REVIEW, clocks.REREVIEW_OPINION]
    )
    if not user.is_superuser:
        qs = qs.filter(committee_id__in=managed_committee_ids(user))
    return qs


def follow_up_condition(bucket: str, now: datetime | None = None) -> Q:
    """One bucket of the follow-up queue (the counts and ``follow-up?bucket=`` both use it)."""
    now = now or timezone.now()
    if bucket == "rereview":
        return Q(kind=clocks.REREVIEW_OPINION)
    tracking = Q(kind=clocks.TRACKING_REVIEW)
    if bucket == "tracking":  # overdue: ethics.models.overdue_condition on an active clock
        return tracking & Q(due_at__lte=now)
    if bucket == "tracking_soon":
        return tracking & Q(due_at__gt=now, due_at__lte=now + due_soon_window())
    return tracking


def follow_up_counts(user: User, *, shared_read: bool = True) -> dict[str, int]:
    """Overdue tracking reviews (R28) and re-review opinions still awaited (R43)."""
    now = timezone.now()
    if shared_read and not user.is_superuser:
        # The dashboard's committees panel reads the same committees' active clocks: count from
        # that one read when it holds them all (issue 18), else aggregate below.
        from committees.policies import current_roles
        from ethics.selectors import ACTIVE_DEADLINES_READ, active_deadlines_of

        managed = [c for c, roles in current_roles(user).items() if roles & set(MANAGING_ROLES)]
        rows = active_deadlines_of(user, managed)
        if len(rows) < ACTIVE_DEADLINES_READ:
            soon = now + due_soon_window()
            tracking = [r for r in rows if r.kind == clocks.TRACKING_REVIEW]
            return {
                "tracking_overdue": sum(1 for r in tracking if r.due_at <= now),
                "tracking_due_soon": sum(1 for r in tracking if now < r.due_at <= soon),
                "rereview_pending": sum(1 for r in rows if r.kind == clocks.REREVIEW_OPINION),
            }
    return _follow_up_deadlines(user).aggregate(
        tracking_overdue=Count("pk", filter=follow_up_condition("tracking", now)),
        tracking_due_soon=Count("pk", filter=follow_up_condition("tracking_soon", now)),
        rereview_pending=Count("pk", filter=follow_up_condition("rereview", now)),
    )


def follow_up_deadlines(user: User) -> models.QuerySet[Any]:
    """The follow-up queue's clocks (filtered by reviews.filters.FollowUpFilterSet)."""
    return _follow_up_deadlines(user).order_by("due_at", "id")


def follow_up_subjects(rows: list[Any]) -> list[tuple[Any, Any]]:
    """(deadline, project or re-review) for one page of follow-up clocks: two queries."""
    rereviews = ReReview.objects.select_related("application__project").in_bulk(
        [d.subject_id for d in rows if d.kind == clocks.REREVIEW_OPINION]
    )
    projects = Project.objects.select_related("lead").in_bulk(
        [d.subject_id for d in rows if d.kind == clocks.TRACKING_REVIEW]
    )
    return [
        (d, (rereviews if d.kind == clocks.REREVIEW_OPINION else projects).get(d.subject_id))
        for d in rows
    ]


# What applicants see of a project's life: no reviewer, conflict or opinion events (design).
APPLICANT_PROJECT_EVENTS = (
    *APPLICANT_TIMELINE,
    "application.resubmit",
    "application.acknowledge",
    "application.appeal",
    "application.approve",
    "modifications.submit",
    "modifications.return",
    "modifications.confirm",
    "rereview.start",
    "rereview.submit",
    "rereview.record",
    "appeal.upheld",
    "appeal.rejected",
    "project.create",
    "project.update",
    "project.prescreen",
    "project.approve",
    "project.start",
    "project.suspend",
    "project.resume",
    "project.terminate",
    "project.complete",
    "project.retention",
    "project.participants",
    "amendment.effective",
    "recognition.record",
)


def project_timeline(project: Project, *, officer: bool) -> list[TimelineEvent]:
    """Every audited event of the project and of its applications, oldest first (one query)."""
    application_ids = [str(pk) for pk in project.applications.values_list("pk", flat=True)]
    events = AuditEvent.objects.filter(
        Q(
            target_type=ContentType.objects.get_for_model(Project),
            target_id=str(project.pk),
        )
        | Q(
            target_type=ContentType.objects.get_for_model(Application),
            target_id__in=application_ids,
        )
    )
    if not officer:
        events = events.filter(action__in=APPLICANT_PROJECT_EVENTS)
    return _timeline_rows(events)


def project_clocks(project: Project) -> list[Any]:
    """Every clock of the project: decisions, re-review, tracking and registration (users.md #7)."""
    from ethics.models import Deadline

    reviews_ct = ContentType.objects.get_for_model(Review)
    rereview_ct = ContentType.objects.get_for_model(ReReview)
    project_ct = ContentType.objects.get_for_model(Project)
    return list(
        Deadline.objects.filter(
            Q(subject_type=project_ct, subject_id=project.pk)
            | Q(
                subject_type=reviews_ct,
                subject_id__in=Review.objects.filter(application__project=project).values("pk"),
            )
            | Q(
                subject_type=rereview_ct,
                subject_id__in=ReReview.objects.filter(application__project=project).values("pk"),
            )
        ).order_by("-opened_at", "-id")
    )


def project_decisions(project: Project) -> list[Decision]:
    return list(
        Decision.objects.filter(application__project=project)
        .select_related("application")
        .order_by("decided_at", "id")
    )


def project_rereviews(project: Project) -> list[ReReview]:
    return list(
        ReReview.objects.filter(application__project=project)
        .select_related("application", "preliminary_decision", "final_decision")
        .order_by("id")
    )


# --- what the action forms and predicates read (reviews/actions.py) -----------------------------


def application_page_for_user(user: User, pk: int) -> Application:
    """One application the user may see, or 404, with what its pages ask about the viewer.

    The reader's access flags (``policies.get_with_access``: may see, may open the materials,
    without compiling the visibility unions); ``viewer_in_team`` and ``viewer_reviews`` (read
    with them) answer the two questions ``reviews.actions.roles`` would otherwise ask the
    database for every page (R20a roles); ``has_bare_documents`` spares ``checklist_rows`` its
    second query in the usual case; ``has_correction_requested`` tells the upload form whether
    it may show while under review.

    The row is read with a query compiled once (``ethics.prepared``, "instances", issue 18)
    when ``pk`` is a plain id, and so are its decisions (``application.decisions.all()``, the
    ORM's prefetch of them otherwise), once the reader may see it; anything else goes through
    the ORM (and its 404).
    """
    if not getattr(user, "is_authenticated", False):
        raise Http404
    if type(pk) is int and 0 < pk <= MAX_ID:
        rows = _application_page_rows(pk=pk, viewer=user.pk)
        if not rows:
            raise Http404
        application = checked_access(user, rows[0])
        _attach_decisions(application)
        return application
    return get_with_access(user, _application_page_queryset(), pk)


def _attach_decisions(application: Application) -> None:
    """``application.decisions.all()`` read as ``_application_queryset``'s prefetch reads it
    (the same rows, order and ``follows``), with a query compiled once: what
    ``prefetch_related_objects`` leaves on an instance, the related manager's queryset holding
    the rows, each row's ``application`` the instance itself."""
    decisions = _application_decisions(application=application.pk)
    to_application = Decision._meta.get_field("application")
    for decision in decisions:
        to_application.set_cached_value(decision, application)
    cached = application.decisions.get_queryset()  # no query: the relation's filter
    cached._result_cache = decisions
    cached._prefetch_done = True  # type: ignore[attr-defined]  # not in the stubs
    application.__dict__.setdefault("_prefetched_objects_cache", {})["decisions"] = cached


@prepared("instances")
def _application_decisions(*, application: int) -> models.QuerySet[Decision]:
    return (
        Decision.objects.select_related("follows")
        .filter(application_id=application)
        .order_by("-decided_at", "-id")
    )


def _application_page_queryset() -> models.QuerySet[Application]:
    return _application_queryset().annotate(
        has_bare_documents=Exists(
            Document.objects.filter(application_id=OuterRef("pk"), versions__isnull=True)
        ),
        has_correction_requested=Exists(
            Document.objects.filter(application_id=OuterRef("pk"), correction_requested=True)
        ),
    )


@prepared("instances")
def _application_page_rows(*, pk: int, viewer: int) -> models.QuerySet[Application]:
    """``application_page_for_user``'s row: at most one application (``get``'s query without
    its ordering, its limit of two rows is enough to tell one from none)."""
    return (
        _application_page_queryset()
        .prefetch_related(None)  # the decisions: _attach_decisions, once the reader may see it
        .annotate(**access_flags_of(viewer))
        .filter(pk=pk)
        .order_by()[:2]
    )


def _viewer_flag(user: User, application: Application, name: str) -> bool | None:
    """An annotation of application_page_for_user, if it loaded the application for `user`."""
    flags = application.__dict__
    if flags.get("viewer_id") != user.pk or name not in flags:
        return None
    return bool(flags[name])


def _open_assignments(user: User, application_id: Any) -> models.QuerySet[ReviewerAssignment]:
    return ReviewerAssignment.objects.filter(
        review__application_id=application_id,
        review__state=ReviewState.OPEN,
        membership__user_id=user.pk,
        membership__ended_on=None,
    )


def correction_slots(application: Application) -> list[str]:
    """The slots whose correction the secretary asked for (uploadable while under review); no
    query when the page selector already knows there is none."""
    if application.__dict__.get("has_correction_requested", True) is False:
        return []
    return list(
        Document.objects.filter(application=application, correction_requested=True)
        .order_by("id")
        .values_list("slot", flat=True)
    )


def in_team(user: User, application: Application) -> bool:
    """Whether the user is on the project's team (the lead is not a team row)."""
    flag = _viewer_flag(user, application, "viewer_in_team")
    return team_rows(user, application.project_id).exists() if flag is None else flag


def reviews_now(user: User, application: Application) -> bool:
    """Whether the user is a reviewer of the application's open round."""
    flag = _viewer_flag(user, application, "viewer_reviews")
    return _open_assignments(user, application.pk).exists() if flag is None else flag


def appeals_against(application: Application) -> list[Appeal]:
    """The appeals against the application's decisions (R27), read once per loaded application
    (the page lists them and the appeal button asks whether one is pending)."""
    appeals: list[Appeal] | None = application.__dict__.get("_appeals_against")
    if appeals is None:
        appeals = list(
            Appeal.objects.filter(original_decision__application=application)
            .select_related("application")
            .order_by("id")
        )
        application.__dict__["_appeals_against"] = appeals
    return appeals


def application_for_conflicts(user: User, pk: int) -> Application:
    """An application the user may declare a conflict on (R20a), or 404: one they may see, or
    one of a committee they sit on, whatever procedure or meeting comes next."""
    application = Application.objects.select_related("project").filter(pk=pk).first()
    if application is None or not may_declare_conflict(user, application, user.pk):
        raise Http404
    return application


def open_assignment(user: User, application: Application) -> ReviewerAssignment | None:
    """The user's assignment in the application's open review round, if any."""
    return _open_assignments(user, application.pk).first()


def reviewer_candidates(application: Application) -> models.QuerySet[Membership]:
    """Current voting members of the application's committee, whom the officers may assign."""
    return _candidates(application.committee_id, timezone.localdate()).select_related("user")


def reviewer_candidate_rows(application: Application) -> list[tuple[Any, ...]]:
    """``reviewer_candidates`` as rows for the assign form's options (issue 18): (membership id,
    name, first name, last name, username, role, expertise), one query compiled once per shape."""
    rows: list[tuple[Any, ...]] = _candidate_rows(
        committee=application.committee_id, on=timezone.localdate()
    )
    return rows


def _candidates(committee_id: int, on: date) -> models.QuerySet[Membership]:
    return (
        Membership.objects.in_term(on=on)
        .voting()
        .filter(committee_id=committee_id)
        .order_by("role", "id")
    )


@prepared("rows")
def _candidate_rows(*, committee: int, on: date) -> models.QuerySet[Any]:
    return _candidates(committee, on).values_list("pk", *name_columns("user"), "role", "expertise")


def reviewable_committees(user: User) -> models.QuerySet[Committee]:
    """R17: the user's own institution's committees and those holding an active entrustment."""
    if user.institution_id is None:
        return Committee.objects.none()
    entrusted = Entrustment.objects.active(on=timezone.localdate()).filter(
        entrusting_institution_id=user.institution_id
    )
    return Committee.objects.filter(
        Q(institution_id=user.institution_id) | Q(pk__in=entrusted.values("receiving_committee_id"))
    ).order_by("name")


def known_committees(user: User) -> models.QuerySet[Committee]:
    """The committees a person may name in an input: those they may see and those that may
    review their projects (R17). Any other id answers as one that does not exist."""
    if not user.is_authenticated:
        return Committee.objects.none()
    return _known_committees_of(**_known_committee_args(user))


def known_committee_choices(user: User) -> list[tuple[int, str]]:
    """(id, name) of ``known_committees(user)`` by name: a list filter's committee options,
    read with a query compiled once per shape (``ethics.prepared``, issue 18)."""
    if not user.is_authenticated:
        return []
    return cast(list[tuple[int, str]], _known_committee_rows(**_known_committee_args(user)))


def _known_committee_args(user: User) -> dict[str, Any]:
    # The union of committees_for_user and reviewable_committees as one condition over the
    # committee table, not two nested committee subqueries (issue 18: a list filter's choices
    # on every page; tests/reviews/test_known_committees.py checks it is the same set).
    # The committees the user sits on come from the request's one read of their appointments
    # (committees.policies.current_appointments, which the menu has read already), not from a
    # membership subquery built and compiled again (issue 18: a list filter's choices).
    # An institution admin's committees (visible_committee_filter's other half) are their
    # institution's, which the condition names for everyone with an institution.
    if user.is_superuser:  # sees every committee (committees_for_user)
        return {"every": True}
    sits_on = appointed_committee_ids(user)
    if user.institution_id is None:
        return {"sits_on": sits_on}
    return {"sits_on": sits_on, "institution": user.institution_id, "today": timezone.localdate()}


def _known_committees_of(
    *,
    every: bool = False,
    sits_on: tuple[int, ...] = (),
    institution: int | None = None,
    today: date | None = None,
) -> models.QuerySet[Committee]:
    if every:
        return Committee.objects.all()
    condition = Q(pk__in=sits_on)
    if institution is not None:
        entrusted = Entrustment.objects.active(on=today or timezone.localdate()).filter(
            entrusting_institution_id=institution
        )
        condition |= Q(institution_id=institution) | Q(
            pk__in=entrusted.values("receiving_committee_id")
        )
    return Committee.objects.filter(condition)


@prepared("rows")
def _known_committee_rows(**args: Any) -> models.QuerySet[Any]:
    return _known_committees_of(**args).order_by("name", "pk").values_list("pk", "name")


def colleagues(user: User) -> models.QuerySet[User]:
    """Active users of the user's institution, whom a project lead may add to the team."""
    if user.institution_id is None:
        return User.objects.none()
    return (
        User.objects.filter(institution_id=user.institution_id, is_active=True)
        .exclude(pk=user.pk)
        .order_by("name", "username")
    )


def managed_committees(user: User) -> models.QuerySet[Committee]:
    """The committees whose secretary, chair or vice-chair the user is."""
    return Committee.objects.filter(pk__in=managed_committee_ids(user)).order_by("name")


# --- team invitations (R8) ----------------------------------------------------------------------


def invitations_for_user(user: User) -> models.QuerySet[TeamInvitation]:
    """The user's own invitations (a superuser: all), with the project's title and lead only."""
    return policies.visible(
        user, TeamInvitation.objects.select_related("project", "project__lead", "user")
    ).order_by("-invited_at", "-id")


def invitation_get_for_user(user: User, pk: int) -> TeamInvitation:
    """One invitation of the user's own, or 404."""
    return policies.get_visible_or_404(
        user, TeamInvitation.objects.select_related("project", "project__lead"), pk=pk
    )


def team_change_people(application: Application) -> dict[str, list[User]]:
    """An amendment's proposed team change as people (R20a), for the committee that approves
    it: {"add": [...], "remove": [...]}; no query when it proposes none."""
    change = application.team_change or {}
    ids = [int(pk) for key in ("add", "remove") for pk in change.get(key, [])]
    if not ids:
        return {}
    people = User.objects.in_bulk(ids)
    return {
        key: [people[int(pk)] for pk in change.get(key, []) if int(pk) in people]
        for key in ("add", "remove")
    }


def invite_candidates(user: User, project: Project) -> list[User]:
    """In one query, for the lead's invite form: the active colleagues, and whoever has an open
    invitation to `project` (``invited``, with its ``invited_role``), of any institution."""
    pending = TeamInvitation.objects.filter(
        project_id=project.pk, state=InvitationState.PENDING, user_id=OuterRef("pk")
    )
    colleague = Q(institution_id=user.institution_id, is_active=True)
    if user.institution_id is None:
        colleague = Q(pk__in=[])
    return list(
        User.objects.annotate(
            invited=Exists(pending), invited_role=Subquery(pending.values("role")[:1])
        )
        .filter(colleague | Q(invited=True))
        .exclude(pk=user.pk)
        .exclude(
            pk__in=project.team.through.objects.filter(project_id=project.pk).values("user_id")
        )
        .order_by("name", "username")
    )


def next_decision_number(committee_id: int) -> str:
    """The decision number the committee's next decision takes now (a confirmation page says it;
    the decision service takes it under the counter's lock, so a decision issued meanwhile
    takes it first)."""
    year = timezone.localtime(timezone.now()).year
    last = (
        NumberSequence.objects.filter(
            committee_id=committee_id, year=year, kind=NumberSequence.Kind.DECISION
        )
        .values_list("last", flat=True)
        .first()
    )
    return numbering.decision_number(committee_id, year, (last or 0) + 1)


def rereview_authority_codes(application: Application) -> list[str]:
    """B12: the codes (`ethics.models.Authority`) of the authorities the rule set names for the
    activity's field (its annex item's field, else the committee's fields of work)."""
    item = application.project.listed_item
    if item is not None and item in regulations.ANNEX_ITEM_FIELDS:
        fields = [regulations.ANNEX_ITEM_FIELDS[item]]
    else:
        fields = list(application.committee.fields_of_work or [])
    codes: list[str] = []
    for code in fields:
        for authority in regulations.rereview_authorities_for(code, application.rules):
            if authority not in codes:
                codes.append(authority)
    return codes


def rereview_authority_choices(application: Application) -> list[tuple[str, str]]:
    """(code, name) of the authorities organising the re-review of the activity's field (B12)."""
    from ethics.models import Authority

    labels = dict(Authority.choices)
    return [(code, str(labels.get(code, code))) for code in rereview_authority_codes(application)]


def rereview_authorities(application: Application) -> list[str]:
    """B12: the authorities the rule set names for the activity's field, by name, for where the
    re-review is organised."""
    return [name for _code, name in rereview_authority_choices(application)]
