"""Committee pages: read through a selector and render, or act through committees/actions.py.

Anything the user may not see answers 404; a visible object the user may not change answers 403.
Every state change goes through an action table: a form page (`form_page`: GET shows the form,
POST performs the action) or the one POST view of a table (`page_view`). Refusals answer
400/403/409 with the input kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from committees import actions, selectors, services
from committees.filters import CommitteeFilter
from committees.models import Committee, DocumentKind, Membership
from ethics import policies
from ethics.actions import form_page, page_view
from ethics.errors import Conflict
from ethics.listing import filtered_page


def _on_date(request: HttpRequest) -> date:
    raw = request.GET.get("on", "")
    try:
        return date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _page(
    request: HttpRequest, title: str, template: str = "committees/form.html", **extra: Any
) -> Callable[[Form | None], HttpResponse]:
    """`form_page`'s renderer: the form (bound, with its errors, after a refusal) on a page."""

    def render_page(form: Form | None) -> HttpResponse:
        return render(request, template, {"form": form, "title": title, **extra})

    return render_page


def _committee_url(committee_id: int) -> str:
    return reverse("committees:committee-detail", args=[committee_id])


# --- reading -----------------------------------------------------------------------------------


@login_required
def committee_list(request: HttpRequest) -> HttpResponse:
    listing = filtered_page(
        request,
        CommitteeFilter,
        selectors.committees_for_user(request.user).select_related("institution"),
    )
    institutions = selectors.institutions_for_user(request.user).order_by("name")[:50]
    return render(
        request,
        "committees/committee_list.html",
        {**listing.as_context(), "institutions": institutions},
    )


@login_required
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = selectors.institution_get_for_user(request.user, pk)
    committees = selectors.committees_for_user(request.user).filter(institution=institution)
    entrustments = policies.visible(
        request.user,
        institution.entrustments_given.select_related("receiving_committee"),
    )
    return render(
        request,
        "committees/institution_detail.html",
        {
            "institution": institution,
            "committees": committees,
            "entrustments": entrustments,
            "may_change": actions.INSTITUTIONS.get("update").may(request.user, institution),
            "may_create_committee": actions.COMMITTEES.get("create").may(request.user, institution),
        },
    )


def _composition_context(
    committee: Committee, on: date, members: list[Membership] | None = None
) -> dict[str, Any]:
    return {
        "committee": committee,
        "composition": selectors.composition_of(committee, on, members),
        "on": on,
        "rules": selectors.committee_rules(committee),
    }


@login_required
def committee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_get_for_user(request.user, pk)
    today, on = timezone.localdate(), _on_date(request)
    # One load of the members serves the roster and the composition panel.
    members = selectors.members_since(committee, min(today, on))
    context = _composition_context(committee, on, members)
    context.update(
        {
            "today": today,
            "members": selectors.roster(committee, members),
            "documents": selectors.document_slots(committee),
            "entrustments": selectors.entrustments_for_committee(committee)[:20],
            "deadlines": selectors.committee_deadlines(committee)[:20],
            # The buttons: what the committees table offers this person here.
            "actions": {a.name for a in actions.COMMITTEES.available(request.user, committee)},
        }
    )
    return render(request, "committees/committee_detail.html", context)


@login_required
def composition_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The live composition panel (htmx partial); `?on=` checks another date."""
    committee = selectors.committee_get_for_user(request.user, pk)
    return render(
        request, "committees/_composition.html", _composition_context(committee, _on_date(request))
    )


@login_required
def member_history(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_get_for_user(request.user, pk)
    page = Paginator(selectors.past_members(committee), 25).get_page(request.GET.get("page"))
    return render(request, "committees/member_history.html", {"committee": committee, "page": page})


@login_required
def membership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_get_for_user(request.user, pk)
    return render(
        request,
        "committees/membership_detail.html",
        {
            "membership": membership,
            "committee": membership.committee,
            # Unbound forms of the actions this person may take here (end, pledge, training).
            "action_forms": actions.MEMBERSHIPS.forms(request.user, membership),
        },
    )


def _stream(request: HttpRequest, obj: Any) -> HttpResponse:
    try:
        services.file_open(obj=obj, actor=request.user)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("committees:committee-list")
    return FileResponse(
        obj.file.open("rb"),
        as_attachment=True,
        filename=obj.original_name,
        content_type=obj.content_type,
    )


@login_required
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    return _stream(request, selectors.document_get_for_user(request.user, pk))


@login_required
def membership_file(request: HttpRequest, pk: int) -> HttpResponse:
    return _stream(request, selectors.membership_get_for_user(request.user, pk))


@login_required
def entrustment_file(request: HttpRequest, pk: int) -> HttpResponse:
    return _stream(request, selectors.entrustment_get_for_user(request.user, pk))


# --- form pages (GET the form, POST the action) -------------------------------------------------


@login_required
def institution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    institution = selectors.institution_get_for_user(request.user, pk)
    return form_page(
        request,
        actions.INSTITUTIONS,
        "update",
        target=institution,
        render_page=_page(request, _("Edit institution profile")),
        success=lambda call, result: reverse(
            "committees:institution-detail", args=[institution.pk]
        ),
    )


@login_required
def committee_create(request: HttpRequest, institution_pk: int) -> HttpResponse:
    institution = selectors.institution_get_for_user(request.user, institution_pk)
    return form_page(
        request,
        actions.COMMITTEES,
        "create",
        target=institution,
        render_page=_page(request, _("New committee")),
        success=lambda call, committee: _committee_url(committee.pk),
    )


def _committee_form_page(
    request: HttpRequest, pk: int, name: str, title: str, *, initial: dict[str, Any] | None = None
) -> HttpResponse:
    """A form page for one of the committee table's actions on committee `pk`."""
    committee = selectors.committee_get_for_user(request.user, pk)
    template = "committees/membership_form.html" if name == "add_member" else "committees/form.html"
    render_page = _page(request, title, template, committee=committee, multipart=True)

    def with_initial(form: Form | None) -> HttpResponse:
        if form is not None and not form.is_bound and initial:
            form.initial.update(initial)
        return render_page(form)

    return form_page(
        request,
        actions.COMMITTEES,
        name,
        target=committee,
        render_page=with_initial,
        success=lambda call, result: _committee_url(committee.pk),
    )


@login_required
def committee_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _committee_form_page(request, pk, "update", _("Edit committee"))


@login_required
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _committee_form_page(request, pk, "add_member", _("Add a member"))


@login_required
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    kind = request.GET.get("kind", "")
    initial = {"kind": kind} if kind in DocumentKind.values else None
    return _committee_form_page(
        request, pk, "upload_document", _("Upload a document"), initial=initial
    )


@login_required
def entrustment_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _committee_form_page(request, pk, "add_entrustment", _("Record an entrustment"))


@login_required
def deputy_designate(request: HttpRequest, pk: int) -> HttpResponse:
    """R20a: the chair designates the vice-chair who acts when the chair may not."""
    return _committee_form_page(request, pk, "designate_deputy", _("Designate the chair's deputy"))


@login_required
def membership_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_get_for_user(request.user, pk)
    return form_page(
        request,
        actions.MEMBERSHIPS,
        "update",
        target=membership,
        render_page=_page(
            request,
            _("Edit membership"),
            "committees/membership_form.html",
            committee=membership.committee,
            membership=membership,
        ),
        success=lambda call, result: _committee_url(membership.committee_id),
    )


# --- the POST views of the membership and entrustment tables -----------------------------------

# end / pledge / training, from the forms on the membership page.
membership_action = page_view(
    actions.MEMBERSHIPS,
    back=lambda membership: reverse("committees:membership-detail", args=[membership.pk]),
)

# end, from the committee page.
entrustment_action = page_view(
    actions.ENTRUSTMENTS,
    back=lambda entrustment: _committee_url(entrustment.receiving_committee_id),
)


# --- the rules (rule sets with the committee's SOP values; B2, R33, R61) -----------------------


@login_required
def rules_index(request: HttpRequest) -> HttpResponse:
    """The committees the person sees, each with a link to its rules."""
    committees = selectors.committees_for_user(request.user).select_related("institution")
    page = Paginator(committees, 25).get_page(request.GET.get("page"))
    return render(request, "committees/rules_index.html", {"page": page})


@login_required
def rules_detail(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_get_for_user(request.user, pk)
    entry = actions.RULES.get("override")
    may_set = entry.may(request.user, committee)
    return render(
        request,
        "committees/rules_detail.html",
        {
            "committee": committee,
            "rows": selectors.rule_rows(committee),
            "may_set": may_set,
            "form": entry.make_form(request.user, committee) if may_set else None,
        },
    )


# override, from the rules page.
rules_action = page_view(
    actions.RULES, back=lambda committee: reverse("committees:rules-detail", args=[committee.pk])
)


# --- directory import ------------------------------------------------------------------------


@login_required
def imports(request: HttpRequest) -> HttpResponse:
    """Upload a directory sheet to check it; the sheets this person checked before."""
    from committees.models import ImportKind

    if not actions.may_check_import(request.user, None):  # type: ignore[arg-type]
        raise Http404
    batches = selectors.import_batches_for_user(request.user)[:20]
    render_page = _page(
        request,
        _("Directory import"),
        "committees/imports.html",
        multipart=True,
        batches=batches,
        kinds=ImportKind.choices,
    )
    initial = {k: request.GET[k] for k in ("kind", "committee") if request.GET.get(k, "").strip()}

    def with_initial(form: Form | None) -> HttpResponse:
        if form is not None and not form.is_bound:
            form.initial.update(initial)
        return render_page(form)

    return form_page(
        request,
        actions.IMPORTS,
        "check",
        render_page=with_initial,
        success=lambda call, batch: reverse("committees:import-detail", args=[batch.pk]),
    )


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.import_batch_get_for_user(request.user, pk)
    return render(
        request,
        "committees/import_detail.html",
        {
            "batch": batch,
            "counts": batch.counts,
            "actions": {a.name for a in actions.IMPORTS.available(request.user, batch)},  # type: ignore[arg-type]
        },
    )


import_action = page_view(
    actions.IMPORTS,
    back=lambda batch: reverse("committees:import-detail", args=[batch.pk]),
)


@login_required
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """The empty template of a sheet, with its header in the reader's language."""
    from committees import directory
    from committees.models import ImportKind

    if kind not in ImportKind.values or fmt not in {"xlsx", "csv"}:
        raise Http404
    if not actions.may_check_import(request.user, None):  # type: ignore[arg-type]
        raise Http404
    if fmt == "xlsx":
        body = directory.template_xlsx(kind)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = directory.template_csv(kind)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.{fmt}"'
    return response


@login_required
def webhooks(request: HttpRequest, pk: int) -> HttpResponse:
    """The committee's chat-group robots (企业微信, 钉钉, 飞书): add one, see each one's last
    error, remove one. Only for those who manage the committee (others: 404)."""
    committee = selectors.committee_get_for_user(request.user, pk)
    if not actions.may_manage(request.user, committee):
        raise Http404

    def render_page(form: Form | None) -> HttpResponse:
        return render(
            request,
            "committees/webhooks.html",
            {
                "committee": committee,
                "form": form,
                "webhooks": selectors.webhooks_of(committee),
            },
        )

    return form_page(
        request,
        actions.COMMITTEES,
        "add_webhook",
        target=committee,
        render_page=render_page,
        success=lambda call, result: reverse("committees:webhooks", args=[committee.pk]),
    )


webhook_action = page_view(
    actions.WEBHOOKS,
    back=lambda hook: reverse("committees:webhooks", args=[hook.committee_id]),
)
