"""The state changes of reviews, declared once for the pages and the API (ethics.actions).

- ``PROJECTS``: create, update, prescreen, start, participants;
- ``APPLICATIONS``: create, the documents (upload, request_correction), every workflow action of
  ``reviews.workflow`` that a person takes, and the reviewer's declaration and opinion;
- ``CONFLICTS``: a standing conflict declaration on an application (R20a);
- ``RECOGNITIONS``: create (R31);
- ``INVITATIONS``: the invitee accepts or declines a team invitation (R8, R20a).

Who may act (`allowed`, 403) is the role the transition table names for the action
(``workflow.ACTION_ROLES``), read once per loaded application by ``roles``; whether the page
offers the action now (`shown`) is the transition table plus the guards the services apply after
a decision. The services still decide (409 with the rule).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from committees.models import MANAGING_ROLES, Role
from committees.policies import current_roles
from ethics import policies
from ethics.actions import Action, ActionTable, Call, policy
from ethics.errors import Conflict
from ethics.models import User
from reviews import checklist, forms, selectors, services, workflow
from reviews.api import serializers as s
from reviews.hooks import is_officer
from reviews.models import (
    AppealState,
    Application,
    Decision,
    InvitationState,
    Outcome,
    Project,
    Recognition,
    TeamInvitation,
)
from reviews.policies import DETERMINATION_ROLES, acts_for_chair
from reviews.workflow import APPLICANT, CHAIR, REVIEWER, SECRETARY, Kind, Procedure, Status

W = workflow.Action


def roles(user: User, application: Application) -> frozenset[str]:
    """The user's workflow roles towards `application` (as ``policies.roles_for``), kept on the
    loaded application: a page asks for every action. Committee roles come from the request's
    memo (the navigation reads it too); team and reviewer from the page selector's annotations.
    """
    cache: dict[int, frozenset[str]] = application.__dict__.setdefault("_viewer_roles", {})
    if user.pk not in cache:
        held = set()
        if application.project.lead_id == user.pk or selectors.in_team(user, application):
            held.add(APPLICANT)
        committee = current_roles(user).get(application.committee_id, frozenset())
        if committee & set(MANAGING_ROLES):
            held.add(SECRETARY)
        if Role.CHAIR in committee:
            held.add(CHAIR)
        elif Role.VICE_CHAIR in committee and acts_for_chair(user, application):
            held.add(CHAIR)  # R20a: the chair's deputy (or another vice-chair) acts instead
        if selectors.reviews_now(user, application):
            held.add(REVIEWER)
        cache[user.pk] = frozenset(held)
    return cache[user.pk]


def _done(label: Any) -> Any:
    """ "Done: <action>" in the language of the request that shows it."""
    return lazy(lambda: gettext("Done: %(action)s") % {"action": label}, str)()


def _submitted(call: Call, application: Any) -> Any:
    """The submission's message, with any warning of the eligibility checks (R10a: the lead's
    ethics training missing or expired where the committee warns rather than refuses)."""
    warnings = getattr(application, "eligibility_warnings", None) or []
    done = gettext("Done: %(action)s") % {"action": W.SUBMIT.label}
    return " ".join([done, *(str(p.message) for p in warnings)])


# --- projects -----------------------------------------------------------------------------------


def _project_form(user: User, _target: Any) -> dict[str, Any]:
    return {
        "committees": selectors.reviewable_committees(user),
        "colleagues": selectors.colleagues(user),
        "known_committees": selectors.known_committees(user),
    }


def _project_create(call: Call) -> Project:
    data = call.data
    return services.project_create(
        actor=call.actor,
        title=data["title"],
        committee=data["committee"],
        scope=data["scope"],
        listed_item=data["listed_item"],
        international=data["international"],
        planned_start=data["planned_start"],
        planned_end=data["planned_end"],
        team=list(data["team"]),
    )


def _project_update(call: Call) -> Project:
    changes = call.form.changes()  # type: ignore[union-attr]
    if "team" in changes:
        changes["team"] = list(changes["team"])
    return services.project_update(project_id=call.target.pk, actor=call.actor, data=changes)


def _prescreen(call: Call) -> Project:
    answers = call.form.answered()  # type: ignore[union-attr]
    return services.project_prescreen(project_id=call.target.pk, actor=call.actor, answers=answers)


def _participants(call: Call) -> Project:
    return services.project_set_participants(
        project_id=call.target.pk,
        institution_ids=[i.pk for i in call.data["participating_institutions"]],
        actor=call.actor,
    )


PROJECTS = ActionTable(
    "reviews.project",
    load=lambda user, pk: selectors.project_get_for_user(user, pk),
    actions=[
        Action(
            "create",
            run=_project_create,
            label=_("Create project"),
            input=forms.ProjectForm,
            form_kwargs=_project_form,
            done=_("Project created. Answer the scope questions next."),
            status=201,
            detail=False,
            on_page=False,
        ),
        Action(
            "update",
            run=_project_update,
            label=_("Change the project"),
            input=forms.ProjectUpdateForm,
            form_kwargs=_project_form,
            allowed=policy("change"),
            done=_("The project was changed."),
            method="patch",
            on_page=False,
        ),
        Action(
            "prescreen",
            run=_prescreen,
            label=_("Record answers"),
            input=forms.PrescreenForm,
            form_kwargs=lambda _user, project: {"initial": project.prescreen or {}},
            allowed=policy("prescreen"),
            done=_("The answers are recorded."),
        ),
        Action(
            "start",
            run=lambda call: services.project_start(project_id=call.target.pk, actor=call.actor),
            label=workflow.ProjectAction.START.label,
            allowed=policy("start"),
            shown=lambda project: project.status == workflow.ProjectStatus.APPROVED,
            done=_("The activity has started."),
        ),
        # R8 / R20a: the lead invites one person; they join when they accept.
        Action(
            "invite",
            run=lambda call: services.team_invite(
                project_id=call.target.pk,
                user=call.data["user"],
                role=call.data["role"],
                actor=call.actor,
            ),
            label=_("Invite to the team"),
            input=forms.InviteForm,
            form_kwargs=lambda user, _project: {"colleagues": selectors.colleagues(user)},
            allowed=policy("change"),
            shown=lambda project: not services.team_frozen(project),
            done=_("The invitation is sent."),
            status=201,
            url_path="invitations",
            response_schema=s.TeamInvitationSerializer,
            on_page=False,
        ),
        Action(
            "participants",
            run=_participants,
            label=_("Participating institutions (R31)"),
            input=forms.ParticipantsForm,
            allowed=policy("change_participants"),
            done=_("The participating institutions are recorded."),
            on_page=False,
        ),
    ],
)


# --- applications -------------------------------------------------------------------------------


def _role(action: str) -> Callable[[User, Application], bool]:
    needed = workflow.ACTION_ROLES[W(action)]

    def allowed(user: User, application: Application) -> bool:
        return bool(needed & roles(user, application))

    return allowed


def _assign_allowed(user: User, application: Application) -> bool:
    # R33: the chair designates the reviewers of a simplified review.
    held = roles(user, application)
    if application.procedure == Procedure.SIMPLIFIED:
        return CHAIR in held
    return bool(workflow.ACTION_ROLES[W.ASSIGN] & held)


Guard = Callable[[Application, Decision | None], bool]


def _offered(action: str, guard: Guard | None = None) -> Callable[[Application], bool]:
    """The transition table allows `action` now and its guard, given the latest decision, holds
    (the service checks the same and answers 409 with the rule)."""

    def shown(application: Application) -> bool:
        return workflow.allowed(application.status, action) and (
            guard is None or guard(application, selectors.latest_decision(application))
        )

    return shown


def _decided_here(application: Application, _decision: Decision | None) -> bool:
    # A meeting review is decided by the meeting (meetings app); the chair decides the others
    # and every final decision after expert re-review (R44).
    return (
        application.status == Status.AWAITING_REREVIEW or application.procedure != Procedure.MEETING
    )


def _modifications_awaited(_application: Application, decision: Decision | None) -> bool:
    return bool(decision and decision.modifications_pending)


def _modifications_submitted(_application: Application, decision: Decision | None) -> bool:
    return bool(decision and decision.modifications_pending and decision.modifications_submitted_at)


def _resubmission_asked(_application: Application, decision: Decision | None) -> bool:
    return bool(decision and decision.outcome == Outcome.RESUBMIT)


def _appealable(application: Application, decision: Decision | None) -> bool:
    """R27: an adverse decision, not of an appeal, within the period, with no appeal pending
    (the service's own test, ``services.appeal_refusal``)."""
    if decision is None or not services.is_adverse(decision) or application.kind == Kind.APPEAL:
        return False  # decided without a query
    pending = any(
        a.original_decision_id == decision.pk and a.state == AppealState.FILED
        for a in selectors.appeals_against(application)
    )
    return services.appeal_refusal(application, decision, pending=pending) is None


def _a_report(application: Application, _decision: Decision | None) -> bool:
    return application.kind in workflow.TRIAGED_KINDS  # R30


def _may_upload_now(application: Application) -> bool:
    """The upload form shows only where document_upload would take the file: a draft, a
    returned application, a correction the secretary asked for while it is open, or the
    modifications a decision asks for; never on a submitted (without a correction request),
    withdrawn, not accepted or otherwise decided application."""
    if application.status in workflow.EDITABLE:
        return True
    if application.status in workflow.OPEN_STATUSES:
        return bool(selectors.correction_slots(application))
    return services.post_decision_editable(application, selectors.latest_decision(application))


def _upload_slots(_user: User, application: Application) -> dict[str, Any]:
    """The slots of the kind; the page offers, while the application is open, only those to
    correct (any other still validates, and the service refuses it with its 409)."""
    slots = checklist.slots_for(application.kind)
    kwargs: dict[str, Any] = {"slots": slots}
    if application.status in workflow.OPEN_STATUSES:
        wanted = set(selectors.correction_slots(application))
        kwargs["offered"] = [slot for slot in slots if slot in wanted]
    return kwargs


def _slots(_user: User, application: Application) -> dict[str, Any]:
    return {"slots": checklist.slots_for(application.kind)}


def _on(service: Callable[..., Any], *fields: str) -> Callable[[Call], Any]:
    """Call `service` on the target application with these fields of the validated input."""

    def run(call: Call) -> Any:
        values = {name: call.data[name] for name in fields}
        return service(application_id=call.target.pk, actor=call.actor, **values)

    return run


def _application_create(call: Call) -> Application:
    project = selectors.project_get_for_user(call.actor, call.data["project"])
    return services.application_create(
        project_id=project.pk,
        actor=call.actor,
        kind=call.data["kind"],
        summary=call.data["summary"],
        major_change=call.data["major_change"],
        team_add=list(call.data["team_add"]),
        team_remove=list(call.data["team_remove"]),
    )


def _upload(call: Call) -> Any:
    return services.document_upload(
        application_id=call.target.pk,
        slot=call.data["slot"],
        upload=call.data["file"],
        actor=call.actor,
    )


def _return(call: Call) -> Any:
    return services.application_return(
        application_id=call.target.pk,
        missing=call.form.items(),  # type: ignore[union-attr]
        note=call.data["note"],
        actor=call.actor,
    )


def _accept(call: Call) -> Any:
    return services.application_accept(
        application_id=call.target.pk,
        procedure=call.data["procedure"],
        grounds=call.form.grounds_value(),  # type: ignore[union-attr]
        actor=call.actor,
    )


def _determiner(action: str) -> Callable[[User, Application], bool]:
    """R16/R37/R46: the committee roles ``reviews.policies.DETERMINATION_ROLES`` names."""
    needed = DETERMINATION_ROLES[action]
    return lambda user, application: bool(needed & roles(user, application))


def _listing_open(application: Application) -> bool:
    """R37: offered while the committee accepts or reviews: always for a project not yet
    determined, else on the applications that (re)consider the activity itself."""
    return application.status in services.DETERMINING_STATUSES and (
        application.project.listing == "undetermined"
        or application.kind in (Kind.INITIAL, Kind.APPEAL, Kind.AMENDMENT)
    )


def _propose_listing(call: Call) -> Any:
    return services.listing_propose(
        application_id=call.target.pk,
        actor=call.actor,
        listed=call.data["listing"] == "listed",
        listed_item=call.data["listed_item"],
    )


def _classify(call: Call) -> Any:
    return services.amendment_classify(
        application_id=call.target.pk,
        actor=call.actor,
        major=call.data["classification"] == "major",
        reasons=call.data["reasons"],
    )


def _assign(call: Call) -> Any:
    return services.application_assign(
        application_id=call.target.pk,
        membership_ids=[m.pk for m in call.data["reviewers"]],
        actor=call.actor,
    )


def _my_assignment(call: Call) -> int:
    assignment = selectors.open_assignment(call.actor, call.target)
    if assignment is None:
        raise Conflict("not_assigned", _("You are not assigned to review this application."))
    return assignment.pk


def _declare(call: Call) -> Any:
    return services.assignment_declare(
        assignment_id=_my_assignment(call),
        conflicted=call.data["conflicted"],
        note=call.data["note"],
        actor=call.actor,
    )


def _opinion(call: Call) -> Any:
    return services.opinion_record(
        assignment_id=_my_assignment(call),
        verdict=call.data["verdict"],
        comments=call.data["comments"],
        worksheet=call.form.answers(),  # type: ignore[union-attr]
        actor=call.actor,
    )


def _record_rereview(call: Call) -> Any:
    data = call.data
    return services.rereview_record(
        application_id=call.target.pk,
        actor=call.actor,
        opinion=data["opinion"],
        received_on=data["received_on"],
        panel_size=data["panel_size"],
        authority=data["authority"],
        reasons=data["reasons"],
        from_originating_committee=data["from_originating_committee"] or 0,
    )


def _appeal(call: Call) -> Application:
    """R27: the answer is the new appeal application (a draft to add documents to and submit)."""
    appeal = services.appeal_file(
        application_id=call.target.pk, actor=call.actor, grounds=call.data["grounds"]
    )
    return appeal.application


# Who takes a workflow action, by its roles (workflow.ACTION_ROLES), for the refusal page (403).
_OFFICERS = _(
    "Only an officer of the reviewing committee (its chair, a vice-chair or the secretary) "
    "without an interest in the application takes this step (R20a)."
)
_WHO: dict[frozenset[str], Any] = {
    frozenset({APPLICANT}): _("Only the project's lead or a member of its team takes this step."),
    frozenset({SECRETARY}): _OFFICERS,
    frozenset({SECRETARY, CHAIR}): _OFFICERS,
    frozenset({CHAIR}): _(
        "Only the committee's chair, or the vice-chair acting for the chair, takes this step."
    ),
    frozenset({REVIEWER}): _("Only a member assigned to review this application takes this step."),
}


def _workflow(
    action: str,
    run: Callable[[Call], Any],
    *,
    form: type[Any] | None = None,
    guard: Guard | None = None,
    **kwargs: Any,
) -> Action:
    """An action of the transition table: its label, role, offer and message come from there."""
    label = W(action).label
    kwargs.setdefault("allowed", _role(action))
    kwargs.setdefault("who", _WHO.get(workflow.ACTION_ROLES[W(action)], ""))
    kwargs.setdefault("done", _done(label))
    return Action(
        str(action),
        run=run,
        label=label,
        input=form,
        shown=_offered(action, guard),
        **kwargs,
    )


def _note_action(action: str, service: Callable[..., Any], **kwargs: Any) -> Action:
    form = forms.RequiredNoteForm if action == W.RETURN_MODIFICATIONS else forms.NoteForm
    return _workflow(action, _on(service, "note"), form=form, **kwargs)


# --- what an irreversible step does, said before it is taken (ethics.actions.Action.confirm) ---


def _ref(application: Application) -> str:
    return application.ref or application.project.title


def _confirm_decide(call: Call) -> list[Any]:
    application = call.target
    outcome = Outcome(call.data["outcome"]).label
    return [
        _(
            "The decision “%(outcome)s” on %(ref)s is issued and signed in your name; the "
            "applicant is notified and the decision letter is prepared."
        )
        % {"outcome": outcome, "ref": _ref(application)},
        _(
            "This takes decision number %(number)s in the committee's gap-free sequence and "
            "cannot be undone."
        )
        % {"number": selectors.next_decision_number(application.committee_id)},
    ]


def _confirm_not_accept(call: Call) -> Any:
    return _(
        "%(ref)s is not accepted (R14): its review ends here and the applicant is notified with "
        "your reason. This cannot be undone; the applicant would have to apply again."
    ) % {"ref": _ref(call.target)}


def _confirm_withdraw(call: Call) -> Any:
    return _(
        "%(ref)s is withdrawn: any open review round closes and its decision clock is waived. "
        "This cannot be undone; continuing needs a new application."
    ) % {"ref": _ref(call.target)}


def _confirm_modifications(call: Call) -> list[Any]:
    application = call.target
    return [
        _(
            "You confirm that the required modifications of %(ref)s were made; the approval is "
            "granted now (or, for a listed activity, the application goes to expert re-review)."
        )
        % {"ref": _ref(application)},
        _("An approval takes decision number %(number)s and cannot be undone.")
        % {"number": selectors.next_decision_number(application.committee_id)},
    ]


APPLICATIONS = ActionTable(
    "reviews.application",
    load=lambda user, pk: selectors.application_page_for_user(user, pk),
    actions=[
        # The project's lead or team starts one; the service asks the project's policy (apply).
        Action(
            "create",
            run=_application_create,
            label=_("Start an application"),
            input=forms.ApplicationCreateForm,
            status=201,
            detail=False,
            on_page=False,
        ),
        Action(
            "upload",
            run=_upload,
            label=_("Upload a new version"),
            input=forms.UploadForm,
            form_kwargs=_upload_slots,
            allowed=lambda user, application: APPLICANT in roles(user, application),
            shown=_may_upload_now,
            done=_("Document uploaded."),
            status=201,
            url_path="documents",  # with the list of versions (GET) on the same path
            response_schema=s.DocumentVersionSerializer,
        ),
        Action(
            "request_correction",
            run=_on(services.document_request_correction, "slot", "note"),
            label=_("Request correction"),
            input=forms.CorrectionForm,
            form_kwargs=_slots,
            allowed=lambda user, application: SECRETARY in roles(user, application),
            shown=lambda application: application.status in workflow.OPEN_STATUSES,
            done=_("Correction requested."),
        ),
        _workflow(W.SUBMIT, _on(services.application_submit), done=_submitted),
        _workflow(W.RETURN, _return, form=forms.ReturnForm),
        _workflow(
            W.NOT_ACCEPT,
            _on(services.application_not_accept, "reason"),
            form=forms.ReasonForm,
            confirm=_confirm_not_accept,
        ),
        # R37: the secretary proposes, the chair confirms with reasons, while accepting.
        Action(
            "propose_listing",
            run=_propose_listing,
            label=_("Propose the annex list determination (R37)"),
            input=forms.ListingProposeForm,
            allowed=_determiner("propose_listing"),
            shown=_listing_open,
            done=_("The determination is proposed; the chair confirms it."),
        ),
        Action(
            "confirm_listing",
            run=_on(services.listing_confirm, "reasons"),
            label=_("Confirm the annex list determination (R37)"),
            input=forms.ListingConfirmForm,
            allowed=_determiner("confirm_listing"),
            shown=lambda application: (
                application.status in services.DETERMINING_STATUSES
                and bool(application.project.listing_proposal)
            ),
            done=_("The committee's determination is recorded."),
        ),
        # R46: whether an amendment is a major change is the committee's classification.
        Action(
            "classify_amendment",
            run=_classify,
            label=_("Classify the amendment (R46)"),
            input=forms.ClassifyAmendmentForm,
            allowed=_determiner("classify_amendment"),
            shown=lambda application: (
                application.kind == Kind.AMENDMENT
                and application.status in services.DETERMINING_STATUSES
            ),
            done=_("The amendment is classified."),
        ),
        # R16: why an international activity needs no partner-country approval.
        Action(
            "waive_partner_approvals",
            run=_on(services.partner_approvals_waive, "reason"),
            label=_("Record why no partner approval is needed (R16)"),
            input=forms.ReasonForm,
            allowed=_determiner("waive_partner_approvals"),
            shown=lambda application: (
                application.project.international
                and not application.project.partner_approvals_waiver
                and application.status not in (Status.DRAFT, Status.WITHDRAWN)
            ),
            done=_("The committee's reason is recorded."),
        ),
        _workflow(
            W.ACCEPT,
            _accept,
            form=forms.AcceptForm,
            form_kwargs=lambda _user, application: {"application": application},
        ),
        _workflow(
            W.ASSIGN,
            _assign,
            form=forms.AssignForm,
            form_kwargs=lambda _user, application: {
                "members": selectors.reviewer_candidates(application),
                "member_rows": lambda: selectors.reviewer_candidate_rows(application),
            },
            allowed=_assign_allowed,
            who=_(
                "In a simplified review only the chair designates the reviewers; in the other "
                "procedures the committee's chair or secretary does."
            ),
            rule="R33",
        ),
        # The reviewer's own steps: their assignment page shows the forms (R20a, R22).
        _workflow(W.DECLARE, _declare, form=forms.DeclareForm, on_page=False),
        _workflow(
            W.OPINION,
            _opinion,
            form=forms.OpinionForm,
            form_kwargs=lambda _user, application: {
                "criteria": checklist.criteria_for(application.project.scope)
            },
            on_page=False,
        ),
        _workflow(
            W.EXTEND, _on(services.application_extend, "due_at", "reason"), form=forms.ExtendForm
        ),
        _workflow(
            W.DECIDE,
            _on(services.application_decide, "outcome", "conditions", "reasons"),
            form=forms.DecideForm,
            guard=_decided_here,
            confirm=_confirm_decide,
            status=201,
            response_schema=s.DecisionSerializer,
        ),
        _workflow(
            W.SUBMIT_REREVIEW,
            _on(services.rereview_submit, "authority", "submitted_on"),
            form=forms.SubmitRereviewForm,
            form_kwargs=lambda _user, application: {
                "authorities": selectors.rereview_authority_choices(application)
            },
            response_schema=s.ReReviewSerializer,
        ),
        _workflow(
            W.RECORD_REREVIEW,
            _record_rereview,
            form=forms.RecordRereviewForm,
            form_kwargs=lambda _user, _application: {
                "initial": {"received_on": timezone.localdate()}
            },
            response_schema=s.ReReviewSerializer,
        ),
        _note_action(
            W.SUBMIT_MODIFICATIONS,
            services.modifications_submit,
            guard=_modifications_awaited,
            response_schema=s.DecisionSerializer,
        ),
        _note_action(
            W.CONFIRM_MODIFICATIONS,
            services.modifications_confirm,
            guard=_modifications_submitted,
            confirm=_confirm_modifications,
            status=201,
            response_schema=s.DecisionSerializer,
        ),
        _note_action(
            W.RETURN_MODIFICATIONS,
            services.modifications_return,
            guard=_modifications_submitted,
            response_schema=s.DecisionSerializer,
        ),
        _note_action(W.RESUBMIT, services.application_resubmit, guard=_resubmission_asked),
        _workflow(
            W.APPEAL,
            _appeal,
            form=forms.AppealForm,
            guard=_appealable,
            status=201,
            response_schema=s.ApplicationSerializer,
        ),
        _note_action(W.ACKNOWLEDGE, services.application_acknowledge, guard=_a_report),
        _workflow(
            W.WITHDRAW,
            _on(services.application_withdraw, "reason"),
            form=forms.OptionalReasonForm,
            confirm=_confirm_withdraw,
        ),
    ],
)


# --- standing conflict declarations (R20a) ------------------------------------------------------


def _declare_standing(call: Call) -> Any:
    return services.conflict_declare(
        application_id=call.target.pk,
        actor=call.actor,
        reason=call.data["reason"],
        user_id=call.data["user"],
    )


# Whom it is for is in the input: the service asks the policy for that person (403).
CONFLICTS = ActionTable(
    "reviews.conflict",
    load=lambda user, pk: selectors.application_for_conflicts(user, pk),
    actions=[
        Action(
            "declare",
            run=_declare_standing,
            label=W.DECLARE.label,
            input=forms.ConflictForm,
            status=201,
            url_path="conflicts",
            response_schema=s.ConflictSerializer,
            on_page=False,
        ),
    ],
)


# --- mutual recognition (R31, N12) --------------------------------------------------------------


def _recognise(call: Call) -> Recognition:
    data = call.data
    return services.recognition_record(
        committee_id=data["committee"].pk,
        decision_number=data["decision_number"],
        verification_hash=data["verification_hash"],
        local_checks=data["local_checks"],
        actor=call.actor,
    )


def _recognise_outside(call: Call) -> Recognition:
    data = call.data
    return services.recognition_record_outside(
        committee_id=data["committee"].pk,
        project_id=data["project"].pk,
        issuing_committee=data["issuing_committee"],
        decision_number=data["decision_number"],
        decided_on=data["decided_on"],
        letter=data["letter"],
        verification_hash=data["verification_hash"],
        local_checks=data["local_checks"],
        actor=call.actor,
    )


def _outside_choices(user: User, _target: Any) -> dict[str, Any]:
    committees = selectors.managed_committees(user)
    return {
        "committees": committees,
        "projects": Project.objects.filter(committee__in=committees).order_by("-pk"),
        "known_committees": selectors.known_committees(user),
    }


RECOGNITIONS = ActionTable(
    "reviews.recognition",
    load=lambda user, pk: policies.get_visible_or_404(user, Recognition.objects.all(), pk=pk),
    actions=[
        Action(
            "create",
            run=_recognise,
            label=_("Record recognition"),
            input=forms.RecognitionForm,
            form_kwargs=lambda user, _target: {
                "committees": selectors.managed_committees(user),
                "known_committees": selectors.known_committees(user),
            },
            allowed=lambda user, _target: is_officer(user),
            done=_("The decision is recognised."),
            status=201,
            detail=False,
            on_page=False,
        ),
        # R31 / N12: a decision issued by a committee outside this system, with its letter.
        Action(
            "create_outside",
            run=_recognise_outside,
            label=_("Record a decision issued elsewhere"),
            input=forms.OutsideRecognitionForm,
            form_kwargs=_outside_choices,
            allowed=lambda user, _target: is_officer(user),
            done=_("The decision issued elsewhere is recognised; tracking review runs here."),
            status=201,
            detail=False,
            url_path="outside",
            on_page=False,
        ),
    ],
)


# --- team invitations (R8, R20a) ----------------------------------------------------------------


def _pending(invitation: TeamInvitation) -> bool:
    return invitation.state == InvitationState.PENDING


# The invitee answers; nobody else sees the invitation (404). Accepting after the first
# submission is refused with R20a (the team is frozen).
INVITATIONS = ActionTable(
    "reviews.invitation",
    load=lambda user, pk: selectors.invitation_get_for_user(user, pk),
    actions=[
        Action(
            "accept",
            run=lambda call: services.invitation_accept(
                invitation_id=call.target.pk, actor=call.actor
            ),
            label=_("Accept the invitation"),
            allowed=policy("accept"),
            shown=_pending,
            done=_("You joined the team."),
        ),
        Action(
            "decline",
            run=lambda call: services.invitation_decline(
                invitation_id=call.target.pk, actor=call.actor
            ),
            label=_("Decline the invitation"),
            allowed=policy("decline"),
            shown=_pending,
            done=_("You declined the invitation."),
        ),
    ],
)
