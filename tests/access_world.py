"""One small world in which every role meets one application: the access tests' fixture.

One committee (chair, vice-chair, secretary, members), a researcher lead with a team member, an
outsider researcher of another institution, a consultant admitted to the meeting item, the
institution's admin and a superuser. One listed activity's application with marked documents,
reviewer assignments and an opinion, decided at a (closed) meeting with a tally, its letter and its
expert re-review package. Members are conflicted on it in every way a conflict can be declared.

The markers let a test see what a response hands over without parsing it: a document's bytes
carry MATERIAL_MARK, its file name NAME_MARK, the opinion OPINION_MARK, the meeting's discussion
notes and dissent DISCUSSION_MARK; the minutes (every item's tally) carry TALLY_MARK, and the
re-review package (documents, opinions, tally) every mark.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import (
    ApplicationFactory,
    CommitteeFactory,
    InstitutionFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)
from tests.pdfs import minimal_pdf

MATERIAL_MARK = b"MATERIAL-MARK-5b1e"
NAME_MARK = "NAMEMARK-5b1e"
OPINION_MARK = "OPINION-MARK-5b1e"
DISCUSSION_MARK = "DISCUSSION-MARK-5b1e"
TALLY_MARK = b"TALLY-MARK-5b1e"
PDF = minimal_pdf(MATERIAL_MARK)


def _member(committee, username, role, expertise="science", gender="male", **extra):
    today = timezone.localdate()
    return MembershipFactory(
        committee=committee,
        user=UserFactory(username=username, institution=committee.institution),
        role=role,
        expertise=expertise,
        gender=gender,
        term_start=today - dt.timedelta(days=30),
        term_end=today + dt.timedelta(days=900),
        **extra,
    )


def _people(w: SimpleNamespace) -> None:
    w.institution = InstitutionFactory(name="康华研究型医院")
    w.committee = CommitteeFactory(institution=w.institution, name="康华科技伦理委员会")
    c = w.committee
    w.chair = _member(c, "chair", "chair")
    w.vice_chair = _member(c, "vice_chair", "vice_chair", "ethics", "female")
    w.law = _member(c, "law", "member", "law", "female", external=True)
    w.ethics = _member(c, "ethics", "member", "ethics", "female")
    w.member = _member(c, "member", "member")
    w.plain = _member(c, "plain", "member")
    w.coi_assignment = _member(c, "coi_assignment", "member")
    w.coi_meeting = _member(c, "coi_meeting", "member")
    w.coi_standing = _member(c, "coi_standing", "member")
    w.secretary_membership = _member(c, "secretary", "secretary", "other")
    w.secretary = w.secretary_membership.user
    w.lead = UserFactory(username="lead", institution=w.institution)
    w.team = UserFactory(username="team", institution=w.institution)
    w.consultant = UserFactory(username="consultant")
    w.inst_admin = UserFactory(
        username="inst_admin", institution=w.institution, institution_admin=True
    )
    w.outsider = UserFactory(username="outsider", institution=InstitutionFactory())
    w.superuser = UserFactory(username="superuser", is_superuser=True, is_staff=True)


def _application(w: SimpleNamespace) -> None:
    from reviews import checklist, services
    from reviews.models import DocumentVersion, TeamInvitation

    project = ProjectFactory(
        lead=w.lead, committee=w.committee, institution=w.institution, listed_item=6
    )
    project.team.add(w.team)
    # The team member joined by accepting an invitation (R8); its routes are the invitee's.
    w.invitation = TeamInvitation.objects.create(
        project=project, user=w.team, state="accepted", invited_by=w.lead
    )
    app = services.application_create(project_id=project.pk, actor=w.lead, kind="initial")
    for item in checklist.missing_slots("initial", project.scope, set()):
        services.document_upload(
            application_id=app.pk,
            slot=item.slot,
            upload=SimpleUploadedFile(f"{NAME_MARK}-{item.slot}.pdf", PDF, "application/pdf"),
            actor=w.lead,
        )
    services.application_submit(application_id=app.pk, actor=w.lead)
    # R37: the committee determines the listing before it accepts.
    services.listing_propose(application_id=app.pk, actor=w.secretary, listed=True, listed_item=6)
    services.listing_confirm(application_id=app.pk, actor=w.chair.user, reasons="清单第6项")
    services.application_accept(
        application_id=app.pk, procedure="meeting", grounds="", actor=w.secretary
    )
    reviewers = [w.member, w.coi_assignment, w.coi_meeting, w.coi_standing]
    assignments = services.application_assign(
        application_id=app.pk, membership_ids=[m.pk for m in reviewers], actor=w.secretary
    )
    w.assignments = {a.membership_id: a for a in assignments}
    for membership in reviewers:
        services.assignment_declare(
            assignment_id=w.assignments[membership.pk].pk,
            conflicted=membership is w.coi_assignment,
            note="同一课题组" if membership is w.coi_assignment else "",
            actor=membership.user,
        )
    w.opinion = services.opinion_record(
        assignment_id=w.assignments[w.member.pk].pk,
        verdict="approve",
        comments=OPINION_MARK,
        actor=w.member.user,
    )
    w.application = app
    w.project = project
    w.version_id = (
        DocumentVersion.objects.filter(document__application=app).order_by("pk").first().pk
    )


def _meeting(w: SimpleNamespace, *, conclude: bool) -> None:
    from meetings import services as meetings
    from meetings.models import Consultant, Minutes

    meeting = meetings.meeting_schedule(
        committee=w.committee, starts_at=timezone.now(), actor=w.secretary
    )
    item = meetings.agenda_add(
        meeting_id=meeting.pk, application_id=w.application.pk, actor=w.secretary
    )
    meetings.member_declare(item_id=item.pk, actor=w.member.user, conflicted=False)
    meetings.member_declare(
        item_id=item.pk, actor=w.coi_meeting.user, conflicted=True, note="亲属关系"
    )
    voters = [w.chair, w.law, w.ethics, w.member, w.plain]
    present = [*voters, w.coi_assignment, w.coi_meeting, w.coi_standing]
    meetings.meeting_open(
        meeting_id=meeting.pk,
        present=[m.pk for m in present],
        presiding=w.chair.pk,
        actor=w.secretary,
    )
    meetings.consultant_admit(
        item_id=item.pk,
        name="孙顾问",
        declaration="与本项目无直接利害关系",
        no_direct_interest=True,
        user=w.consultant,
        actor=w.secretary,
    )
    for membership in voters:
        meetings.vote_cast(
            item_id=item.pk, choice="approve", membership_id=membership.pk, actor=w.secretary
        )
    w.consultant_row = Consultant.objects.get(item=item)
    meetings.item_note(item_id=item.pk, notes=DISCUSSION_MARK, actor=w.secretary)
    if conclude:
        item = meetings.item_conclude(item_id=item.pk, dissent=DISCUSSION_MARK, actor=w.secretary)
        assert item.decision_id is not None, item.tally
        meetings.meeting_close(meeting_id=meeting.pk, actor=w.secretary)
        minutes = Minutes.objects.get(meeting=meeting)
        minutes.file.save("minutes.pdf", ContentFile(b"%PDF-1.4 " + TALLY_MARK), save=True)
    meeting.refresh_from_db()
    w.meeting, w.item = meeting, item


def _decision(w: SimpleNamespace) -> None:
    from reviews.models import Appeal, Recognition, ReReview

    decision = w.item.decision
    decision.letter.save("letter.pdf", ContentFile(b"%PDF-1.4 letter"), save=True)
    rereview = ReReview.objects.get(preliminary_decision=decision)
    package = PDF + TALLY_MARK + OPINION_MARK.encode()
    rereview.package.save("package.pdf", ContentFile(package), save=True)
    w.decision, w.rereview = decision, rereview
    # A draft appeal and another committee's recognition of the decision (R27, R31).
    appeal_application = ApplicationFactory(project=w.project, kind="appeal")
    w.appeal = Appeal.objects.create(
        original_decision=decision,
        application=appeal_application,
        grounds="申诉理由",
        filed_by=w.lead,
    )
    w.recognition = Recognition.objects.create(
        project=w.project,
        committee=CommitteeFactory(name="合作单位伦理委员会"),
        source_decision=decision,
        verification_hash=decision.letter_hash or "0" * 64,
        recorded_by=w.superuser,
    )
    # The committee's recognition of a decision issued elsewhere, with its stored letter (N12).
    w.outside_recognition = Recognition(
        project=w.project,
        committee=w.committee,
        issuing_committee="天津某医院医学伦理委员会",
        decision_number="津伦审〔2026〕12号",
        decided_on=timezone.localdate(),
        verification_hash="0" * 64,
        recorded_by=w.secretary,
    )
    w.outside_recognition.letter.save("letter.pdf", ContentFile(b"%PDF-1.4 outside"), save=True)


def _committee_records(w: SimpleNamespace) -> None:
    """A charter, an entrustment, and an annual-report filing with a rendered package."""
    from committees.models import CommitteeDocument, Entrustment
    from ethics.models import Deadline
    from registry import packages
    from registry import services as registry
    from registry.models import FilingPackage

    w.charter = CommitteeDocument.objects.create(
        committee=w.committee, kind="charter", version=1, title="章程", uploaded_by=w.secretary
    )
    w.charter.file.save("charter.pdf", ContentFile(b"%PDF-1.4 charter"), save=True)
    # R3 / R53: the other systems on file, so the registry's package validates.
    for kind in ("review_sop", "confidentiality", "archives", "coi_policy"):
        CommitteeDocument.objects.create(committee=w.committee, kind=kind, version=1, title=kind)
    w.entrustment = Entrustment.objects.create(
        entrusting_institution=w.outsider.institution,
        receiving_committee=w.committee,
        scope="委托审查",
        starts_on=timezone.localdate(),
        created_by=w.superuser,
    )
    w.entrustment.file.save("entrustment.pdf", ContentFile(b"%PDF-1.4 e"), save=True)
    w.secretary_membership.file.save("appointment.pdf", ContentFile(b"%PDF-1.4 a"), save=True)
    w.filing = registry.annual_report_open_for(
        committee_id=w.committee.pk, year=timezone.localdate().year - 1, actor=w.secretary
    )
    package = registry.filing_prepare(filing_id=w.filing.pk, actor=w.secretary)
    package.data = packages.build(w.filing)  # rendered without WeasyPrint: stand-in files
    for field in ("pdf", "json", "xlsx"):
        getattr(package, field).save(f"package.{field}", ContentFile(b"{}"), save=False)
    package.state, package.verification_hash = "ready", "0" * 64
    package.save()
    w.package = FilingPackage.objects.get(pk=package.pk)
    w.deadline = Deadline.objects.filter(committee_id=w.committee.pk).order_by("id").first()
    from committees.models import ImportBatch

    # A directory sheet the institution admin checked (README "Directory import").
    w.import_batch = ImportBatch.objects.create(
        kind="users", created_by=w.inst_admin, file_name="users.csv", sha256="0" * 64, content=b""
    )
    _oversight_sanctions(w)  # oversight's records (R57, R10a)


def _oversight_sanctions(w: SimpleNamespace) -> None:
    """A sanction (an order to correct, no ban: it refuses nothing) against the lead and the
    lead's ethics training record, both recorded by the institution's admin (R57, R10a)."""
    from oversight.services import sanctions

    today = timezone.localdate()
    w.sanction = sanctions.sanction_record(
        actor=w.inst_admin,
        subject_kind="person",
        person=w.lead,
        measure="correct",
        grounds="知情同意书不完整",
        decided_on=today,
    )
    w.researcher_training = sanctions.training_record(
        actor=w.inst_admin, person=w.lead, title="科技伦理培训", completed_on=today
    )


def _complaints(w: SimpleNamespace) -> None:
    """A named complaint about the lead (accepted, R55) and its investigation (R56) with
    evidence, a corrective measure and a rendered referral package: the officers handling it
    see them, the lead (a person concerned) and everyone else get 404."""
    from oversight.models import ReferralPackage
    from oversight.services import complaints as oversight

    complaint, w.complaint_code = oversight.complaint_submit(
        institution=w.institution,
        committee=w.committee,
        subject_kind="person",
        summary="未经同意使用数据",
        description="举报内容",
        anonymous=False,
        reporter_kind="participant",
        reporter_name="举报人",
        reporter_contact="reporter@example.com",
    )
    oversight.complaint_acknowledge(complaint_id=complaint.pk, actor=w.secretary)
    oversight.complaint_triage(complaint_id=complaint.pk, actor=w.secretary, outcome="accepted")
    oversight.complaint_link(
        complaint_id=complaint.pk, actor=w.secretary, projects=[], persons=[w.lead]
    )
    w.complaint = complaint
    w.investigation = oversight.investigation_open_from_complaint(
        complaint_id=complaint.pk, actor=w.secretary, title="调查"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ethics.uploads import blank_pdf

    w.evidence = oversight.evidence_add(
        investigation_id=w.investigation.pk,
        actor=w.secretary,
        title="证据",
        file=SimpleUploadedFile("evidence.pdf", blank_pdf()),
    )
    w.referral = ReferralPackage.objects.create(
        investigation=w.investigation, version=1, authority="市科委", state="ready"
    )
    w.referral.pdf.save("referral.pdf", ContentFile(b"%PDF-1.4 r"), save=True)


def _standing(w: SimpleNamespace) -> None:
    """Standing declarations: one recorded by the secretary for a member, one by the vice-chair."""
    from reviews import services

    services.conflict_declare(
        application_id=w.application.pk,
        user_id=w.coi_standing.user_id,
        reason="长期合作关系",
        actor=w.secretary,
    )
    services.conflict_declare(
        application_id=w.application.pk,
        user_id=w.vice_chair.user_id,
        reason="曾指导申请人",
        actor=w.vice_chair.user,
    )


def build(*, decided: bool = True, standing: bool = True) -> SimpleNamespace:
    """The whole world (about a second on SQLite).

    decided=False stops with the meeting open and the votes cast (no decision, letter, package or
    minutes yet), so a test can still declare on the meeting item; standing=False leaves out the
    standing declarations.
    """
    w = SimpleNamespace()
    _people(w)
    _application(w)
    _meeting(w, conclude=decided)
    if decided:
        _decision(w)
        _committee_records(w)
        _complaints(w)
    if standing:
        _standing(w)
    w.application.refresh_from_db()
    return w
