"""HTML pages of meetings: validate a form, call one service or selector, render or redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from committees.models import Committee
from ethics.errors import Conflict
from ethics.web import attempt, report_error
from meetings import forms, selectors, services, workflow
from meetings.models import Meeting, VoteChoice
from meetings.policies import may_run, officer_committee_ids
from reviews.models import DocumentVersion


def _require_officer(request: HttpRequest, meeting: Meeting) -> None:
    if not may_run(request.user, meeting):
        raise Http404


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = default
    return HttpResponseRedirect(target)


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = selectors.meetings_for_user(request.user)
    page = Paginator(meetings, 25).get_page(request.GET.get("page"))
    officer_of = officer_committee_ids(request.user)
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "page": page,
            "calendar": selectors.calendar_rows(list(page)),
            "may_schedule": bool(officer_of or request.user.is_superuser),
        },
    )


@login_required
def meeting_schedule(request: HttpRequest) -> HttpResponse:
    committees = Committee.objects.filter(pk__in=officer_committee_ids(request.user))
    if request.user.is_superuser:
        committees = Committee.objects.all()
    form = forms.ScheduleForm(request.POST or None, committees=committees.order_by("name"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_schedule(actor=request.user, **data)
        except (Conflict, ValidationError) as exc:
            report_error(request, exc)
        else:
            messages.success(request, _("The meeting was scheduled."))
            return HttpResponseRedirect(reverse("meetings:meeting-agenda", args=[meeting.pk]))
    return render(request, "meetings/meeting_form.html", {"form": form})


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's view: materials after declaring, own vote, the tally unless conflicted."""
    meeting = selectors.meeting_get_for_user(request.user, pk)
    attendance, views = selectors.board(meeting, request.user)
    versions: dict[int, list[DocumentVersion]] = {}
    app_ids = [v.item.application_id for v in views if v.item.application_id]
    for version in (
        DocumentVersion.objects.filter(document__application_id__in=app_ids)
        .select_related("document")
        .order_by("document__slot", "-version")
    ):
        versions.setdefault(version.document.application_id, []).append(version)
    for view in views:
        view.versions = versions.get(view.item.application_id or 0, [])
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "attendance": attendance,
            "views": views,
            "officer": may_run(request.user, meeting),
            "is_member": selectors_is_member(request, meeting),
            "vote_choices": dict(VoteChoice.choices),
            "minutes": selectors.latest_minutes(meeting) if meeting.status == "closed" else None,
        },
    )


def selectors_is_member(request: HttpRequest, meeting: Meeting) -> bool:
    from meetings.policies import is_member

    return is_member(request.user, meeting.committee_id)


@login_required
def agenda(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(request.user, pk)
    _require_officer(request, meeting)
    items = list(
        meeting.items.select_related("application__project", "reported_decision").order_by(
            "position", "id"
        )
    )
    return render(
        request,
        "meetings/agenda.html",
        {
            "meeting": meeting,
            "items": items,
            "waiting": list(selectors.waiting_for_meeting(meeting.committee_id)[:100]),
            "to_report": list(selectors.simplified_decisions_to_report(meeting)[:100]),
            "editable": workflow.allowed(meeting.status, workflow.Action.EDIT_AGENDA),
        },
    )


@login_required
def console(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretary's live console: attendance, quorum, current item, recusals, tally."""
    meeting = selectors.meeting_get_for_user(request.user, pk)
    _require_officer(request, meeting)
    attendance, views = selectors.board(meeting, request.user)
    current = None
    wanted = request.GET.get("item")
    for view in views:
        if wanted and str(view.item.pk) == wanted:
            current = view
    if current is None:
        current = next((v for v in views if not v.done), views[0] if views else None)
    members = selectors.members_in_term(meeting.committee_id, selectors.meeting_day(meeting))
    open_form = forms.OpenForm(members=members, initial={"present": [m.pk for m in members]})
    present_ids = {a.membership_id for a in attendance}
    return render(
        request,
        "meetings/console.html",
        {
            "meeting": meeting,
            "attendance": attendance,
            "views": views,
            "current": current,
            "open_form": open_form,
            "voters": [a for a in attendance if a.in_term],
            "present_ids": present_ids,
            "vote_choices": [(c, VoteChoice(c).label) for c in selectors.item_choices(current.item)]
            if current and current.item.application_id
            else [],
            "conclude_form": forms.ConcludeForm(),
        },
    )


@login_required
def item_tally(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """The live tally partial the console polls (hx-trigger="every 2s")."""
    meeting = selectors.meeting_get_for_user(request.user, pk)
    _attendance, views = selectors.board(meeting, request.user)
    view = next((v for v in views if v.item.pk == item_id), None)
    if view is None or not view.may_see_tally:
        raise Http404
    return render(request, "meetings/_tally.html", {"view": view, "meeting": meeting})


@login_required
@require_POST
def meeting_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(request.user, pk)
    user, post = request.user, request.POST
    console_url = reverse("meetings:meeting-console", args=[meeting.pk])
    agenda_url = reverse("meetings:meeting-agenda", args=[meeting.pk])
    if action == "open":
        members = selectors.members_in_term(meeting.committee_id, selectors.meeting_day(meeting))
        form = forms.OpenForm(post, members=members)
        if form.is_valid():
            attempt(
                request,
                lambda: services.meeting_open(
                    meeting_id=meeting.pk, actor=user, **form.cleaned_data
                ),
                _("The meeting is open."),
            )
        else:
            messages.error(request, _("Choose the members present and the presiding member."))
        return HttpResponseRedirect(console_url)
    calls: dict[str, tuple[Callable[[], Any], str, str]] = {
        "notice": (
            lambda: services.notice_send(meeting_id=meeting.pk, actor=user),
            _("The notice was sent."),
            agenda_url,
        ),
        "add": (
            lambda: services.agenda_add(
                meeting_id=meeting.pk, application_id=int(post.get("application", 0)), actor=user
            ),
            _("The application is on the agenda."),
            agenda_url,
        ),
        "add_other": (
            lambda: services.agenda_add_other(
                meeting_id=meeting.pk, title=post.get("title", ""), actor=user
            ),
            _("The item is on the agenda."),
            agenda_url,
        ),
        "reports": (
            lambda: services.agenda_sync_reports(meeting_id=meeting.pk, actor=user),
            _("Simplified decisions were added as reports."),
            agenda_url,
        ),
        "order": (
            lambda: services.agenda_reorder(
                meeting_id=meeting.pk, item_ids=post.getlist("items"), actor=user
            ),
            _("The agenda was reordered."),
            agenda_url,
        ),
        "close": (
            lambda: services.meeting_close(meeting_id=meeting.pk, actor=user),
            _("The meeting is closed; the minutes are being prepared."),
            reverse("meetings:meeting-detail", args=[meeting.pk]),
        ),
        "correct": (
            lambda: services.minutes_correct(
                meeting_id=meeting.pk, text=post.get("text", ""), actor=user
            ),
            _("The correction was appended to the minutes."),
            reverse("meetings:meeting-detail", args=[meeting.pk]),
        ),
    }
    if action == "move":
        calls["move"] = (
            lambda: services.agenda_reorder(
                meeting_id=meeting.pk,
                item_ids=_moved(meeting, int(post.get("item", 0)), post.get("direction", "")),
                actor=user,
            ),
            _("The agenda was reordered."),
            agenda_url,
        )
    if action not in calls:
        raise Http404
    call, success, target = calls[action]
    attempt(request, call, success)
    return _back(request, target)


def _moved(meeting: Meeting, item_id: int, direction: str) -> list[int]:
    """The agenda order with one item moved a place up or down."""
    order = list(meeting.items.order_by("position", "id").values_list("pk", flat=True))
    if item_id in order:
        index = order.index(item_id)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(order):
            order[index], order[other] = order[other], order[index]
    return order


@login_required
@require_POST
def item_action(request: HttpRequest, pk: int, item_id: int, action: str) -> HttpResponse:
    item = selectors.item_get_for_user(request.user, pk, item_id)
    user, post = request.user, request.POST
    member = post.get("member")
    calls: dict[str, tuple[Callable[[], Any], str]] = {
        "declare": (
            lambda: services.member_declare(
                item_id=item.pk, actor=user, conflicted=post.get("conflicted") == "1",
                note=post.get("note", ""),
            ),
            _("Your declaration was recorded."),
        ),
        "vote": (
            lambda: services.vote_cast(
                item_id=item.pk, choice=post.get("choice", ""), actor=user,
                membership_id=int(member) if member else None,
            ),
            _("The vote was recorded."),
        ),
        "recuse": (
            lambda: services.recusal_record(
                item_id=item.pk, membership_id=int(member or 0), reason=post.get("reason", ""),
                actor=user,
            ),
            _("The recusal was recorded."),
        ),
        "consultant": (
            lambda: services.consultant_admit(
                item_id=item.pk, name=post.get("name", ""), affiliation=post.get("affiliation", ""),
                declaration=post.get("declaration", ""),
                no_direct_interest=post.get("no_direct_interest") == "1", actor=user,
            ),
            _("The consultant was admitted."),
        ),
        "notes": (
            lambda: services.item_note(item_id=item.pk, notes=post.get("notes", ""), actor=user),
            _("The notes were saved."),
        ),
        "conclude": (
            lambda: services.item_conclude(
                item_id=item.pk, actor=user, conditions=post.get("conditions", ""),
                reasons=post.get("reasons", ""), dissent=post.get("dissent", ""),
            ),
            _("The item was concluded."),
        ),
        "defer": (
            lambda: services.item_defer(item_id=item.pk, actor=user, reason=post.get("reason", "")),
            _("The item was deferred."),
        ),
        "remove": (
            lambda: services.agenda_remove(item_id=item.pk, actor=user),
            _("The item was removed from the agenda."),
        ),
    }  # fmt: skip
    if action not in calls:
        raise Http404
    call, success = calls[action]
    attempt(request, call, success)
    default = reverse("meetings:meeting-detail", args=[pk])
    return _back(request, default)


@login_required
def material_download(request: HttpRequest, pk: int, item_id: int, version_id: int) -> Any:
    item = selectors.item_get_for_user(request.user, pk, item_id)
    try:
        version = services.material_open(item_id=item.pk, version_id=version_id, actor=request.user)
    except Conflict as exc:
        report_error(request, exc)
        return HttpResponseRedirect(reverse("meetings:meeting-detail", args=[pk]))
    return FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=version.original_name or f"document-{version.pk}",
        content_type=version.content_type or "application/octet-stream",
    )


@login_required
def minutes_download(request: HttpRequest, pk: int) -> Any:
    meeting = selectors.meeting_get_for_user(request.user, pk)
    try:
        minutes = services.minutes_open(meeting_id=meeting.pk, actor=request.user)
    except Conflict as exc:
        report_error(request, exc)
        return HttpResponseRedirect(reverse("meetings:meeting-detail", args=[pk]))
    return FileResponse(
        minutes.file.open("rb"),
        as_attachment=True,
        filename=f"minutes-{meeting.pk}-v{minutes.version}.pdf",
        content_type="application/pdf",
    )
