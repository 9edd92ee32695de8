"""HTML pages of reviews: reads through the selectors; every state change goes through the action
tables of reviews/actions.py (one POST view per table, or a form page for a create)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import MANAGING_ROLES
from committees.policies import current_roles
from ethics import policies
from ethics.actions import form_page, page_view
from ethics.actions import report as report_error
from ethics.errors import Conflict
from ethics.files import file_response, preview_context, previewable
from ethics.listing import filtered_page
from reviews import actions, checklist, selectors, services, workflow
from reviews.filters import (
    ApplicationFilterSet,
    AssignmentFilterSet,
    FollowUpFilterSet,
    ProjectFilterSet,
)
from reviews.hooks import is_officer
from reviews.models import Appeal, Recognition, ReReview
from reviews.policies import may_open_materials, may_see_tally
from reviews.rows import (
    INTAKE_VALUES,
    REVIEW_VALUES,
    checklist_rows_html,
    intake_rows_html,
    intake_rows_of_values,
    project_cards_html,
    project_rows,
    review_rows_html,
)

# --- researcher ------------------------------------------------------------------------------


@login_required
def my_projects(request: HttpRequest) -> HttpResponse:
    # Only the columns a card shows are read (reviews.rows.project_rows; issue 18).
    user = request.user
    listing = filtered_page(
        request,
        ProjectFilterSet,
        selectors.my_project_rows(user.pk),
        per_page=selectors.LIST_PER_PAGE,
        landing=lambda: selectors.first_project_rows(user),
    )
    # The page holds only the user's own projects, so their applications need no further filter.
    page = list(listing.page)
    applications = selectors.own_project_application_rows(p.pk for p in page)
    rows = project_rows(page, applications)
    # R8: pending invitations show the project's title and the lead's name only.
    invitations = selectors.pending_invitation_rows(request.user)
    return render(
        request,
        "reviews/my_projects.html",
        {
            **listing.as_context(),
            "rows": rows,
            "cards": project_cards_html(rows),
            "invitations": invitations,
        },
    )


# An invitee accepts or declines a team invitation (R8, R20a); back to their project list.
invitation_action = page_view(
    actions.INVITATIONS, back=lambda _invitation: reverse("reviews:my-projects")
)


def _project_url(project: Any) -> str:
    return reverse("reviews:project-detail", args=[project.pk])


def _application_url(application: Any) -> str:
    return reverse("reviews:application-detail", args=[application.pk])


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        actions.PROJECTS,
        "create",
        render_page=lambda form: render(request, "reviews/project_form.html", {"form": form}),
        success=lambda _call, project: _project_url(project),
    )


# prescreen / start (and, without a page of their own, update and participants).
project_action = page_view(actions.PROJECTS, back=_project_url)


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole life of a project: applications, decisions, letters, re-reviews, clocks and
    status changes on one timeline (users.md #1, #7)."""
    user = request.user
    project = selectors.project_get_for_user(user, pk)
    applications = selectors.applications_for_user(user).filter(project=project)
    officer = user.is_superuser or bool(
        current_roles(user).get(project.committee_id, frozenset()) & set(MANAGING_ROLES)
    )
    offered = {a.name for a in actions.PROJECTS.available(user, project)}
    may_apply = policies.may(user, "apply", project)
    # R8 / R20a: until the first submission the lead sees the open invitations and invites.
    # The applications' list (the lead sees them all) answers "frozen"; one query gives the
    # people to offer and those invited.
    listed = list(applications.prefetch_related(None))
    invite_form, invited = None, []
    if project.lead_id == user.pk and not (
        project.status != workflow.ProjectStatus.PLANNED or any(a.submitted_at for a in listed)
    ):
        people = selectors.invite_candidates(user, project)
        invited = [p for p in people if p.invited]
        invite_form = actions.PROJECTS.get("invite").make_form(user, project)
        if invite_form is not None:
            invite_form.fields["user"].widget.choices = [("", "---------")] + [
                (p.pk, f"{p.display_name} ({p.email})" if p.email else p.display_name)
                for p in people
                if not p.invited
            ]
    recognitions = selectors.project_recognitions(user, project)
    return render(
        request,
        "reviews/project_detail.html",
        {
            "project": project,
            "applications": listed,
            "prescreen_form": (
                actions.PROJECTS.get("prescreen").make_form(user, project)
                if "prescreen" in offered
                else None
            ),
            "may_start": "start" in offered,
            "application_form": (
                actions.APPLICATIONS.get("create").make_form(
                    user, None, initial={"project": project.pk}
                )
                if may_apply
                else None
            ),
            "officer": officer,
            "decisions": selectors.project_decisions(project),
            "rereviews": selectors.project_rereviews(project),
            "clocks": selectors.project_clocks(project),
            "timeline": selectors.project_timeline(project, officer=officer),
            "recognitions": recognitions,
            "participants": list(project.participating_institutions.all()),
            "invitations": invited,
            "invite_form": invite_form,
        },
    )


# --- the application page --------------------------------------------------------------------

# Every state change of an application, from its page and the assignment page (declare, opinion).
application_action = page_view(actions.APPLICATIONS, back=_application_url)

# A new application from the project page: on success, its own page.
application_create = page_view(
    actions.APPLICATIONS,
    back=lambda _target: reverse("reviews:my-projects"),
    success=lambda _call, application: _application_url(application),
)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    application = selectors.application_page_for_user(user, pk)
    roles = actions.roles(user, application)
    # R20a: an officer who leads the project, is on its team or declared a conflict sees the
    # application as a researcher does (no opinions, reviewers or who did what).
    officer = bool({workflow.SECRETARY, workflow.CHAIR} & roles) and may_see_tally(
        user, application
    )
    # may_see_opinions is exactly that: an officer of the committee with may_see_tally.
    show_opinions = officer
    offered = {
        entry.name: entry.make_form(user, application, auto_id=f"{entry.name}-%s")
        for entry in actions.APPLICATIONS.available(user, application)
    }
    rounds = selectors.reviews_with_assignments(application) if show_opinions else []
    review = next((r for r in rounds if r.state == "open"), None)
    if review is None and application.due_at and not rounds:
        review = selectors.open_review(application)  # the clock's rule next to the due date
    decisions = list(application.decisions.all())
    latest = decisions[0] if decisions else None
    materials_open = may_open_materials(user, application)
    appealable = (
        latest is not None
        and services.is_adverse(latest)
        and application.kind != workflow.Kind.APPEAL
        and application.status == workflow.Status.DECIDED
    )
    return render(
        request,
        "reviews/application_detail.html",
        {
            "application": application,
            "project": application.project,
            "officer": officer,
            # The documents table's rows, written in Python (issue 18); none for a reader who
            # may not open the materials (the closed-materials line instead).
            "checklist_html": checklist_rows_html(selectors.checklist_rows(application))
            if materials_open
            else "",
            "materials_open": materials_open,
            "upload_form": offered.pop("upload", None),
            "correction_form": offered.pop("request_correction", None),
            "actions": [(actions.APPLICATIONS.get(name), form) for name, form in offered.items()],
            "timeline": selectors.timeline(application, officer=officer),
            "decisions": decisions,
            # R27: the last day to appeal the latest decision, when it is adverse.
            "appeal_until": services.appeal_last_day(latest) if latest and appealable else None,
            "missing_labels": _labels(application.missing_items),
            "team_change": selectors.team_change_people(application),  # R20a: an amendment's
            "reviews": rounds,
            "review": review,
            "rereviews": (
                list(application.rereviews.select_related("preliminary_decision"))
                if application.status == workflow.Status.AWAITING_REREVIEW
                or any(d.stage != "review" for d in decisions)
                else []
            ),
            # B12: who organises the re-review of the activity's field (rule-set data).
            "rereview_authorities": (
                selectors.rereview_authorities(application)
                if officer and application.status == workflow.Status.AWAITING_REREVIEW
                else []
            ),
            "appeal": (
                Appeal.objects.filter(application=application)
                .select_related("original_decision")
                .first()
                if application.kind == workflow.Kind.APPEAL
                else None
            ),
            "appeals": (
                selectors.appeals_against(application)
                if any(services.is_adverse(d) for d in decisions)  # R27
                else []
            ),
        },
    )


def _labels(items: list[str]) -> list[str]:
    labels = dict(checklist.Slot.choices)
    return [str(labels.get(item, item)) for item in items]


def _back(pk: int) -> HttpResponse:
    return HttpResponseRedirect(reverse("reviews:application-detail", args=[pk]))


def _document_version(request: HttpRequest, pk: int) -> Any:
    """A document version the person may open (the download's checks), or 404."""
    from reviews.models import DocumentVersion

    version = policies.get_visible_or_404(
        request.user,
        DocumentVersion.objects.select_related("document__application__project"),
        pk=pk,
    )
    if not policies.may(request.user, "download", version):
        raise Http404
    return version


@login_required
def document_download(request: HttpRequest, pk: int, inline: bool = False) -> HttpResponse:
    """The file, as a download or (`inline`, the preview's frame: PDFs only) in the browser;
    one path, audited as document.download or document.preview."""
    version = _document_version(request, pk)
    services.document_open(version_id=version.pk, actor=request.user, inline=inline)
    return file_response(
        version.file.open("rb"),
        inline=inline,
        filename=version.original_name or f"document-{version.pk}",
        content_type=version.content_type or "application/octet-stream",
    )


@login_required
def document_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The site's page around a PDF's inline route; download-only files are 404 here."""
    version = _document_version(request, pk)
    if not previewable(version.content_type, version.quarantine):
        raise Http404
    application = version.document.application
    title = f"{version.document.get_slot_display()} v{version.version}"
    return render(
        request,
        "ethics/preview.html",
        preview_context(
            title=title,
            inline_url=reverse("reviews:document-inline", args=[version.pk]),
            download_url=reverse("reviews:document-download", args=[version.pk]),
            back_url=_application_url(application),
        ),
    )


@login_required
def letter_download(request: HttpRequest, pk: int, inline: bool = False) -> HttpResponse:
    decision = selectors.decision_get_for_user(request.user, pk)
    try:
        services.letter_open(decision_id=decision.pk, actor=request.user, inline=inline)
    except Conflict as exc:
        report_error(request, exc)
        return _back(decision.application_id)
    return file_response(
        decision.letter.open("rb"),
        inline=inline,
        filename=f"{decision.number}.pdf",
        content_type="application/pdf",
    )


@login_required
def letter_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision letter in the site's preview page (the same checks as its download)."""
    decision = selectors.decision_get_for_user(request.user, pk)
    if not decision.letter or not policies.may(request.user, "download", decision):
        raise Http404
    return render(
        request,
        "ethics/preview.html",
        preview_context(
            title=decision.number or _("Decision letter"),
            inline_url=reverse("reviews:letter-inline", args=[decision.pk]),
            download_url=reverse("reviews:letter-download", args=[decision.pk]),
            back_url=_application_url(decision.application),
        ),
    )


@login_required
def package_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The re-review package (R39): committee officers only; everyone else gets 404."""
    rereview = policies.get_visible_or_404(
        request.user, ReReview.objects.select_related("application__project"), pk=pk
    )
    if not policies.may(request.user, "download", rereview):
        raise Http404
    try:
        services.package_open(rereview_id=rereview.pk, actor=request.user)
    except Conflict as exc:
        report_error(request, exc)
        return _back(rereview.application_id)
    return FileResponse(
        rereview.package.open("rb"),
        as_attachment=True,
        filename=f"rereview-{rereview.pk}.pdf",
        content_type="application/pdf",
    )


@login_required
def recognition_letter_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter stored with a recognised outside decision (R31, N12): whoever may open the
    project's decision letters, the recognising committee's officers; 404 for everyone else."""
    recognition = policies.get_visible_or_404(
        request.user, Recognition.objects.select_related("project"), pk=pk
    )
    if not policies.may(request.user, "download", recognition):
        raise Http404
    try:
        services.recognition_letter_open(recognition_id=recognition.pk, actor=request.user)
    except Conflict as exc:
        report_error(request, exc)
        return HttpResponseRedirect(
            reverse("reviews:project-detail", args=[recognition.project_id])
        )
    return FileResponse(
        recognition.letter.open("rb"),
        as_attachment=True,
        filename=f"recognition-{recognition.pk}.pdf",
        content_type="application/pdf",
    )


# --- secretary -------------------------------------------------------------------------------


@login_required
def follow_up(request: HttpRequest) -> HttpResponse:
    """Overdue tracking reviews (R28) and re-review opinions awaited (R43)."""
    if not is_officer(request.user):
        raise Http404
    listing = filtered_page(
        request,
        FollowUpFilterSet,
        selectors.follow_up_deadlines(request.user),
        defaults={"bucket": "tracking"},
    )
    return render(
        request,
        "reviews/follow_up.html",
        {
            **listing.as_context(),
            "bucket": listing.filterset.form.data.get("bucket"),
            "rows": selectors.follow_up_subjects(list(listing.page)),
            "counts": selectors.follow_up_counts(request.user),
            "now": timezone.now(),
        },
    )


@login_required
def recognition_create(request: HttpRequest) -> HttpResponse:
    """R31 / N12: record that this committee recognises another committee's decision."""
    return form_page(
        request,
        actions.RECOGNITIONS,
        "create",
        render_page=lambda form: render(request, "reviews/recognition_form.html", {"form": form}),
        success=lambda _call, _recognition: reverse("reviews:follow-up"),
    )


@login_required
def recognition_outside_create(request: HttpRequest) -> HttpResponse:
    """R31 / N12: record a decision issued by a committee outside this system, with its letter."""
    return form_page(
        request,
        actions.RECOGNITIONS,
        "create_outside",
        render_page=lambda form: render(
            request, "reviews/recognition_outside_form.html", {"form": form}
        ),
        success=lambda _call, recognition: reverse(
            "reviews:project-detail", args=[recognition.project_id]
        ),
    )


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    if not is_officer(request.user):
        raise Http404
    # The rows show the application, its project and the lead, not the committee; only the
    # columns they show are read, as tuples (issue 18: no JSON decodes, no model instances).
    queue = selectors.intake_queue(request.user)
    counts = selectors.intake_counts(request.user)
    listing = filtered_page(
        request,
        ApplicationFilterSet,
        queue.order_by("due_at", "submitted_at", "id"),
        defaults={"bucket": "open"},
        known_total=lambda filterset: selectors.intake_bucket_total(
            counts, filterset.form.cleaned_data
        ),
        values=INTAKE_VALUES,
    )
    rows = intake_rows_of_values(listing.page, timezone.now())
    return render(
        request,
        "reviews/intake.html",
        {
            **listing.as_context(),
            "rows": rows,
            "rows_html": intake_rows_html(rows),
            "bucket": listing.filterset.form.data.get("bucket"),
            "counts": counts,
        },
    )


# --- member ----------------------------------------------------------------------------------


@login_required
def my_reviews(request: HttpRequest) -> HttpResponse:
    # Only the columns a row shows, as tuples (issue 18: no model instances per row).
    listing = filtered_page(
        request,
        AssignmentFilterSet,
        selectors.assignments_for_user(request.user).select_related(None),
        per_page=selectors.LIST_PER_PAGE,
        values=REVIEW_VALUES,
        landing=lambda: selectors.first_review_rows(request.user),
    )
    return render(
        request,
        "reviews/my_reviews.html",
        {
            **listing.as_context(),
            "rows_html": review_rows_html(list(listing.page), timezone.now()),
        },
    )


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A reviewer's worksheet: the declaration (R20a), then the materials and the opinion (R22),
    posted to the application's actions and back here."""
    user = request.user
    assignment = selectors.assignment_get_for_user(user, pk)
    if assignment.membership.user_id != user.pk:
        raise Http404
    application = assignment.review.application
    materials_open = may_open_materials(user, application)
    return render(
        request,
        "reviews/assignment_detail.html",
        {
            "assignment": assignment,
            "application": application,
            "project": application.project,
            "rows": selectors.checklist_rows(application) if materials_open else [],
            "materials_open": materials_open,
            "declare_form": actions.APPLICATIONS.get("declare").make_form(user, application),
            "opinion_form": actions.APPLICATIONS.get("opinion").make_form(user, application),
            "opinion": getattr(assignment, "opinion", None),
        },
    )
