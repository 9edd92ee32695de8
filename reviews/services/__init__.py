"""Every state change of reviews, re-exported so ``from reviews import services`` keeps working.

Each service owns its transaction, locks the application row, checks permission, moves the status
along workflow.TRANSITIONS, writes the audit row, opens or closes its clocks and notifies. The
meetings app decides meeting reviews through ``decision_issue`` with a tally.

Modules: ``projects``, ``documents`` and ``intake`` (up to acceptance), ``review`` (reviewers and
opinions), ``conflicts`` (one conflict-of-interest record, whoever declares it), ``decisions``
and ``letters``, then after the first decision ``lifecycle`` (tracking,
amendments, closure), ``rereview`` (listed activities), ``appeals`` and ``recognition``.
"""

from reviews.services._common import (
    LETTER_TEMPLATE,
    LETTER_TEMPLATE_VERSION,
    PROJECT_FIELDS,
    applicants,
    chairs,
    latest_decision,
    officers_and_chair,
    secretaries,
)
from reviews.services.appeals import (
    appeal_due_at,
    appeal_file,
    appeal_last_day,
    appeal_refusal,
    appeal_resolve,
    is_adverse,
)
from reviews.services.conflicts import (
    conflict_declare,
    conflict_record,
    conflict_withdraw,
    refuse_if_conflicted,
)
from reviews.services.decisions import (
    allowed_outcomes,
    application_decide,
    decision_effects,
    decision_issue,
    modifications_confirm,
    modifications_return,
    modifications_submit,
    needs_rereview,
    next_tracking_due,
)
from reviews.services.determinations import (
    DETERMINING_STATUSES,
    amendment_classify,
    listing_confirm,
    listing_propose,
    partner_approvals_on_file,
    partner_approvals_problem,
    partner_approvals_waive,
)
from reviews.services.documents import (
    application_create,
    checklist_problems,
    document_open,
    document_request_correction,
    document_upload,
    post_decision_editable,
)
from reviews.services.intake import (
    application_accept,
    application_acknowledge,
    application_extend,
    application_not_accept,
    application_resubmit,
    application_return,
    application_submit,
    application_withdraw,
    decision_due_at,
    open_review,
    tracking_overdue,
)
from reviews.services.letters import (
    decision_record,
    letter_context,
    letter_open,
    letter_render,
)
from reviews.services.lifecycle import (
    approval_take_effect,
    closure_take_effect,
    project_move,
    project_start,
    retention_years,
    tracking_outcome,
    tracking_schedule,
)
from reviews.services.officers import (
    NoEligibleOfficer,
    eligible_officer,
    escalating,
    refuse_interested,
    require_eligible,
)
from reviews.services.projects import (
    project_create,
    project_prescreen,
    project_set_participants,
    project_update,
)
from reviews.services.recognition import (
    recognition_letter_open,
    recognition_record,
    recognition_record_outside,
)
from reviews.services.rereview import (
    package_context,
    package_open,
    package_render,
    rereview_final_decision,
    rereview_record,
    rereview_start,
    rereview_submit,
)
from reviews.services.review import (
    application_assign,
    assignment_declare,
    opinion_record,
)
from reviews.services.team import (
    invitation_accept,
    invitation_decline,
    team_conflicts_record,
    team_frozen,
    team_invite,
)

__all__ = [
    "DETERMINING_STATUSES",
    "LETTER_TEMPLATE",
    "LETTER_TEMPLATE_VERSION",
    "PROJECT_FIELDS",
    "NoEligibleOfficer",
    "allowed_outcomes",
    "amendment_classify",
    "appeal_due_at",
    "appeal_file",
    "appeal_last_day",
    "appeal_refusal",
    "appeal_resolve",
    "applicants",
    "application_accept",
    "application_acknowledge",
    "application_assign",
    "application_create",
    "application_decide",
    "application_extend",
    "application_not_accept",
    "application_resubmit",
    "application_return",
    "application_submit",
    "application_withdraw",
    "approval_take_effect",
    "assignment_declare",
    "chairs",
    "checklist_problems",
    "closure_take_effect",
    "conflict_declare",
    "conflict_record",
    "conflict_withdraw",
    "decision_due_at",
    "decision_effects",
    "decision_issue",
    "decision_record",
    "document_open",
    "document_request_correction",
    "document_upload",
    "eligible_officer",
    "escalating",
    "invitation_accept",
    "invitation_decline",
    "is_adverse",
    "latest_decision",
    "letter_context",
    "letter_open",
    "letter_render",
    "listing_confirm",
    "listing_propose",
    "modifications_confirm",
    "modifications_return",
    "modifications_submit",
    "needs_rereview",
    "next_tracking_due",
    "officers_and_chair",
    "open_review",
    "opinion_record",
    "package_context",
    "package_open",
    "package_render",
    "partner_approvals_on_file",
    "partner_approvals_problem",
    "partner_approvals_waive",
    "post_decision_editable",
    "project_create",
    "project_move",
    "project_prescreen",
    "project_set_participants",
    "project_start",
    "project_update",
    "recognition_letter_open",
    "recognition_record",
    "recognition_record_outside",
    "refuse_if_conflicted",
    "refuse_interested",
    "require_eligible",
    "rereview_final_decision",
    "rereview_record",
    "rereview_start",
    "rereview_submit",
    "retention_years",
    "secretaries",
    "team_conflicts_record",
    "team_frozen",
    "team_invite",
    "tracking_outcome",
    "tracking_overdue",
    "tracking_schedule",
]
