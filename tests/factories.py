"""factory_boy factories with minimal valid defaults, shared by every test package."""

import datetime

import factory

from committees.models import Committee, Membership
from ethics.models import Institution, User
from ethics.validators import make_credit_code


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"测试单位{n}")
    # Valid GB 32100-2015 codes: 17 characters plus their computed check character.
    credit_code = factory.Sequence(lambda n: make_credit_code(f"91110105{n:09d}"))
    kind = "medical"
    region = "北京市"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    language = "zh-hans"
    password = factory.django.Password("pw-for-tests-1")


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"科技伦理委员会{n}")
    kind = "institutional"
    regimes = factory.LazyFunction(lambda: ["meas"])
    established_on = datetime.date(2026, 1, 5)


class MembershipFactory(factory.django.DjangoModelFactory):
    """A member in term from 2026-01-05 to 2031-01-04; science peer, internal, male by default.
    `MembershipFactory(secretary=True)`: the committee's secretary (not a 委员, expertise other)."""

    class Meta:
        model = Membership

    class Params:
        secretary = factory.Trait(role="secretary", expertise="other")

    committee = factory.SubFactory(CommitteeFactory)
    user = factory.SubFactory(UserFactory)
    role = "member"
    expertise = "science"
    gender = "male"
    external = False
    term_start = datetime.date(2026, 1, 5)
    term_end = datetime.date(2031, 1, 4)


def valid_roster(committee, size=7, **overrides):
    """A roster that satisfies R4-R7 for a MEAS committee: chair, science, ethics, law, both
    genders, one external member; `size` members in all (at least 4)."""
    specs = [
        {"role": "chair", "expertise": "science", "gender": "male"},
        {"role": "vice_chair", "expertise": "ethics", "gender": "female"},
        {"role": "member", "expertise": "law", "gender": "female", "external": True},
    ]
    specs += [{"role": "member", "expertise": "science", "gender": "male"}] * (size - len(specs))
    return [MembershipFactory(committee=committee, **{**spec, **overrides}) for spec in specs]


# --- reviews -----------------------------------------------------------------------------------


class ProjectFactory(factory.django.DjangoModelFactory):
    """A planned, non-listed project on human data reviewed by its own institution's committee."""

    class Meta:
        model = "reviews.Project"

    title = factory.Sequence(lambda n: f"科技活动{n}")
    lead = factory.SubFactory(UserFactory)
    committee = factory.SubFactory(CommitteeFactory)
    institution = factory.LazyAttribute(lambda p: p.committee.institution)
    scope = factory.LazyFunction(lambda: ["human_data_samples"])
    planned_start = datetime.date(2026, 3, 1)
    planned_end = datetime.date(2027, 3, 1)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft initial application; services move it on."""

    class Meta:
        model = "reviews.Application"

    project = factory.SubFactory(ProjectFactory)
    committee = factory.LazyAttribute(lambda a: a.project.committee)
    kind = "initial"
    regimes = factory.LazyFunction(lambda: ["meas"])


# --- meetings ----------------------------------------------------------------------------------


class MeetingFactory(factory.django.DjangoModelFactory):
    """A scheduled in-person meeting a week from now."""

    class Meta:
        model = "meetings.Meeting"

    committee = factory.SubFactory(CommitteeFactory)
    starts_at = factory.LazyFunction(
        lambda: datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=7)
    )
    mode = "in_person"
    place = "第一会议室"


def under_meeting_review(committee, *, lead=None, kind="initial", regimes=("meas",)):
    """An application accepted for meeting review: status under_review with an open meeting
    round (as reviews' application_accept leaves it), built without the document uploads."""
    from reviews.models import Review

    now = datetime.datetime.now(datetime.UTC)
    project = ProjectFactory(
        committee=committee,
        institution=committee.institution,
        **({"lead": lead} if lead is not None else {}),
    )
    application = ApplicationFactory(
        project=project,
        kind=kind,
        regimes=list(regimes),
        status="under_review",
        procedure="meeting",
        ref=f"M-{project.pk}-{kind}",
        submitted_at=now,
        accepted_at=now,
        due_at=now + datetime.timedelta(days=30),
    )
    Review.objects.create(
        application=application,
        procedure="meeting",
        accepted_at=now,
        due_at=application.due_at,
        ready_for_meeting_at=now,
    )
    return application
