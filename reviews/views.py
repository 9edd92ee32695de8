"""HTML pages of reviews: validate a form, call one service or selector, render or redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from committees.models import Committee, Membership
from ethics import policies
from ethics.errors import Conflict
from ethics.models import User
from ethics.web import attempt, report_error
from reviews import checklist, forms, selectors, services, workflow
from reviews.hooks import is_officer
from reviews.models import Appeal, Project, ReReview
from reviews.policies import managed_committee_ids, may_open_materials, may_see_opinions, roles_for
from reviews.workflow import Action


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


# --- researcher ------------------------------------------------------------------------------


@login_required
def my_projects(request: HttpRequest) -> HttpResponse:
    from reviews.policies import own_project_ids

    projects = (
        Project.objects.filter(pk__in=own_project_ids(request.user))
        .select_related("committee")
        .order_by("-created_at", "-id")
    )
    page = Paginator(projects, 25).get_page(request.GET.get("page"))
    # The page holds only the user's own projects, so their applications need no further filter.
    applications = selectors.applications_of_own_projects([p.pk for p in page])
    by_project: dict[int, list[Any]] = {}
    for application in applications:
        by_project.setdefault(application.project_id, []).append(application)
    rows = [(project, by_project.get(project.pk, [])) for project in page]
    return render(request, "reviews/my_projects.html", {"page": page, "rows": rows})


def _reviewable_committees(user: User) -> Any:
    """R17: the user's own institution's committees and those holding an active entrustment."""
    from committees.models import Entrustment

    if user.institution_id is None:
        return Committee.objects.none()
    entrusted = Entrustment.objects.active(on=timezone.localdate()).filter(
        entrusting_institution_id=user.institution_id
    )
    return Committee.objects.filter(
        Q(institution_id=user.institution_id) | Q(pk__in=entrusted.values("receiving_committee_id"))
    ).order_by("name")


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    committees = _reviewable_committees(request.user)
    form = forms.ProjectForm(request.POST or None, committees=committees)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        names = [n.strip() for n in data["team"].replace("，", ",").split(",") if n.strip()]
        team = list(User.objects.filter(username__in=names))
        try:
            project = services.project_create(
                actor=request.user,
                title=data["title"],
                committee=data["committee"],
                scope=data["scope"],
                listed_item=data["listed_item"],
                international=data["international"],
                planned_start=data["planned_start"],
                planned_end=data["planned_end"],
                team=team,
            )
        except (Conflict, ValidationError) as exc:
            report_error(request, exc)
        else:
            messages.success(request, _("Project created. Answer the scope questions next."))
            return HttpResponseRedirect(reverse("reviews:project-detail", args=[project.pk]))
    return render(request, "reviews/project_form.html", {"form": form})


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole life of a project: applications, decisions, letters, re-reviews, clocks and
    status changes on one timeline (users.md #1, #7)."""
    project = selectors.project_get_for_user(request.user, pk)
    applications = selectors.applications_for_user(request.user).filter(project=project)
    initial = project.prescreen or {}
    officer = is_officer(request.user) and (
        request.user.is_superuser
        or managed_committee_ids(request.user).filter(committee_id=project.committee_id).exists()
    )
    return render(
        request,
        "reviews/project_detail.html",
        {
            "project": project,
            "applications": applications,
            "prescreen_form": forms.PrescreenForm(initial=initial),
            "application_form": forms.ApplicationCreateForm(),
            "may_change": policies.may(request.user, "prescreen", project),
            "may_apply": policies.may(request.user, "apply", project),
            "may_start": project.status == "approved"
            and policies.may(request.user, "start", project),
            "officer": officer,
            "decisions": selectors.project_decisions(project),
            "rereviews": selectors.project_rereviews(project),
            "clocks": selectors.project_clocks(project),
            "timeline": selectors.project_timeline(project, officer=officer),
            "recognitions": list(
                policies.visible(request.user, project.recognitions.select_related("committee"))
            ),
            "participants": list(project.participating_institutions.all()),
        },
    )


@login_required
@require_POST
def project_start(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get_for_user(request.user, pk)
    attempt(
        request,
        lambda: services.project_start(project_id=project.pk, actor=request.user),
        _("The activity has started."),
    )
    return HttpResponseRedirect(reverse("reviews:project-detail", args=[project.pk]))


@login_required
@require_POST
def project_prescreen(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get_for_user(request.user, pk)
    form = forms.PrescreenForm(request.POST)
    if form.is_valid():
        updated = services.project_prescreen(
            project_id=project.pk, actor=request.user, answers=form.cleaned_data
        )
        if updated.review_required:
            messages.success(request, _("Ethics review is required for this activity (Art. 2)."))
        else:
            messages.info(
                request, _("No ethics review appears to be required; the answer is recorded.")
            )
    return HttpResponseRedirect(reverse("reviews:project-detail", args=[project.pk]))


@login_required
@require_POST
def application_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get_for_user(request.user, pk)
    form = forms.ApplicationCreateForm(request.POST)
    if form.is_valid():
        try:
            application = services.application_create(
                project_id=project.pk,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                summary=form.cleaned_data["summary"],
                major_change=form.cleaned_data["major_change"],
            )
        except (Conflict, ValidationError) as exc:
            report_error(request, exc)
        else:
            return HttpResponseRedirect(
                reverse("reviews:application-detail", args=[application.pk])
            )
    else:
        _form_errors(request, form)
    return HttpResponseRedirect(reverse("reviews:project-detail", args=[project.pk]))


# --- the application page --------------------------------------------------------------------


def _committee_members(application: Any) -> Any:
    return (
        Membership.objects.in_term(on=timezone.localdate())
        .voting()
        .filter(committee_id=application.committee_id)
        .select_related("user")
        .order_by("role", "id")
    )


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(request.user, pk)
    roles = roles_for(request.user, application)
    officer = workflow.SECRETARY in roles or workflow.CHAIR in roles
    show_opinions = officer and may_see_opinions(request.user, application)
    rows = selectors.checklist_rows(application)
    decision = selectors.latest_decision(application)
    actions = [
        (a.value, a.label)
        for a in workflow.actions_from(application.status)
        if workflow.ACTION_ROLES[a] & roles
        and a not in workflow.INTERNAL_ACTIONS
        and services.available(application, a, decision)
    ]
    context = {
        "application": application,
        "project": application.project,
        "roles": roles,
        "officer": officer,
        "applicant": workflow.APPLICANT in roles,
        "rows": rows,
        "materials_open": may_open_materials(request.user, application),
        "actions": actions,
        "timeline": selectors.timeline(application, officer=officer),
        "decisions": list(application.decisions.all()),
        "editable": application.status in workflow.EDITABLE,
        "open": application.status in workflow.OPEN_STATUSES,
        "missing_labels": _labels(application.missing_items),
        "upload_form": forms.UploadForm(),
        "reviews": selectors.reviews_with_assignments(application) if show_opinions else [],
        "review": selectors.open_review(application),
        "latest": decision,
        "rereviews": (
            list(application.rereviews.select_related("preliminary_decision"))
            if application.status == workflow.Status.AWAITING_REREVIEW
            or any(d.stage != "review" for d in application.decisions.all())
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
            list(
                Appeal.objects.filter(original_decision__application=application).select_related(
                    "application"
                )
            )
            if any(d.outcome == "disapprove" for d in application.decisions.all())
            else []
        ),
        "note_form": forms.NoteForm(),
        "required_note_form": forms.RequiredNoteForm(),
        "appeal_form": forms.AppealForm(),
        "post_decision_editable": services.post_decision_editable(application),
    }
    if officer:
        context.update(
            return_form=forms.ReturnForm(),
            reason_form=forms.ReasonForm(),
            accept_form=forms.AcceptForm(),
            assign_form=forms.AssignForm(members=_committee_members(application)),
            extend_form=forms.ExtendForm(),
            decide_form=forms.DecideForm(),
            correction_form=forms.CorrectionForm(),
            submit_rereview_form=forms.SubmitRereviewForm(),
            record_rereview_form=forms.RecordRereviewForm(
                initial={"received_on": timezone.localdate()}
            ),
        )
    return render(request, "reviews/application_detail.html", context)


def _labels(items: list[str]) -> list[str]:
    labels = dict(checklist.Slot.choices)
    return [str(labels.get(item, item)) for item in items]


def _back(pk: int) -> HttpResponse:
    return HttpResponseRedirect(reverse("reviews:application-detail", args=[pk]))


@login_required
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(request.user, pk)
    form = forms.UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(pk)
    attempt(
        request,
        lambda: services.document_upload(
            application_id=application.pk,
            slot=form.cleaned_data["slot"],
            upload=form.cleaned_data["file"],
            actor=request.user,
        ),
        _("Document uploaded."),
    )
    return _back(pk)


@login_required
@require_POST
def document_correction(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(request.user, pk)
    form = forms.CorrectionForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.document_request_correction(
                application_id=application.pk, actor=request.user, **form.cleaned_data
            ),
            _("Correction requested."),
        )
    else:
        _form_errors(request, form)
    return _back(pk)


def _action_call(
    action: str, application: Any, request: HttpRequest
) -> tuple[Any, Callable[[], Any] | None]:
    """The form for `action` and, if it is valid, the service call it maps to."""
    pk, user, post = application.pk, request.user, request.POST
    if action == Action.SUBMIT:
        return None, lambda: services.application_submit(application_id=pk, actor=user)
    if action == Action.WITHDRAW:
        form = forms.OptionalReasonForm(post)
        return form, form.is_valid() and (
            lambda: services.application_withdraw(
                application_id=pk, actor=user, reason=form.cleaned_data["reason"]
            )
        )
    if action == Action.RETURN:
        form = forms.ReturnForm(post)
        return form, form.is_valid() and (
            lambda: services.application_return(application_id=pk, missing=form.items(), actor=user)
        )
    if action == Action.NOT_ACCEPT:
        form = forms.ReasonForm(post)
        return form, form.is_valid() and (
            lambda: services.application_not_accept(
                application_id=pk, reason=form.cleaned_data["reason"], actor=user
            )
        )
    if action == Action.ACCEPT:
        form = forms.AcceptForm(post)
        return form, form.is_valid() and (
            lambda: services.application_accept(
                application_id=pk,
                procedure=form.cleaned_data["procedure"],
                grounds=form.grounds_value(),
                actor=user,
            )
        )
    if action == Action.ASSIGN:
        form = forms.AssignForm(post, members=_committee_members(application))
        return form, form.is_valid() and (
            lambda: services.application_assign(
                application_id=pk,
                membership_ids=[m.pk for m in form.cleaned_data["reviewers"]],
                actor=user,
            )
        )
    if action == Action.EXTEND:
        form = forms.ExtendForm(post)
        return form, form.is_valid() and (
            lambda: services.application_extend(
                application_id=pk,
                due_at=form.cleaned_data["due_at"],
                reason=form.cleaned_data["reason"],
                actor=user,
            )
        )
    if action == Action.DECIDE:
        form = forms.DecideForm(post)
        return form, form.is_valid() and (
            lambda: services.application_decide(application_id=pk, actor=user, **form.cleaned_data)
        )
    return _after_decision_call(action, pk, user, post)


_NOTE_ACTIONS: dict[str, Callable[..., Any]] = {
    Action.RESUBMIT: services.application_resubmit,
    Action.SUBMIT_MODIFICATIONS: services.modifications_submit,
    Action.CONFIRM_MODIFICATIONS: services.modifications_confirm,
    Action.ACKNOWLEDGE: services.application_acknowledge,
}


def _after_decision_call(
    action: str, pk: int, user: Any, post: Any
) -> tuple[Any, Callable[[], Any] | None]:
    """The post-decision actions of issue 5: modifications, resubmission, re-review, appeal."""
    if action in _NOTE_ACTIONS:
        form = forms.NoteForm(post)
        service = _NOTE_ACTIONS[action]
        return form, form.is_valid() and (
            lambda: service(application_id=pk, actor=user, note=form.cleaned_data["note"])
        )
    if action == Action.RETURN_MODIFICATIONS:
        form = forms.RequiredNoteForm(post)
        return form, form.is_valid() and (
            lambda: services.modifications_return(
                application_id=pk, actor=user, note=form.cleaned_data["note"]
            )
        )
    if action == Action.SUBMIT_REREVIEW:
        form = forms.SubmitRereviewForm(post)
        return form, form.is_valid() and (
            lambda: services.rereview_submit(application_id=pk, actor=user, **form.cleaned_data)
        )
    if action == Action.RECORD_REREVIEW:
        form = forms.RecordRereviewForm(post)
        return form, form.is_valid() and (
            lambda: services.rereview_record(application_id=pk, actor=user, **form.cleaned_data)
        )
    if action == Action.APPEAL:
        form = forms.AppealForm(post)
        return form, form.is_valid() and (
            lambda: services.appeal_file(
                application_id=pk, actor=user, grounds=form.cleaned_data["grounds"]
            )
        )
    raise Http404


@login_required
@require_POST
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    application = selectors.application_get_for_user(request.user, pk)
    if action not in Action.values:
        raise Http404
    form, call = _action_call(action, application, request)
    if not call:
        _form_errors(request, form)
    else:
        attempt(request, call, _("Done: %(action)s") % {"action": Action(action).label})
    return _back(pk)


@login_required
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    from reviews.models import DocumentVersion

    version = policies.get_visible_or_404(
        request.user,
        DocumentVersion.objects.select_related("document__application__project"),
        pk=pk,
    )
    if not policies.may(request.user, "download", version):
        raise Http404
    services.document_open(version_id=version.pk, actor=request.user)
    return FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.original_name or f"document-{version.pk}",
        content_type=version.content_type or "application/octet-stream",
    )


@login_required
def letter_download(request: HttpRequest, pk: int) -> HttpResponse:
    decision = selectors.decision_get_for_user(request.user, pk)
    try:
        services.letter_open(decision_id=decision.pk, actor=request.user)
    except Conflict as exc:
        report_error(request, exc)
        return _back(decision.application_id)
    return FileResponse(
        decision.letter.open("rb"),
        as_attachment=True,
        filename=f"{decision.number}.pdf",
        content_type="application/pdf",
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


# --- secretary -------------------------------------------------------------------------------


@login_required
def follow_up(request: HttpRequest) -> HttpResponse:
    """Overdue tracking reviews (R28) and re-review opinions awaited (R43)."""
    if not is_officer(request.user):
        raise Http404
    bucket = request.GET.get("bucket", "tracking")
    return render(
        request,
        "reviews/follow_up.html",
        {
            "bucket": bucket,
            "rows": selectors.follow_up_rows(request.user, bucket),
            "counts": selectors.follow_up_counts(request.user),
            "now": timezone.now(),
        },
    )


@login_required
def recognition_create(request: HttpRequest) -> HttpResponse:
    """R31 / N12: record that this committee recognises another committee's decision."""
    if not is_officer(request.user):
        raise Http404
    committees = Committee.objects.filter(pk__in=managed_committee_ids(request.user))
    form = forms.RecognitionForm(request.POST or None, committees=committees)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if attempt(
            request,
            lambda: services.recognition_record(
                committee_id=data["committee"].pk,
                decision_number=data["decision_number"],
                verification_hash=data["verification_hash"],
                local_checks=data["local_checks"],
                actor=request.user,
            ),
            _("The decision is recognised."),
        ):
            return HttpResponseRedirect(reverse("reviews:follow-up"))
    return render(request, "reviews/recognition_form.html", {"form": form})


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    if not is_officer(request.user):
        raise Http404
    bucket = request.GET.get("bucket", "open")
    queue = selectors.intake_filter(selectors.intake_queue(request.user), bucket).order_by(
        "due_at", "submitted_at", "id"
    )
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/intake.html",
        {
            "page": page,
            "bucket": bucket,
            "counts": selectors.intake_counts(request.user),
            "query": f"bucket={bucket}",
            "now": timezone.now(),
        },
    )


# --- member ----------------------------------------------------------------------------------


@login_required
def my_reviews(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.assignments_for_user(request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "reviews/my_reviews.html", {"page": page})


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get_for_user(request.user, pk)
    if assignment.membership.user_id != request.user.pk:
        raise Http404
    application = assignment.review.application
    criteria = checklist.criteria_for(application.project.scope)
    materials_open = may_open_materials(request.user, application)
    return render(
        request,
        "reviews/assignment_detail.html",
        {
            "assignment": assignment,
            "application": application,
            "project": application.project,
            "rows": selectors.checklist_rows(application) if materials_open else [],
            "materials_open": materials_open,
            "declare_form": forms.DeclareForm(),
            "opinion_form": forms.OpinionForm(criteria=criteria),
            "opinion": getattr(assignment, "opinion", None),
        },
    )


@login_required
@require_POST
def assignment_declare(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get_for_user(request.user, pk)
    form = forms.DeclareForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.assignment_declare(
                assignment_id=assignment.pk, actor=request.user, **form.cleaned_data
            ),
            _("Declaration recorded."),
        )
    else:
        _form_errors(request, form)
    return HttpResponseRedirect(reverse("reviews:assignment-detail", args=[pk]))


@login_required
@require_POST
def assignment_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get_for_user(request.user, pk)
    criteria = checklist.criteria_for(assignment.review.application.project.scope)
    form = forms.OpinionForm(request.POST, criteria=criteria)
    if form.is_valid():
        attempt(
            request,
            lambda: services.opinion_record(
                assignment_id=assignment.pk,
                verdict=form.cleaned_data["verdict"],
                comments=form.cleaned_data["comments"],
                worksheet=form.worksheet(),
                actor=request.user,
            ),
            _("Opinion recorded."),
        )
    else:
        _form_errors(request, form)
    return HttpResponseRedirect(reverse("reviews:assignment-detail", args=[pk]))
