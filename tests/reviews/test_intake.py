"""Projects, documents and intake: R11-R14, R16-R17, R32 and R47 at acceptance."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ethics.errors import Conflict, IllegalTransition
from ethics.models import AuditEvent
from reviews import checklist, services
from reviews.models import Application, DocumentVersion
from tests.factories import CommitteeFactory
from tests.pdfs import minimal_pdf
from tests.reviews.conftest import approved_project, draft, new_project, pdf_upload, submitted

pytestmark = pytest.mark.django_db


def test_project_on_another_institutions_committee_needs_an_entrustment(world):
    """R17: own committee, or one holding an active written entrustment."""
    foreign = CommitteeFactory()
    with pytest.raises(Conflict) as info:
        services.project_create(actor=world.researcher, title="跨单位项目", committee=foreign)
    assert info.value.code == "committee_not_competent"
    assert info.value.rule == "R17"
    project = services.project_create(
        actor=world.researcher,
        title="本单位项目",
        committee=world.committee,
        team=[world.colleague],
    )
    assert project.institution_id == world.institution.pk
    # R8: named team members are invited; they join when they accept (tests/reviews/test_team.py).
    assert list(project.team.all()) == []
    assert list(project.invitations.values_list("user_id", "state")) == [
        (world.colleague.pk, "pending")
    ]


def test_listed_item_must_be_on_the_annex_list(world):
    """R36-R37: items 1-7 of the list in force, stored with the list version."""
    project = services.project_create(
        actor=world.researcher, title="脑机接口临床研究", committee=world.committee, listed_item=4
    )
    assert project.annex_version == "2023"
    assert project.declared_annex_item().title_zh.startswith("侵入式脑机接口")
    assert project.annex_item() is None  # R37: a declaration, not yet the committee's
    with pytest.raises(ValidationError) as info:
        services.project_create(
            actor=world.researcher, title="x", committee=world.committee, listed_item=8
        )
    assert "listed_item" in info.value.error_dict


@pytest.mark.parametrize(
    ("answers", "required", "scope"),
    [
        ({}, False, []),
        ({"human_data": True}, True, ["human_data_samples"]),
        ({"animals": True, "other_risk": True}, True, ["animals", "other_risk"]),
        ({"by_law": True}, True, ["by_law"]),  # R12: Art. 2(4)
    ],
)
def test_prescreen_records_whether_review_is_needed(world, answers, required, scope):
    """R11/R12: the Art. 2 questions; the answer and scope are recorded and audited."""
    project = new_project(world, scope=[])
    project = services.project_prescreen(
        project_id=project.pk, actor=world.researcher, answers=answers
    )
    assert project.review_required is required
    assert project.scope == scope
    assert project.prescreened_at is not None
    assert AuditEvent.objects.filter(action="project.prescreen", target_id=str(project.pk)).exists()


def test_submit_lists_every_missing_document_at_once(world):
    """R13/R14: an incomplete application is refused with the complete list."""
    project = new_project(world, scope=["human_participants", "animals"])
    application = draft(world, project=project, complete=False)
    services.document_upload(
        application_id=application.pk, slot="overview", upload=pdf_upload(), actor=world.researcher
    )
    with pytest.raises(Conflict) as info:
        services.application_submit(application_id=application.pk, actor=world.researcher)
    assert info.value.code == "checklist_incomplete"
    assert info.value.rule == "R13"
    slots = {p["slot"] for p in info.value.problems}
    assert slots == {
        "plan",
        "qualifications",
        "funding",
        "coi",
        "consent",
        "sources",
        "undertaking",
    }


def test_consent_is_not_required_without_humans(world):
    project = new_project(world, scope=["animals"])
    required = {i.slot for i in checklist.missing_slots("initial", project.scope, set())}
    assert "consent" not in required
    assert "sources" in required


def test_submit_assigns_a_reference_number_distinct_from_decision_numbers(world):
    first = submitted(world)
    second = submitted(world)
    assert first.ref.endswith("S0001")
    assert second.ref.endswith("S0002")
    assert "D" not in first.ref.split("-")[-1]


def test_return_lists_given_and_detected_items_at_once(world):
    """R14: the secretary's items plus every item the checklist detects, in one notice."""
    application = submitted(world)
    services.application_return(
        application_id=application.pk, missing=["funding", "签字页不清晰"], actor=world.secretary
    )
    application.refresh_from_db()
    assert application.status == "returned"
    assert application.missing_items == ["funding", "签字页不清晰"]
    note = world.researcher.notifications.get()
    assert "签字页不清晰" in note.title
    with pytest.raises(IllegalTransition) as info:  # already returned
        services.application_return(
            application_id=application.pk, missing=["coi"], actor=world.secretary
        )
    assert (info.value.status, info.value.action) == ("returned", "return")


def test_return_needs_at_least_one_item(world):
    application = submitted(world)
    with pytest.raises(ValidationError) as info:
        services.application_return(
            application_id=application.pk, missing=[], actor=world.secretary
        )
    assert info.value.error_dict["missing"][0].code == "required"


def test_resubmit_after_return_clears_missing_items(world):
    application = submitted(world)
    services.application_return(
        application_id=application.pk, missing=["funding"], actor=world.secretary
    )
    services.document_upload(
        application_id=application.pk, slot="funding", upload=pdf_upload(), actor=world.researcher
    )
    application = services.application_submit(application_id=application.pk, actor=world.researcher)
    assert application.status == "submitted"
    assert application.missing_items == []
    assert DocumentVersion.objects.filter(document__slot="funding").count() == 2


def test_not_accept_needs_a_reason(world):
    application = submitted(world)
    with pytest.raises(ValidationError) as info:
        services.application_not_accept(
            application_id=application.pk, reason=" ", actor=world.secretary
        )
    assert info.value.error_dict["reason"][0].code == "required"
    services.application_not_accept(
        application_id=application.pk, reason="不属于本委员会审查范围", actor=world.secretary
    )
    assert Application.objects.get(pk=application.pk).status == "not_accepted"


def test_only_the_committee_may_act_on_intake(world):
    application = submitted(world)
    for actor in (world.researcher, world.outsider, world.members[4].user):
        with pytest.raises(PermissionDenied):
            services.application_accept(
                application_id=application.pk, procedure="meeting", actor=actor
            )


@pytest.mark.parametrize(
    ("ground", "kind"),
    [
        ("minimal_risk", "initial"),
        ("minor_modification", "amendment"),
        ("tracking_no_major_change", "tracking"),
    ],
)
def test_simplified_needs_one_of_the_three_grounds(world, ground, kind):
    """R32: each of the three MEAS grounds is accepted and stored (for the kind it fits)."""
    if kind == "initial":
        application = submitted(world)
    else:
        application = submitted(world, kind=kind, project=approved_project(world))
    if kind == "amendment":
        services.amendment_classify(application_id=application.pk, actor=world.chair, major=False)
    services.application_accept(
        application_id=application.pk, procedure="simplified", grounds=ground, actor=world.secretary
    )
    assert application.reviews.get().grounds == ground


@pytest.mark.parametrize("ground", ["", "because", "participating_site_confirmation"])
def test_simplified_without_a_meas_ground_is_refused(world, ground):
    """R32: no ground, an unknown one, or the NHC-only N9 ground under MEAS."""
    application = submitted(world)
    with pytest.raises(Conflict) as info:
        services.application_accept(
            application_id=application.pk,
            procedure="simplified",
            grounds=ground,
            actor=world.secretary,
        )
    assert info.value.code == "simplified_ground_not_allowed"
    assert info.value.rule == "R32"
    assert Application.objects.get(pk=application.pk).status == "submitted"


def test_emergency_needs_its_basis(world):
    """R47: the emergency procedure records its emergency basis."""
    application = submitted(world)
    with pytest.raises(Conflict) as info:
        services.application_accept(
            application_id=application.pk, procedure="emergency", grounds="", actor=world.secretary
        )
    assert info.value.code == "emergency_basis_required"
    assert info.value.rule == "R47"
    services.application_accept(
        application_id=application.pk,
        procedure="emergency",
        grounds="突发传染病疫情防控",
        actor=world.secretary,
    )
    assert application.reviews.get().grounds_note == "突发传染病疫情防控"


def test_meeting_review_is_parked_for_a_meeting(world):
    """R15: meeting review is the default; the round waits for the meetings app."""
    application = submitted(world)
    services.application_accept(
        application_id=application.pk, procedure="meeting", actor=world.secretary
    )
    review = application.reviews.get()
    assert review.procedure == "meeting"
    assert review.ready_for_meeting_at is not None


def test_secretary_asks_for_one_document_to_be_corrected(world):
    """users.md #3: one document corrected without returning the application."""
    application = submitted(world)
    services.document_request_correction(
        application_id=application.pk,
        slot="consent",
        note="知情同意书缺少联系方式",
        actor=world.secretary,
    )
    with pytest.raises(Conflict) as info:  # other documents stay locked
        services.document_upload(
            application_id=application.pk, slot="plan", upload=pdf_upload(), actor=world.researcher
        )
    assert info.value.code == "documents_locked"
    version = services.document_upload(
        application_id=application.pk, slot="consent", upload=pdf_upload(), actor=world.researcher
    )
    assert version.version == 2
    version.document.refresh_from_db()
    assert version.document.correction_requested is False
    assert Application.objects.get(pk=application.pk).status == "submitted"


def test_upload_is_checked_by_content_and_versioned_with_sha256(world, settings):
    application = draft(world, complete=False)
    with pytest.raises(ValidationError) as info:
        services.document_upload(
            application_id=application.pk,
            slot="overview",
            upload=pdf_upload("evil.pdf", b"MZ\x90\x00 not a pdf"),
            actor=world.researcher,
        )
    assert info.value.error_dict["file"][0].code == "unsupported_type"
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError) as info:
        services.document_upload(
            application_id=application.pk,
            slot="overview",
            upload=pdf_upload(),
            actor=world.researcher,
        )
    assert info.value.error_dict["file"][0].code == "too_large"
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    one = services.document_upload(
        application_id=application.pk, slot="overview", upload=pdf_upload(), actor=world.researcher
    )
    two = services.document_upload(
        application_id=application.pk,
        slot="overview",
        upload=pdf_upload(content=minimal_pdf(b"v2")),
        actor=world.researcher,
    )
    assert (one.version, two.version) == (1, 2)
    assert len(one.sha256) == 64
    assert one.sha256 != two.sha256
    assert DocumentVersion.objects.count() == 2


def test_strangers_cannot_upload(world):
    application = draft(world, complete=False)
    with pytest.raises(PermissionDenied):
        services.document_upload(
            application_id=application.pk,
            slot="overview",
            upload=pdf_upload(),
            actor=world.stranger,
        )


def test_nhc_applies_only_to_research_on_humans(world):
    """§6.1: the NHC rule set is layered on MEAS where humans are involved."""
    world.committee.regimes = ["meas", "nhc"]
    world.committee.save()
    human = draft(world, project=new_project(world, scope=["human_participants"]))
    animal = draft(world, project=new_project(world, scope=["animals"]))
    assert human.regimes == ["meas", "nhc"]
    assert animal.regimes == ["meas"]
