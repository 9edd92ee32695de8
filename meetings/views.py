"""HTML pages of meetings: read through the selectors and render; every state change posts to
one view that dispatches through the action table (meetings.actions)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ethics.actions import form_page, page_view
from ethics.actions import report as report_error
from ethics.errors import Conflict
from ethics.files import file_response, preview_context
from ethics.listing import filtered_page
from meetings import actions, rows, selectors, services
from meetings.filters import MeetingFilter
from meetings.models import Meeting, VoteChoice
from meetings.policies import may_open_minutes, may_run
from meetings.workflow import ItemKind
from reviews.models import DocumentVersion

REPORTS_PER_PAGE = 50


def _officer_meeting(request: HttpRequest, pk: int) -> Meeting:
    """A meeting the user runs (agenda, console); 404 for everyone else, members included."""
    meeting = selectors.meeting_get_for_user(request.user, pk)
    if not may_run(request.user, meeting):
        raise Http404
    return meeting


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    listing = filtered_page(
        request,
        MeetingFilter,
        selectors.meetings_for_user(request.user),
        per_page=selectors.MEETINGS_PER_PAGE,
        values=rows.MEETING_VALUES,
        landing=lambda: selectors.first_meeting_rows(request.user),
    )
    meetings = rows.meeting_rows_of_values(listing.page)
    return render(
        request,
        "meetings/meeting_list.html",
        {
            **listing.as_context(),
            "meeting_calendar": rows.meeting_calendar_html(selectors.calendar_rows(meetings)),
            "meeting_rows": rows.meeting_rows_html(meetings, filtered=listing.filterset.is_bound),
            "may_schedule": actions.may_schedule(request.user),
        },
    )


@login_required
def meeting_schedule(request: HttpRequest) -> HttpResponse:
    """Schedule a meeting: the table's "schedule" action on a page of its own."""

    return form_page(
        request,
        actions.MEETINGS,
        "schedule",
        render_page=lambda form: render(request, "meetings/meeting_form.html", {"form": form}),
        success=lambda _call, meeting: reverse("meetings:meeting-agenda", args=[meeting.pk]),
    )


def _available(request: HttpRequest, meeting: Meeting) -> set[str]:
    """The names of the actions this person may take on the meeting in its state (buttons)."""
    return {entry.name for entry in actions.MEETINGS.available(request.user, meeting)}


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's view: materials after declaring, own vote, the tally unless conflicted."""
    meeting = selectors.meeting_page_for_user(request.user, pk)
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
            "can": _available(request, meeting),
            "vote_choices": dict(VoteChoice.choices),
            "minutes": selectors.latest_minutes(meeting) if meeting.status == "closed" else None,
            "reports": getattr(meeting, "report_count", 0),
            "action_forms": actions.MEETINGS.forms(request.user, meeting)
            if may_run(request.user, meeting)
            else {},
        },
    )


@login_required
def agenda(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _officer_meeting(request, pk)
    # R35 reports can run to thousands on a first meeting: they are paginated apart.
    items = list(
        meeting.items.exclude(kind=ItemKind.REPORT)
        .select_related("application__project")
        .order_by("position", "id")
    )
    reports = Paginator(selectors.report_items(meeting), REPORTS_PER_PAGE).get_page(
        request.GET.get("reports")
    )
    to_report = selectors.simplified_decisions_to_report(meeting)
    can = _available(request, meeting)
    return render(
        request,
        "meetings/agenda.html",
        {
            "meeting": meeting,
            "items": items,
            "waiting": list(selectors.waiting_for_meeting(meeting.committee_id)[:100]),
            "reports": reports,
            "to_report": list(to_report[:REPORTS_PER_PAGE]),
            "to_report_count": to_report.count(),
            "reports_since": selectors.reports_since(meeting),
            "can": can,
            "editable": "add" in can,
        },
    )


@login_required
def console(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretary's live console: attendance, quorum, current item, recusals, tally."""
    meeting = _officer_meeting(request, pk)
    scheduled = meeting.status == "scheduled"
    # Nobody is present before the opening: no attendance to read then.
    log = [] if scheduled else selectors.attendance_log(meeting)
    attendance, views = selectors.board(meeting, request.user, rows=log)
    current = None
    wanted = request.GET.get("item")
    for view in views:
        if wanted and str(view.item.pk) == wanted:
            current = view
    if current is None:
        current = next((v for v in views if not v.done), views[0] if views else None)
    action_forms = actions.MEETINGS.forms(request.user, meeting)
    in_term = selectors.members_in_term(meeting.committee_id, selectors.meeting_day(meeting))
    if "open" in action_forms:
        action_forms["open"].offer(in_term)
    if "excuse" in action_forms:  # before the meeting, from the same roster read
        member = action_forms["excuse"].fields["member"]
        member.choices = [(m.pk, member.label_from_instance(m)) for m in in_term]
    return render(
        request,
        "meetings/console.html",
        {
            "meeting": meeting,
            "attendance": attendance,
            "views": views,
            "current": current,
            "action_forms": action_forms,
            "voters": [a for a in attendance if a.in_term],
            "log": log,
            "absent": [m for m in in_term if m.pk not in {a.membership_id for a in attendance}],
            "excusals": selectors.excusals(meeting) if scheduled else [],
            "vote_choices": [(c, VoteChoice(c).label) for c in selectors.item_choices(current.item)]
            if current and current.item.application_id
            else [],
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


# Every state change of a meeting or of one of its items: one POST view through the table.
meeting_action = page_view(
    actions.MEETINGS, back=lambda meeting: reverse("meetings:meeting-detail", args=[meeting.pk])
)


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
def minutes_download(request: HttpRequest, pk: int, inline: bool = False) -> Any:
    """The latest minutes, as a download or (`inline`) in the preview's frame; one path."""
    meeting = selectors.meeting_get_for_user(request.user, pk)
    try:
        minutes = services.minutes_open(meeting_id=meeting.pk, actor=request.user, inline=inline)
    except Conflict as exc:
        report_error(request, exc)
        return HttpResponseRedirect(reverse("meetings:meeting-detail", args=[pk]))
    return file_response(
        minutes.file.open("rb"),
        inline=inline,
        filename=f"minutes-{meeting.pk}-v{minutes.version}.pdf",
        content_type="application/pdf",
    )


@login_required
def minutes_preview(request: HttpRequest, pk: int) -> Any:
    """The minutes in the site's preview page: whoever may open them (404 for anyone else)."""
    meeting = selectors.meeting_get_for_user(request.user, pk)
    if not may_open_minutes(request.user, meeting) or selectors.latest_minutes(meeting) is None:
        raise Http404
    return render(
        request,
        "ethics/preview.html",
        preview_context(
            title=_("Minutes of the meeting of %(date)s")
            % {"date": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d")},
            inline_url=reverse("meetings:minutes-inline", args=[meeting.pk]),
            download_url=reverse("meetings:meeting-minutes", args=[meeting.pk]),
            back_url=reverse("meetings:meeting-detail", args=[meeting.pk]),
        ),
    )
