"""factory_boy factories with minimal valid defaults, shared by every test package."""

import datetime

import factory

from committees.models import Committee, Institution
from ethics.models import User


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"测试单位{n}")
    # Valid GB 32100-2015 codes are produced by the committees tests' helper when they matter.
    credit_code = factory.Sequence(lambda n: f"9111{n:014d}")
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
