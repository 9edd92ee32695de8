"""The committees app's state changes, declared once for the pages and the API (ethics.actions).

Four tables, one per kind of target: institutions, committees (their particulars, roster,
documents and entrustments received), memberships (the appointment, its end, pledges and
training) and entrustments. Officers (chair, vice-chair, secretary) are appointments with that
role: `add_member`, and a membership's `update` to change the role.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees import forms, selectors, services
from committees.api.serializers import (
    DocumentSerializer,
    EntrustmentSerializer,
    MembershipSerializer,
    PledgeSerializer,
    TrainingSerializer,
)
from committees.models import Committee, Entrustment, Membership
from ethics import channels, hooks, policies
from ethics.actions import Action, ActionTable, Call
from ethics.models import Institution, User

# --- predicates --------------------------------------------------------------------------------


def _may(user: User, action: str, obj: models.Model) -> bool:
    """The policy's answer, asked once per request for each object (buttons ask it often)."""
    key = f"committees.may.{action}.{obj._meta.label_lower}.{obj.pk}"
    return hooks.memo(user, key, lambda: policies.may(user, action, obj))


def _webhook_add(call: Call) -> Any:
    data = call.data
    return channels.webhook_save(
        actor=call.actor,
        committee_id=call.target.pk,
        vendor=data["vendor"],
        url=data["url"],
        secret=data.get("secret", ""),
        name=data.get("name", ""),
    )


def _webhook_delete(call: Call) -> None:
    channels.webhook_delete(actor=call.actor, webhook=call.target)


def _webhook_out(hook: Any) -> dict[str, Any]:
    """A robot as the API shows it: never its address nor its secret."""
    return {
        "id": hook.pk,
        "vendor": hook.vendor,
        "name": hook.name,
        "active": hook.active,
        "signed": bool(hook.secret),
    }


def may_manage(user: User, obj: models.Model) -> bool:
    """Chair, vice-chair and secretary of the committee, its institution's admins, site admins."""
    return _may(user, "manage", obj)


def may_change_institution(user: User, institution: Institution) -> bool:
    return _may(user, "change", institution)


def may_create_institution(user: User, target: Any) -> bool:
    return bool(user.is_superuser)


def may_create_committee(user: User, institution: Institution | None) -> bool:
    """For a page, the institution of its URL; for the API, anyone who may create a committee
    somewhere (the service checks the institution named in the input)."""
    if institution is None:
        return bool(user.is_superuser or (user.institution_admin and user.institution_id))
    return _may(user, "create_committee", institution)


def in_office(membership: Membership) -> bool:
    return membership.ended_on is None


def entrustment_running(entrustment: Entrustment) -> bool:
    return entrustment.ended_on is None


# --- runners -----------------------------------------------------------------------------------


def _institution_create(call: Call) -> Institution:
    return services.institution_create(actor=call.actor, **call.data)


def _institution_update(call: Call) -> Institution:
    return services.institution_update(
        institution_id=call.target.pk, actor=call.actor, data=call.data
    )


def _committee_create(call: Call) -> Committee:
    data = dict(call.data)
    institution = data.pop("institution", None) or call.target
    return services.committee_create(actor=call.actor, institution=institution, **data)


def _committee_update(call: Call) -> Committee:
    return services.committee_update(committee_id=call.target.pk, actor=call.actor, data=call.data)


@transaction.atomic
def _member_add(call: Call) -> Membership:
    # One transaction: a new person's account is not kept when the appointment is refused.
    data = dict(call.data)
    person = data.pop("user", None)
    name, email = data.pop("new_name", ""), data.pop("new_email", "")
    committee = call.target
    if person is None:
        person = services.person_create(
            actor=call.actor,
            name=name,
            email=email,
            institution=None if data["external"] else committee.institution,
        )
    return services.membership_add(committee_id=committee.pk, actor=call.actor, user=person, **data)


def _document_upload(call: Call) -> Any:
    data = call.data
    return services.document_upload(
        committee_id=call.target.pk,
        actor=call.actor,
        kind=data["kind"],
        upload=data["file"],
        title=data["title"],
        effective_on=data["effective_on"],
    )


def _entrustment_add(call: Call) -> Entrustment:
    data = call.data
    return services.entrustment_create(
        actor=call.actor,
        entrusting_institution=data["entrusting_institution"],
        receiving_committee_id=call.target.pk,
        scope=data["scope"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        agreement=data["agreement"],
    )


def _deputy(call: Call) -> Committee:
    return services.committee_designate_deputy(
        committee_id=call.target.pk, actor=call.actor, deputy=call.data["deputy"]
    )


def may_designate_deputy(user: User, committee: Committee) -> bool:
    """The committee's chair (R20a: the chair designates who acts in the chair's place)."""
    key = f"committees.may.deputy.{committee.pk}"
    return hooks.memo(user, key, lambda: services.may_designate_deputy(user, committee))


def _member_update(call: Call) -> Membership:
    return services.membership_update(
        membership_id=call.target.pk, actor=call.actor, data=call.data
    )


def _member_end(call: Call) -> Membership:
    return services.membership_end(
        membership_id=call.target.pk,
        actor=call.actor,
        ended_on=call.data["ended_on"],
        reason=call.data["reason"],
    )


def _pledge(call: Call) -> Any:
    data = dict(call.data)
    upload = data.pop("file", None) or None
    return services.pledge_record(
        membership_id=call.target.pk, actor=call.actor, upload=upload, **data
    )


def _training(call: Call) -> Any:
    data = dict(call.data)
    upload = data.pop("file", None) or None
    return services.training_record(
        membership_id=call.target.pk, actor=call.actor, upload=upload, **data
    )


def _entrustment_end(call: Call) -> Entrustment:
    return services.entrustment_end(
        entrustment_id=call.target.pk,
        actor=call.actor,
        ended_on=call.data["ended_on"] or timezone.localdate(),
        reason=call.data["reason"],
    )


def _rule_override(call: Call) -> Committee:
    return services.rule_override_set(
        committee_id=call.target.pk,
        name=call.data["name"],
        value=call.data["value"],
        reason=call.data["reason"],
        actor=call.actor,
    )


def _as(serializer: Any) -> Any:
    """The API's answer for an action that creates a row of another kind than its target."""

    def respond(call: Call, result: Any) -> Any:
        return serializer(result).data

    return respond


# --- tables ------------------------------------------------------------------------------------

INSTITUTIONS = ActionTable(
    "committees.institution",
    load=lambda user, pk: selectors.institution_get_for_user(user, pk),
    actions=[
        Action(
            "create",
            run=_institution_create,
            label=_("New institution"),
            input=forms.InstitutionForm,
            allowed=may_create_institution,
            detail=False,
            status=201,
            on_page=False,
        ),
        Action(
            "update",
            run=_institution_update,
            label=_("Edit institution profile"),
            input=forms.InstitutionForm,
            form_kwargs=lambda user, institution: {"instance": institution},
            allowed=may_change_institution,
            done=_("The institution profile was saved."),
        ),
    ],
)

COMMITTEES = ActionTable(
    "committees.committee",
    load=lambda user, pk: selectors.committee_get_for_user(user, pk),
    actions=[
        Action(
            "create",
            run=_committee_create,
            label=_("New committee"),
            input=forms.CommitteeCreateForm,
            # The page's target is the institution of its URL; the API names it in the input.
            form_kwargs=lambda user, institution: {"actor": user, "institution": institution},
            allowed=may_create_committee,
            done=_("The committee was created; register it within 30 days."),
            detail=False,
            status=201,
            on_page=False,
        ),
        Action(
            "update",
            run=_committee_update,
            label=_("Edit committee"),
            input=forms.CommitteeForm,
            form_kwargs=lambda user, committee: {"instance": committee},
            allowed=may_manage,
            done=_("The committee was saved."),
        ),
        Action(
            "add_member",
            run=_member_add,
            label=_("Add a member"),
            input=forms.MembershipAddForm,
            form_kwargs=lambda user, committee: {"committee": committee},
            allowed=may_manage,
            done=_("The member was added to the committee."),
            status=201,
            url_path="members",
            respond=_as(MembershipSerializer),
            response_schema=MembershipSerializer,
        ),
        Action(
            "upload_document",
            run=_document_upload,
            label=_("Upload a document"),
            input=forms.DocumentForm,
            allowed=may_manage,
            done=_("The document was uploaded as a new version."),
            status=201,
            url_path="documents",
            respond=_as(DocumentSerializer),
            response_schema=DocumentSerializer,
        ),
        Action(
            "add_entrustment",
            run=_entrustment_add,
            label=_("Record an entrustment"),
            input=forms.EntrustmentForm,
            form_kwargs=lambda user, committee: {"committee": committee},
            allowed=may_manage,
            done=_("The entrustment was recorded."),
            status=201,
            url_path="entrustments",
            respond=_as(EntrustmentSerializer),
            response_schema=EntrustmentSerializer,
        ),
        Action(
            "designate_deputy",
            run=_deputy,
            label=_("Designate the chair's deputy"),
            input=forms.DeputyForm,
            form_kwargs=lambda user, committee: {"committee": committee},
            allowed=may_designate_deputy,
            done=_("The deputy was designated."),
            url_path="deputy",
        ),
        # README "Notifications and calendars": the committee's chat-group robots.
        Action(
            "add_webhook",
            run=_webhook_add,
            label=_("Add a group robot"),
            input=forms.WebhookForm,
            allowed=may_manage,
            done=_("The group robot was added."),
            status=201,
            url_path="webhooks",
            respond=lambda call, hook: _webhook_out(hook),
        ),
    ],
)

WEBHOOKS = ActionTable(
    "committees.webhook",
    load=lambda user, pk: selectors.webhook_get_for_manager(user, pk),
    actions=[
        Action(
            "delete",
            run=_webhook_delete,
            label=_("Remove"),
            allowed=lambda user, hook: True,  # loaded only for those who manage the committee
            done=_("The group robot was removed."),
        ),
    ],
)

# --- what an irreversible step does, said before it is taken (ethics.actions.Action.confirm) ---


def _confirm_member_end(call: Call) -> Any:
    membership = call.target
    return _(
        "%(name)s leaves the committee on %(date)s: from then on they no longer review, vote or "
        "count towards the quorum and the composition (R4–R7). This cannot be undone; a return "
        "is a new appointment."
    ) % {"name": membership.user.display_name, "date": call.data["ended_on"].isoformat()}


def _confirm_entrustment_end(call: Call) -> Any:
    ended_on = call.data.get("ended_on") or timezone.localdate()
    return _(
        "The entrustment ends on %(date)s: from then on the committee no longer reviews new "
        "projects of the entrusting institution (R17). This cannot be undone; a new agreement "
        "is a new entrustment."
    ) % {"date": ended_on.isoformat()}


MEMBERSHIPS = ActionTable(
    "committees.membership",
    load=lambda user, pk: selectors.membership_get_for_user(user, pk),
    actions=[
        Action(
            "update",
            run=_member_update,
            label=_("Edit membership"),
            input=forms.MembershipForm,
            form_kwargs=lambda user, membership: {"instance": membership},
            allowed=may_manage,
            shown=in_office,
            done=_("The membership was saved."),
        ),
        Action(
            "end",
            run=_member_end,
            confirm=_confirm_member_end,
            label=_("End membership"),
            input=forms.EndMembershipForm,
            form_kwargs=lambda user, membership: {"initial": {"ended_on": timezone.localdate()}},
            allowed=may_manage,
            shown=in_office,
            done=_("The membership was ended."),
        ),
        Action(
            "pledge",
            run=_pledge,
            label=_("Record pledge"),
            input=forms.PledgeForm,
            allowed=may_manage,
            done=_("The pledge was recorded."),
            status=201,
            url_path="pledges",
            respond=_as(PledgeSerializer),
            response_schema=PledgeSerializer,
        ),
        Action(
            "training",
            run=_training,
            label=_("Record training"),
            input=forms.TrainingForm,
            allowed=may_manage,
            done=_("The training was recorded."),
            status=201,
            url_path="trainings",
            respond=_as(TrainingSerializer),
            response_schema=TrainingSerializer,
        ),
    ],
)

ENTRUSTMENTS = ActionTable(
    "committees.entrustment",
    load=lambda user, pk: selectors.entrustment_get_for_user(user, pk),
    actions=[
        Action(
            "end",
            run=_entrustment_end,
            confirm=_confirm_entrustment_end,
            label=_("End entrustment"),
            input=forms.EndEntrustmentForm,
            allowed=may_manage,
            shown=entrustment_running,
            done=_("The entrustment was ended."),
        ),
    ],
)

# The committee's SOP values of the rules the texts leave to it (B2, R33, R61): the Rules page
# (committees:rules) and /api/v1/rules/{committee id}/override/. Who may set them: whoever
# manages the committee (chair, vice-chair, secretary, the institution's admins, site admins),
# as for the SOP documents themselves.
RULES = ActionTable(
    "committees.rules",
    load=lambda user, pk: selectors.committee_get_for_user(user, pk),
    actions=[
        Action(
            "override",
            run=_rule_override,
            label=_("Set the SOP value"),
            input=forms.RuleOverrideForm,
            allowed=may_manage,
            done=_("The SOP value was saved; new clocks use it."),
        ),
    ],
)


# --- directory import ------------------------------------------------------------------------


def _import_check(call: Call) -> Any:
    data = call.data
    upload = data["file"]
    return services.import_check(
        actor=call.actor,
        kind=data["kind"],
        committee=data.get("committee"),
        name=upload.name,
        content=upload.read(),
    )


def _import_apply(call: Call) -> Any:
    return services.import_apply(batch_id=call.target.pk, actor=call.actor)


def may_check_import(user: User, target: Any) -> bool:
    """Anyone who may import some kind of sheet (the service checks the kind and committee):
    site and institution administrators, and the officers of a committee."""
    if not getattr(user, "is_authenticated", False):
        return False
    return hooks.memo(
        user, "committees.may.import", lambda: selectors.committees_managed_by(user).exists()
    )


def may_apply_import(user: User, batch: Any) -> bool:
    return services.may_import(user, batch.kind, batch.committee)


def import_pending(batch: Any) -> bool:
    return batch.applied_at is None


def _import_done(call: Call, batch: Any) -> str:
    counts = batch.counts
    return str(
        _(
            "The sheet was applied: %(created)s created, %(updated)s changed, "
            "%(unchanged)s unchanged."
        )
        % counts
    )


IMPORTS = ActionTable(
    "committees.import",
    load=lambda user, pk: selectors.import_batch_get_for_user(user, pk),
    actions=[
        Action(
            "check",
            run=_import_check,
            label=_("Check the sheet"),
            input=forms.ImportForm,
            form_kwargs=lambda user, target: {"actor": user},
            allowed=may_check_import,
            who=_(
                "Site administrators import institutions, institution administrators accounts, "
                "and a committee's chair, vice-chair or secretary its members."
            ),
            done=_("The sheet was checked; review the report before applying it."),
            detail=False,
            status=201,
            on_page=False,
        ),
        Action(
            "apply",
            run=_import_apply,
            label=_("Apply the sheet"),
            allowed=may_apply_import,
            shown=import_pending,
            done=_import_done,
        ),
    ],
)
