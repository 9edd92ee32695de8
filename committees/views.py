"""Committee pages: validate a form, call one service or selector, render or redirect.

Anything the user may not see answers 404; a visible object the user may not change answers 403.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from committees import forms, selectors, services
from committees.models import Committee, Membership
from ethics import policies
from ethics.errors import Conflict


def _apply_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form so the user keeps their input."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _require_manage(request: HttpRequest, obj: Any) -> None:
    if not policies.may(request.user, "manage", obj):
        raise PermissionDenied


def _on_date(request: HttpRequest) -> date:
    raw = request.GET.get("on", "")
    try:
        return date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@login_required
def committee_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(
        selectors.committees_for_user(request.user).select_related("institution"), 25
    ).get_page(request.GET.get("page"))
    institutions = selectors.institutions_for_user(request.user).order_by("name")[:50]
    return render(
        request, "committees/committee_list.html", {"page": page, "institutions": institutions}
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
            "may_change": policies.may(request.user, "change", institution),
            "may_create_committee": policies.may(request.user, "create_committee", institution),
        },
    )


@login_required
def institution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    institution = selectors.institution_get_for_user(request.user, pk)
    if not policies.may(request.user, "change", institution):
        raise PermissionDenied
    form = forms.InstitutionForm(request.POST or None, instance=institution)
    if request.method == "POST" and form.is_valid():
        try:
            services.institution_update(
                institution_id=institution.pk, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The institution profile was saved."))
            return redirect("committees:institution-detail", pk=institution.pk)
    return render(
        request, "committees/form.html", {"form": form, "title": _("Edit institution profile")}
    )


@login_required
def committee_create(request: HttpRequest, institution_pk: int) -> HttpResponse:
    institution = selectors.institution_get_for_user(request.user, institution_pk)
    if not policies.may(request.user, "create_committee", institution):
        raise PermissionDenied
    form = forms.CommitteeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            committee = services.committee_create(
                actor=request.user, institution=institution, **form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The committee was created; register it within 30 days."))
            return redirect("committees:committee-detail", pk=committee.pk)
    return render(request, "committees/form.html", {"form": form, "title": _("New committee")})


@login_required
def committee_edit(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_get_for_user(request.user, pk)
    _require_manage(request, committee)
    form = forms.CommitteeForm(request.POST or None, instance=committee)
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_update(
                committee_id=committee.pk, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The committee was saved."))
            return redirect("committees:committee-detail", pk=committee.pk)
    return render(request, "committees/form.html", {"form": form, "title": _("Edit committee")})


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
            "may_manage": policies.may(request.user, "manage", committee),
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
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_get_for_user(request.user, pk)
    _require_manage(request, committee)
    form = forms.MembershipForm(request.POST or None, request.FILES or None, committee=committee)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        person = data.pop("user")
        new_name, new_email = data.pop("new_name"), data.pop("new_email")
        try:
            if person is None:
                person = services.person_create(
                    actor=request.user,
                    name=new_name,
                    email=new_email,
                    institution=None if data["external"] else committee.institution,
                )
            services.membership_add(
                committee_id=committee.pk, actor=request.user, user=person, **data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s was added to the committee.") % {"name": person.display_name}
            )
            return redirect("committees:committee-detail", pk=committee.pk)
    return render(
        request,
        "committees/membership_form.html",
        {"form": form, "committee": committee, "title": _("Add a member")},
    )


@login_required
def membership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_get_for_user(request.user, pk)
    return render(
        request,
        "committees/membership_detail.html",
        {
            "membership": membership,
            "committee": membership.committee,
            "may_manage": policies.may(request.user, "manage", membership),
            "pledge_form": forms.PledgeForm(),
            "training_form": forms.TrainingForm(),
            "end_form": forms.EndMembershipForm(initial={"ended_on": timezone.localdate()}),
        },
    )


@login_required
def membership_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_get_for_user(request.user, pk)
    _require_manage(request, membership)
    committee = membership.committee
    form = forms.MembershipForm(
        request.POST or None, instance=membership, committee=committee, editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(
                membership_id=membership.pk, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("committees:membership-detail", pk=membership.pk)
        else:
            messages.success(request, _("The membership was saved."))
            return redirect("committees:committee-detail", pk=committee.pk)
    return render(
        request,
        "committees/membership_form.html",
        {
            "form": form,
            "committee": committee,
            "membership": membership,
            "title": _("Edit membership"),
        },
    )


def _member_action(
    request: HttpRequest, pk: int, form_class: type[Form], action: Any
) -> HttpResponse:
    """POST-only helper for the forms on the membership page."""
    membership = selectors.membership_get_for_user(request.user, pk)
    _require_manage(request, membership)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            action(membership, form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("committees:membership-detail", pk=membership.pk)
        else:
            messages.success(request, _("Saved."))
            return redirect("committees:membership-detail", pk=membership.pk)
    context = {
        "membership": membership,
        "committee": membership.committee,
        "may_manage": True,
        "pledge_form": forms.PledgeForm(),
        "training_form": forms.TrainingForm(),
        "end_form": forms.EndMembershipForm(initial={"ended_on": timezone.localdate()}),
    }
    key = {forms.PledgeForm: "pledge_form", forms.TrainingForm: "training_form"}.get(
        form_class, "end_form"
    )
    context[key] = form
    return render(request, "committees/membership_detail.html", context, status=400)


@login_required
@require_POST
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    def end(membership: Membership, data: dict[str, Any]) -> None:
        services.membership_end(
            membership_id=membership.pk,
            actor=request.user,
            ended_on=data["ended_on"],
            reason=data["reason"],
        )

    return _member_action(request, pk, forms.EndMembershipForm, end)


@login_required
@require_POST
def pledge_add(request: HttpRequest, pk: int) -> HttpResponse:
    def record(membership: Membership, data: dict[str, Any]) -> None:
        upload = data.pop("file", None)
        services.pledge_record(
            membership_id=membership.pk, actor=request.user, upload=upload, **data
        )

    return _member_action(request, pk, forms.PledgeForm, record)


@login_required
@require_POST
def training_add(request: HttpRequest, pk: int) -> HttpResponse:
    def record(membership: Membership, data: dict[str, Any]) -> None:
        upload = data.pop("file", None)
        services.training_record(
            membership_id=membership.pk, actor=request.user, upload=upload, **data
        )

    return _member_action(request, pk, forms.TrainingForm, record)


@login_required
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_get_for_user(request.user, pk)
    _require_manage(request, committee)
    form = forms.DocumentForm(
        request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.document_upload(
                committee_id=committee.pk,
                actor=request.user,
                kind=data["kind"],
                upload=data["file"],
                title=data["title"],
                effective_on=data["effective_on"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The document was uploaded as a new version."))
            return redirect("committees:committee-detail", pk=committee.pk)
    return render(
        request,
        "committees/form.html",
        {"form": form, "committee": committee, "title": _("Upload a document"), "multipart": True},
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


@login_required
def entrustment_add(request: HttpRequest, pk: int) -> HttpResponse:
    committee = selectors.committee_get_for_user(request.user, pk)
    _require_manage(request, committee)
    form = forms.EntrustmentForm(request.POST or None, request.FILES or None, committee=committee)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.entrustment_create(
                actor=request.user,
                entrusting_institution=data["entrusting_institution"],
                receiving_committee_id=committee.pk,
                scope=data["scope"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                agreement=data["agreement"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The entrustment was recorded."))
            return redirect("committees:committee-detail", pk=committee.pk)
    return render(
        request,
        "committees/form.html",
        {
            "form": form,
            "committee": committee,
            "title": _("Record an entrustment"),
            "multipart": True,
        },
    )


@login_required
@require_POST
def entrustment_end(request: HttpRequest, pk: int) -> HttpResponse:
    entrustment = selectors.entrustment_get_for_user(request.user, pk)
    _require_manage(request, entrustment)
    try:
        services.entrustment_end(
            entrustment_id=entrustment.pk, actor=request.user, ended_on=timezone.localdate()
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The entrustment was ended."))
    return redirect("committees:committee-detail", pk=entrustment.receiving_committee_id)
