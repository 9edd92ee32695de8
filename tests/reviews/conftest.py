"""Fixtures of the reviews tests: a committee with a full roster, a researcher and an outsider."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reviews import checklist, services
from tests.factories import (
    CommitteeFactory,
    InstitutionFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    valid_roster,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name="doc.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_world():
    today = timezone.localdate()
    term = {"term_start": today - dt.timedelta(days=30), "term_end": today + dt.timedelta(days=900)}
    institution = InstitutionFactory(name="北京康华研究型医院")
    committee = CommitteeFactory(institution=institution, name="康华科技伦理委员会")
    members = valid_roster(committee, **term)
    secretary = MembershipFactory(
        committee=committee,
        role="secretary",
        expertise="other",
        user=UserFactory(institution=institution, name="王秘书"),
        **term,
    )
    researcher = UserFactory(institution=institution, name="李研究")
    colleague = UserFactory(institution=institution, name="赵同事")
    other_committee = CommitteeFactory(name="外单位伦理委员会")
    outsider = MembershipFactory(committee=other_committee, role="secretary", **term).user
    return SimpleNamespace(
        institution=institution,
        committee=committee,
        chair=members[0],
        vice_chair=members[1],
        members=members,
        secretary=secretary.user,
        researcher=researcher,
        colleague=colleague,
        outsider=outsider,
        stranger=UserFactory(),
        admin=UserFactory(institution=institution, institution_admin=True),
        term=term,
    )


@pytest.fixture
def world(db):
    return make_world()


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


def submitted(world, **kwargs):
    application = draft(world, **kwargs)
    return services.application_submit(application_id=application.pk, actor=world.researcher)


def accepted(world, procedure="simplified", grounds="minimal_risk", **kwargs):
    application = submitted(world, **kwargs)
    return services.application_accept(
        application_id=application.pk, procedure=procedure, grounds=grounds, actor=world.secretary
    )


def assigned(world, reviewers=None, **kwargs):
    application = accepted(world, **kwargs)
    reviewers = reviewers or world.members[2:4]
    actor = world.chair.user
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


def meeting_accepted(world, **kwargs):
    return accepted(world, procedure="meeting", grounds="", **kwargs)


def listed_preliminary(world, listed_item=6, **kwargs):
    """A listed activity approved in its preliminary review, now awaiting re-review (R38)."""
    project = kwargs.pop("project", None) or new_project(world, listed_item=listed_item)
    application = meeting_accepted(world, project=project, **kwargs)
    services.decision_issue(
        application_id=application.pk, outcome="approve", actor=world.chair.user
    )
    return application


def record_rereview(world, application, opinion="agree", panel_size=5, reasons=""):
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
        application_id=application.pk, outcome="approve", actor=world.chair.user
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
    services.decision_issue(
        application_id=application.pk, outcome="approve", actor=world.chair.user
    )
    application.project.refresh_from_db()
    return application.project
