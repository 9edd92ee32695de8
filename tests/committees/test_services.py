import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from committees import selectors, services
from committees.models import CommitteeDocument, Membership
from ethics.deadlines import SHANGHAI
from ethics.errors import Conflict
from ethics.models import AuditEvent, Deadline, Holiday, Notification
from tests.factories import (
    CommitteeFactory,
    InstitutionFactory,
    MembershipFactory,
    UserFactory,
    valid_roster,
)
from tests.pdfs import minimal_pdf

pytestmark = pytest.mark.django_db

PDF = minimal_pdf(b"test")


def pdf(name="doc.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def admin():
    institution = InstitutionFactory()
    return UserFactory(institution=institution, institution_admin=True)


def add(committee, actor, **kw):
    data = {
        "role": "member",
        "expertise": "science",
        "gender": "male",
        "term_start": dt.date(2026, 1, 5),
        "term_end": dt.date(2030, 12, 31),
        "user": UserFactory(),
    }
    data.update(kw)
    return services.membership_add(committee_id=committee.pk, actor=actor, **data)


def deadlines(kind, subject):
    return Deadline.objects.filter(
        kind=kind,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
    )


def test_committee_create_opens_registration_deadline_counting_from_the_next_day(admin):
    # Established on Monday 2026-01-05: day 1 is 01-06, day 30 is Wednesday 02-04.
    committee = services.committee_create(
        actor=admin,
        institution=admin.institution,
        name="伦理委员会",
        established_on=dt.date(2026, 1, 5),
    )
    deadline = deadlines("committee_registration", committee).get()
    assert deadline.committee_id == committee.pk
    assert deadline.rule == "R50"
    assert deadline.due_at == dt.datetime(2026, 2, 5, 0, 0, tzinfo=SHANGHAI)
    assert AuditEvent.objects.filter(
        action="committee.create", target_id=str(committee.pk)
    ).exists()


def test_registration_deadline_ending_on_a_holiday_rolls_to_the_next_working_day(admin):
    # 2026-01-01 + 30 days = Saturday 2026-01-31 -> Monday 2026-02-02; a holiday on Monday moves it again.
    Holiday.objects.create(date=dt.date(2026, 2, 2), kind="holiday", name="test")
    committee = services.committee_create(
        actor=admin,
        institution=admin.institution,
        name="委员会",
        established_on=dt.date(2026, 1, 1),
    )
    assert deadlines("committee_registration", committee).get().due_at == dt.datetime(
        2026, 2, 4, tzinfo=SHANGHAI
    )


def test_only_the_institution_admin_creates_committees(admin):
    other = UserFactory(institution=InstitutionFactory(), institution_admin=True)
    with pytest.raises(PermissionDenied):
        services.committee_create(
            actor=other, institution=admin.institution, name="x", established_on=dt.date(2026, 1, 5)
        )


def test_membership_add_opens_term_deadline_and_notifies(admin):
    committee = CommitteeFactory(institution=admin.institution)
    membership = add(committee, admin)
    deadline = deadlines("member_term", membership).get()
    assert deadline.due_at == dt.datetime(2031, 1, 1, tzinfo=SHANGHAI)  # 24:00 of 2030-12-31
    assert deadline.committee_id == committee.pk
    assert Notification.objects.filter(recipient=membership.user).exists()


def test_a_term_over_five_years_is_a_field_error(admin):
    committee = CommitteeFactory(institution=admin.institution)
    with pytest.raises(ValidationError) as exc:
        add(committee, admin, term_end=dt.date(2031, 1, 6))
    assert exc.value.error_dict["term_end"][0].code == "term_too_long"
    add(committee, admin, term_end=dt.date(2031, 1, 5))


def test_the_same_person_cannot_sit_twice(admin):
    committee = CommitteeFactory(institution=admin.institution)
    membership = add(committee, admin)
    with pytest.raises(ValidationError) as info:
        add(committee, admin, user=membership.user)
    assert info.value.error_dict["user"][0].code == "duplicate"


def test_ending_a_membership_keeps_history_and_closes_its_clock(admin):
    committee = CommitteeFactory(institution=admin.institution)
    membership = add(committee, admin)
    services.membership_end(
        membership_id=membership.pk, actor=admin, ended_on=dt.date(2026, 6, 30), reason="辞任"
    )
    membership.refresh_from_db()
    assert membership.ended_on == dt.date(2026, 6, 30)
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert deadlines("member_term", membership).get().state == "met"
    assert list(selectors.past_members(committee)) == [membership]
    with pytest.raises(Conflict) as info:
        services.membership_end(
            membership_id=membership.pk, actor=admin, ended_on=dt.date(2026, 7, 1)
        )
    assert info.value.code == "membership_ended"
    with pytest.raises(Conflict) as info:
        services.membership_update(membership_id=membership.pk, actor=admin, data={"role": "chair"})
    assert info.value.code == "membership_ended"


def test_changing_the_term_end_moves_the_clock(admin):
    committee = CommitteeFactory(institution=admin.institution)
    membership = add(committee, admin)
    services.membership_update(
        membership_id=membership.pk, actor=admin, data={"term_end": dt.date(2029, 6, 30)}
    )
    active = deadlines("member_term", membership).filter(state="open").get()
    assert active.due_at == dt.datetime(2029, 7, 1, tzinfo=SHANGHAI)
    assert deadlines("member_term", membership).filter(state="met").count() == 1


def test_a_roster_change_after_registration_opens_an_update(admin):
    committee = CommitteeFactory(institution=admin.institution, registration_status="registered")
    add(committee, admin)
    committee.refresh_from_db()
    assert committee.registration_status == "update_due"
    assert deadlines("committee_update", committee).filter(state="open").count() == 1
    add(committee, admin)  # a second change keeps the one open update
    assert deadlines("committee_update", committee).count() == 1


def test_a_roster_change_before_registration_needs_no_update(admin):
    committee = CommitteeFactory(institution=admin.institution)
    add(committee, admin)
    committee.refresh_from_db()
    assert committee.registration_status == "unregistered"
    assert not deadlines("committee_update", committee).exists()


def test_secretary_manages_plain_member_does_not():
    committee = CommitteeFactory()
    secretary = MembershipFactory(committee=committee, role="secretary").user
    member = MembershipFactory(committee=committee).user
    add(committee, secretary)
    with pytest.raises(PermissionDenied):
        add(committee, member)


def test_document_upload_adds_versions_with_hash(admin):
    committee = CommitteeFactory(institution=admin.institution, registration_status="registered")
    first = services.document_upload(
        committee_id=committee.pk, actor=admin, kind="charter", upload=pdf()
    )
    second = services.document_upload(
        committee_id=committee.pk, actor=admin, kind="charter", upload=pdf(data=PDF + b"v2")
    )
    assert (first.version, second.version) == (1, 2)
    assert len(second.sha256) == 64
    assert second.sha256 != first.sha256
    assert CommitteeDocument.objects.filter(committee=committee).count() == 2
    committee.refresh_from_db()
    assert committee.registration_status == "update_due"
    slot = next(s for s in selectors.document_slots(committee) if s.kind == "charter")
    assert slot.current == second
    assert slot.versions == 2


def test_upload_checks_content_and_size(admin, settings):
    committee = CommitteeFactory(institution=admin.institution)
    with pytest.raises(ValidationError) as exc:
        services.document_upload(
            committee_id=committee.pk,
            actor=admin,
            kind="charter",
            upload=pdf("x.pdf", b"MZ\x90\x00 not a pdf"),
        )
    assert exc.value.error_dict["file"][0].code == "unsupported_type"
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        services.document_upload(
            committee_id=committee.pk, actor=admin, kind="charter", upload=pdf()
        )
    assert exc.value.error_dict["file"][0].code == "too_large"


def test_pledges_and_training_feed_the_warnings(admin):
    committee = CommitteeFactory(institution=admin.institution)
    members = valid_roster(committee)
    today = dt.date(2026, 6, 1)
    assert {w.code for w in selectors.composition_of(committee, today).warnings} == {
        "missing_pledge"
    }
    for m in members:
        for kind in ("confidentiality", "coi"):
            services.pledge_record(membership_id=m.pk, actor=admin, kind=kind, signed_on=today)
    services.training_record(
        membership_id=members[0].pk, actor=admin, title="培训", completed_on=today, hours=4
    )
    assert selectors.composition_of(committee, today).warnings == ()


def test_entrustment_allows_review_of_another_institution_while_active(admin):
    committee = CommitteeFactory(institution=admin.institution)
    other = InstitutionFactory()
    on = dt.date(2026, 3, 1)
    assert selectors.committee_may_review(committee, admin.institution_id, on)
    assert not selectors.committee_may_review(committee, other.pk, on)
    entrustment = services.entrustment_create(
        actor=admin,
        entrusting_institution=other,
        receiving_committee_id=committee.pk,
        scope="全部涉及人的研究",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 12, 31),
        agreement=pdf(),
    )
    assert selectors.committee_may_review(committee, other.pk, on)
    assert not selectors.committee_may_review(committee, other.pk, dt.date(2027, 1, 1))
    services.entrustment_end(
        entrustment_id=entrustment.pk, actor=admin, ended_on=dt.date(2026, 3, 1)
    )
    assert selectors.committee_may_review(committee, other.pk, dt.date(2026, 3, 1))
    assert not selectors.committee_may_review(committee, other.pk, dt.date(2026, 3, 2))


def test_entrustment_to_own_committee_is_refused(admin):
    committee = CommitteeFactory(institution=admin.institution)
    with pytest.raises(ValidationError) as info:
        services.entrustment_create(
            actor=admin,
            entrusting_institution=admin.institution,
            receiving_committee_id=committee.pk,
            scope="x",
            starts_on=dt.date(2026, 2, 1),
            agreement=pdf(),
        )
    assert info.value.error_dict["entrusting_institution"][0].code == "own_institution"


def test_institution_update_rejects_a_wrong_credit_code(admin):
    with pytest.raises(ValidationError) as exc:
        services.institution_update(
            institution_id=admin.institution_id,
            actor=admin,
            data={"credit_code": "91350100M000100Y44"},
        )
    assert "credit_code" in exc.value.error_dict


def test_deadline_recipients_are_secretaries_and_escalate_to_chair_and_admins(admin):
    from committees.hooks import committee_deadline_recipients, member_term_recipients

    committee = services.committee_create(
        actor=admin, institution=admin.institution, name="c", established_on=dt.date(2026, 1, 5)
    )
    today = timezone.localdate()
    secretary = MembershipFactory(
        committee=committee, role="secretary", term_start=today, term_end=today
    ).user
    chair = MembershipFactory(
        committee=committee, role="chair", term_start=today, term_end=today
    ).user
    deadline = deadlines("committee_registration", committee).get()
    recipients = committee_deadline_recipients(deadline)
    assert recipients.responsible == [secretary]
    assert set(recipients.escalation) == {chair, admin}
    assert member_term_recipients(deadline).responsible == [secretary]
