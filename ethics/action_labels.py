"""Labels of the audited actions and notification causes: people read these, never the codes.

Every code a service writes to the audit chain (`audit.record(action=...)`) or gives as the cause
of a notification (`notify(cause="code (R26)")`) has a label here; tests/test_action_labels.py
finds every code emitted in the source and fails on one without a label. The kernel imports no
app, so the codes are plain strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: Mapping[str, Promise] = {
    "job.retry": _("Rendering started again"),
    "document.preview": _("File previewed"),
    "user.channels": _("Notification channels changed"),
    "user.calendar_feed_issue": _("Calendar feed address issued"),
    "user.calendar_feed_revoke": _("Calendar feed address revoked"),
    "committee.webhook_save": _("Group robot saved"),
    "committee.webhook_delete": _("Group robot removed"),
    "sso.identity_unlinked": _("Single sign-on identity unlinked"),
    "sso.identity_linked": _("Single sign-on identity linked"),
    "sso.account_created": _("Account created at single sign-on"),
    "directory.check": _("Directory sheet checked"),
    "directory.apply": _("Directory sheet imported"),
    "agenda.add": _("Put on a meeting's agenda"),
    "agenda.remove": _("Taken off a meeting's agenda"),
    "agenda.reorder": _("Agenda reordered"),
    "agenda.report_add": _("Reported to a meeting"),
    "amendment.effective": _("Amendment took effect"),
    "appeal.filed": _("Appeal filed"),
    "appeal.upheld": _("Appeal upheld"),
    "appeal.rejected": _("Appeal rejected"),
    "appeal.withdrawn": _("Appeal withdrawn"),
    "application.accept": _("Application accepted"),
    "authority.grant": _("Regional authority role granted"),
    "authority.end": _("Regional authority role ended"),
    "application.acknowledge": _("Report acknowledged"),
    "application.appeal": _("Appeal lodged"),
    "application.approve": _("Application approved"),
    "application.classify_amendment": _("Amendment classified"),
    "application.create": _("Application created"),
    "application.decide": _("Decision made"),
    "application.extend": _("Review period extended"),
    "application.not_accept": _("Application not accepted"),
    "application.resubmit": _("Application resubmitted"),
    "application.return": _("Returned for completion"),
    "application.submit": _("Application submitted"),
    "application.team_change": _("Research team changed"),
    "application.withdraw": _("Application withdrawn"),
    "attendance.arrive": _("Member arrived"),
    "attendance.depart": _("Member left"),
    "auth.locked_out": _("Sign-in locked"),
    "auth.login": _("Signed in"),
    "auth.login_failed": _("Sign-in failed"),
    "auth.logout": _("Signed out"),
    "committee.create": _("Committee created"),
    "committee.deputy": _("Deputy designated"),
    "committee.document_superseded": _("Committee document superseded"),
    "committee.document_upload": _("Committee document uploaded"),
    "committee.registered": _("Committee registered"),
    "committee.rule_override": _("Committee rule set"),
    "committee.update": _("Committee updated"),
    "committee.update_due": _("Committee information update due"),
    "conflict.declare": _("Conflict of interest declared"),
    "conflict.withdraw": _("Conflict declaration withdrawn"),
    "deadline.extend": _("Deadline extended"),
    "deadline.met": _("Deadline met"),
    "deadline.open": _("Deadline set"),
    "deadline.overdue": _("Deadline overdue"),
    "deadline.recompute": _("Deadline recalculated"),
    "deadline.waived": _("Deadline waived"),
    "document.correction_requested": _("Correction of a document requested"),
    "document.download": _("Document downloaded"),
    "document.open": _("Document opened"),
    "document.upload": _("Document uploaded"),
    "entrustment.create": _("Entrustment agreed"),
    "entrustment.end": _("Entrustment ended"),
    "file.download": _("File downloaded"),
    "file.quarantine": _("File quarantined"),
    "filing.acknowledge": _("Filing acknowledged"),
    "filing.due_moved": _("Filing due date moved"),
    "filing.open": _("Filing opened"),
    "filing.package_download": _("Filing package downloaded"),
    "filing.package_render": _("Filing package generated"),
    "filing.prepare": _("Filing package prepared"),
    "filing.remarks": _("Filing remarks recorded"),
    "filing.sign_off": _("Filing signed off"),
    "filing.submit": _("Filing submitted"),
    "filing.waive": _("Filing waived"),
    "holiday.import": _("Holiday calendar imported"),
    "institution.create": _("Institution created"),
    "institution.update": _("Institution updated"),
    "item.conclude": _("Item concluded"),
    "item.consultant": _("Consultant admitted"),
    "item.declare": _("Interest declared on an item"),
    "item.defer": _("Item deferred"),
    "item.note_report": _("Report noted"),
    "item.note_reports": _("Reports noted"),
    "item.notes": _("Discussion notes recorded"),
    "item.recuse": _("Member recused"),
    "letter.download": _("Letter downloaded"),
    "letter.render": _("Letter generated"),
    "meeting.cancel": _("Meeting cancelled"),
    "meeting.close": _("Meeting closed"),
    "meeting.excuse": _("Absence excused"),
    "meeting.notice": _("Meeting notice sent"),
    "meeting.open": _("Meeting opened"),
    "meeting.reschedule": _("Meeting rescheduled"),
    "meeting.schedule": _("Meeting scheduled"),
    "membership.add": _("Member appointed"),
    "membership.end": _("Membership ended"),
    "membership.pledge": _("Pledge recorded"),
    "membership.training": _("Training recorded"),
    "membership.update": _("Membership updated"),
    "mfa.enrol": _("Second factor enrolled"),
    "mfa.recovery_regenerated": _("Recovery codes renewed"),
    "mfa.recovery_used": _("Recovery code used"),
    "mfa.remove": _("Second factor removed"),
    "mfa.reset": _("Second factor reset"),
    "mfa.verify": _("Second factor verified"),
    "mfa.verify_failed": _("Second factor failed"),
    "minutes.correct": _("Minutes corrected"),
    "minutes.download": _("Minutes downloaded"),
    "minutes.render": _("Minutes generated"),
    "modifications.confirm": _("Modifications confirmed"),
    "modifications.return": _("Modifications returned"),
    "modifications.submit": _("Modifications submitted"),
    "officers.none_eligible": _("No officer without a conflict"),
    "project.approve": _("Activity approved"),
    "project.complete": _("Activity completed"),
    "project.create": _("Project created"),
    "project.exempt": _("Exempted from review"),
    "project.listed_update_due": _("List registration update due"),
    "project.listing_confirm": _("Listing confirmed"),
    "project.listing_propose": _("Listing proposed"),
    "project.participants": _("Participants recorded"),
    "project.partner_approvals_waive": _("Partner approvals waived"),
    "project.prescreen": _("Pre-screened"),
    "project.reinstate": _("Activity reinstated"),
    "project.resume": _("Activity resumed"),
    "project.retention": _("Retention period set"),
    "project.start": _("Activity started"),
    "project.status": _("Project status changed"),
    "project.suspend": _("Activity suspended"),
    "project.terminate": _("Activity terminated"),
    "project.update": _("Project updated"),
    "recognition.record": _("Recognition recorded"),
    "rereview.package": _("Expert re-review package generated"),
    "rereview.package_download": _("Expert re-review package downloaded"),
    "rereview.record": _("Expert re-review recorded"),
    "rereview.start": _("Expert re-review started"),
    "rereview.submit": _("Expert re-review submitted"),
    "review.assign": _("Reviewers assigned"),
    "review.convert": _("Procedure converted"),
    "review.declare": _("Reviewer declared interests"),
    "review.opinion": _("Review opinion given"),
    "team.accept": _("Invitation accepted"),
    "team.amend": _("Team changed"),
    "team.conflict": _("Team member's conflict of interest"),
    "team.decline": _("Invitation declined"),
    "team.invite": _("Invited to the team"),
    "token.issue": _("API token issued"),
    "token.revoke": _("API token revoked"),
    "tracking_review": _("Tracking review due"),
    "user.change": _("Account changed"),
    "user.create": _("Account created"),
    "user.password_change": _("Password changed"),
    "user.password_reset": _("Password reset"),
    "user.password_reset_sent": _("Password reset link sent"),
    "user.unlock": _("Account unlocked"),
    "vote.cast": _("Vote cast"),
    "vote.change": _("Vote changed"),
    "vote.withdraw": _("Vote withdrawn"),
}

#: Background jobs (ethics.jobs, Celery task names) by what they make.
TASK_LABELS: Mapping[str, Promise] = {
    "reviews.render_letter": _("Render a letter"),
    "reviews.render_rereview_package": _("Render an expert re-review package"),
    "meetings.render_minutes": _("Render minutes"),
    "registry.render_package": _("Render a filing package"),
}

# "code" or "code (R26)": a cause as services write it; the rule ID stays, the code becomes words.
_CAUSE = re.compile(r"^(?P<code>[a-z][a-z_]*(?:\.[a-z][a-z_]*)?)(?: \((?P<rule>[^()]+)\))?$")


def action_label(code: str) -> str:
    """The label of an audited action (the code itself only if it has none: a test fails then)."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def cause_label(cause: str) -> str:
    """Why a notification was sent, in words: "application.decide (R26)" -> "作出审查决定（R26）".

    A cause already written in words (a reminder's) is returned as it is.
    """
    match = _CAUSE.match(cause or "")
    if match is None or match["code"] not in ACTION_LABELS:
        return cause
    label = action_label(match["code"])
    if match["rule"]:
        return gettext("%(label)s (%(rule)s)") % {"label": label, "rule": match["rule"]}
    return label
