"""Helpers of the reviews tests: applications moved along the workflow in the shared world
(tests/world.py) by its researcher, secretary and chair."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reviews import checklist, policies, services
from tests.factories import ProjectFactory
from tests.meetings.conftest import today_later
from tests.pdfs import minimal_pdf

PDF_BYTES = minimal_pdf()


def pdf_upload(name="doc.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def new_project(world, **kwargs):
    return ProjectFactory(
        lead=world.researcher, committee=world.committee, institution=world.institution, **kwargs
    )


def draft(world, kind="initial", project=None, complete=True):
    project = project or new_project(world)
    project.team.add(world.colleague)
    application = services.application_create(
        project_id=project.pk, actor=world.researcher, kind=kind
    )
    if complete:
        for item in checklist.missing_slots(kind, project.scope, set()):
            services.document_upload(
                application_id=application.pk,
                slot=item.slot,
                upload=pdf_upload(f"{item.slot}.pdf"),
                actor=world.researcher,
            )
    return application


def submitted(world, determined=True, **kwargs):
    """Submitted; unless ``determined=False`` the committee has also determined the listing
    as the researcher declared it (R37), as it does at acceptance."""
    application = draft(world, **kwargs)
    application = services.application_submit(application_id=application.pk, actor=world.researcher)
    if determined and application.project.listing == "undetermined":
        determine(world, application)
    return application


def determine(world, application, listed_item="declared", reasons="依附件清单判断"):
    """R37: the secretary proposes, the chair confirms (by default what the researcher declared)."""
    project = application.project
    project.refresh_from_db()
    item = project.listed_item if listed_item == "declared" else listed_item
    services.listing_propose(
        application_id=application.pk,
        actor=world.secretary,
        listed=item is not None,
        listed_item=item,
    )
    services.listing_confirm(application_id=application.pk, actor=world.chair, reasons=reasons)
    application.project.refresh_from_db()
    return application


def accepted(world, procedure="simplified", grounds="minimal_risk", **kwargs):
    application = submitted(world, **kwargs)
    if application.project.listing == "undetermined":
        determine(world, application)
    return services.application_accept(
        application_id=application.pk, procedure=procedure, grounds=grounds, actor=world.secretary
    )


def assigned(world, reviewers=None, **kwargs):
    application = accepted(world, **kwargs)
    reviewers = reviewers or world.members[2:4]
    actor = world.chair
    assignments = services.application_assign(
        application_id=application.pk, membership_ids=[m.pk for m in reviewers], actor=actor
    )
    return application, assignments


def declare_and_opine(assignment, verdict, comments="同意"):
    user = assignment.membership.user
    services.assignment_declare(assignment_id=assignment.pk, conflicted=False, actor=user)
    return services.opinion_record(
        assignment_id=assignment.pk, verdict=verdict, comments=comments, actor=user
    )


def meeting_decides(world, application, outcome, *, conditions="", reasons="", dissent=""):
    """R19/R24: the only way a meeting review is decided: a meeting with every member present
    adopts `outcome` by vote and the item is concluded; returns the decision."""

    from meetings import services as meeting_services
    from meetings.models import AgendaItem

    item = AgendaItem.objects.filter(
        application_id=application.pk, status="pending", meeting__status="open"
    ).first()
    if item is None:  # else a refused conclusion is tried again on the same item
        meeting = meeting_services.meeting_schedule(
            committee=world.committee,
            starts_at=today_later(),  # never across Shanghai midnight
            actor=world.secretary,
        )
        item = meeting_services.agenda_add(
            meeting_id=meeting.pk, application_id=application.pk, actor=world.secretary
        )
        meeting_services.meeting_open(
            meeting_id=meeting.pk,
            present=[m.pk for m in world.members],
            presiding=world.chair_membership.pk,
            actor=world.secretary,
        )
    # R20a: an applicant member (lead, team) or one with a recorded conflict does not vote.
    interested = policies.interested_user_ids(application)
    for membership in world.members:
        if membership.user_id in interested:
            continue
        meeting_services.vote_cast(
            item_id=item.pk, choice=outcome, membership_id=membership.pk, actor=world.secretary
        )
    item = meeting_services.item_conclude(
        item_id=item.pk,
        actor=world.secretary,
        conditions=conditions,
        reasons=reasons,
        dissent=dissent,
    )
    return item.decision


def meeting_decision(world, *, application_id, outcome, actor=None, **kwargs):
    """A decision as the tests used to issue it directly: a meeting review's through its
    meeting's vote (R24), any other (simplified, emergency, the final decision after expert
    re-review) through ``decision_issue`` as before."""
    from reviews.models import Application, Review

    application = Application.objects.get(pk=application_id)
    meeting_round = Review.objects.filter(
        application=application, state="open", procedure="meeting"
    ).exists()
    if application.status == "awaiting_rereview" or not meeting_round:
        return services.decision_issue(
            application_id=application_id, outcome=outcome, actor=actor or world.chair, **kwargs
        )
    kwargs.pop("tally", None)
    return meeting_decides(world, application, outcome, **kwargs)


def meeting_accepted(world, **kwargs):
    return accepted(world, procedure="meeting", grounds="", **kwargs)


def listed_preliminary(world, listed_item=6, **kwargs):
    """A listed activity approved in its preliminary review, now awaiting re-review (R38)."""
    project = kwargs.pop("project", None) or new_project(world, listed_item=listed_item)
    application = meeting_accepted(world, project=project, **kwargs)
    meeting_decision(world, application_id=application.pk, outcome="approve", actor=world.chair)
    return application


def seat_rereview_panel(application, actor, n=5, **expert_kwargs):
    """R40: seat a valid panel of `n` experts (accounts of an outside institution, kept in the
    pool of the application's committee) for the application's pending re-review."""
    from oversight.services import quality
    from reviews.models import ReReview
    from tests.factories import InstitutionFactory, UserFactory

    rereview = (
        ReReview.objects.filter(application=application, final_decision=None)
        .order_by("-id")
        .first()
    )
    institution = InstitutionFactory()
    experts = [
        quality.expert_add(
            actor=actor,
            committee=application.committee,
            name=f"复核专家{i + 1}",
            fields_of_work=["ai"],
            user=UserFactory(institution=institution),
            **expert_kwargs,
        )
        for i in range(n)
    ]
    quality.panel_seat(rereview_id=rereview.pk, experts=experts, actor=actor)
    return experts


def record_rereview(world, application, opinion="agree", panel_size=5, reasons="", seat=True):
    """Record the re-review opinion; by default a valid panel of `panel_size` experts (at least
    the minimum) is seated first when none is (R40 is a gate)."""
    from oversight.models_quality import RereviewPanel

    if seat and not RereviewPanel.objects.filter(rereview__application=application).exists():
        seat_rereview_panel(application, world.secretary, n=max(panel_size, 5))
    return services.rereview_record(
        application_id=application.pk,
        actor=world.secretary,
        opinion=opinion,
        received_on=timezone.localdate(),
        panel_size=panel_size,
        authority="北京市科学技术委员会",
        reasons=reasons,
    )


def final_approval(world, application):
    """同意 recorded, then the committee's final approval (R42, R44)."""
    record_rereview(world, application)
    return services.decision_issue(
        application_id=application.pk, outcome="approve", actor=world.chair
    )


def upload_new_version(world, application, slot="plan"):
    return services.document_upload(
        application_id=application.pk,
        slot=slot,
        upload=pdf_upload(f"{slot}-v2.pdf", PDF_BYTES + b"% modified"),
        actor=world.researcher,
    )


def confirm_modifications(world, application):
    """The researcher uploads and submits the modifications; the secretary confirms them."""
    upload_new_version(world, application)
    services.modifications_submit(application_id=application.pk, actor=world.researcher)
    return services.modifications_confirm(application_id=application.pk, actor=world.secretary)


def approved_project(world, **kwargs):
    """A non-listed project approved by a meeting decision, with its tracking clock open."""
    application = meeting_accepted(world, **kwargs)
    meeting_decision(world, application_id=application.pk, outcome="approve", actor=world.chair)
    application.project.refresh_from_db()
    return application.project
