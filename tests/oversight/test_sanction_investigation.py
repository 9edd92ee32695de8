"""A sanction (R57) names the investigation (R56) it follows from: a foreign key to one of the
recording institution's investigations (400 with a field code otherwise, page and API), shown as
a link to those who may see the investigation and to nobody else."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from oversight.models_complaints import Investigation
from oversight.models_sanctions import Measure, Sanction, SubjectKind
from oversight.services import sanctions
from tests.factories import UserFactory
from tests.oversight.complaint_world import investigation as open_investigation

pytestmark = pytest.mark.django_db


def _other_investigation(world):
    """An investigation of another institution (the other committee's)."""
    return Investigation.objects.create(
        institution=world.other_committee.institution,
        origin="own_initiative",
        title="外单位调查",
    )


def _record(world, actor=None, **extra):
    today = timezone.localdate()
    return sanctions.sanction_record(
        actor=actor or world.admin,
        subject_kind=SubjectKind.PERSON,
        person=world.researcher,
        measure=Measure.CORRECT,
        grounds="知情同意程序缺失",
        decided_on=today - dt.timedelta(days=1),
        **extra,
    )


def _body(world, investigation):
    return {
        "subject_kind": "person",
        "person": world.researcher.pk,
        "measure": "correct",
        "grounds": "知情同意程序缺失",
        "decided_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "investigation": investigation.pk,
    }


def test_the_service_takes_an_investigation_of_the_recording_institution_r57(world):
    own = open_investigation(world)
    sanction = _record(world, investigation=own)
    assert Sanction.objects.get(pk=sanction.pk).investigation == own
    assert list(own.sanctions.all()) == [sanction]
    with pytest.raises(ValidationError) as refused:
        _record(world, investigation=_other_investigation(world))
    assert refused.value.error_dict["investigation"][0].code == "invalid_choice"
    with pytest.raises(ProtectedError):  # PROTECT: the investigation stays while referred to
        own.delete()


def test_the_api_picks_an_investigation_of_the_same_institution_r57(world, api_client):
    own, other = open_investigation(world), _other_investigation(world)
    api_client.force_authenticate(world.admin)
    response = api_client.post("/api/v1/sanctions/", _body(world, own), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["investigation"] == own.pk
    # Another institution's investigation: not among those the admin may pick.
    response = api_client.post("/api/v1/sanctions/", _body(world, other), format="json")
    assert response.status_code == 400
    assert response.json()["investigation"][0]["code"] == "does_not_exist"
    # The staff see every investigation; the service still refuses another institution's.
    staff = UserFactory(is_superuser=True, is_staff=True, institution=world.institution)
    api_client.force_authenticate(staff)
    response = api_client.post("/api/v1/sanctions/", _body(world, other), format="json")
    assert response.status_code == 400
    assert response.json()["investigation"][0]["code"] == "invalid_choice"
    assert Sanction.objects.count() == 1


def test_the_page_form_picks_an_investigation_r57(world, client):
    own, other = open_investigation(world), _other_investigation(world)
    client.force_login(world.admin)
    page = client.get(reverse("oversight:sanction-create"))
    select = re.search(r'<select name="investigation".*?</select>', page.content.decode(), re.S)
    assert select is not None
    assert f'value="{own.pk}"' in select.group(0)
    assert f'value="{other.pk}"' not in select.group(0)
    response = client.post(reverse("oversight:sanction-create"), _body(world, other))
    assert response.status_code == 400
    assert not Sanction.objects.exists()
    response = client.post(reverse("oversight:sanction-create"), _body(world, own))
    assert response.status_code == 302
    assert Sanction.objects.get().investigation == own


def test_the_detail_links_the_investigation_for_those_who_may_see_it_r56(
    world, client, django_assert_max_num_queries
):
    own = open_investigation(world)
    sanction = _record(world, investigation=own)
    url = reverse("oversight:sanction-detail", args=[sanction.pk])
    link = reverse("oversight:investigation-detail", args=[own.pk])
    client.force_login(world.admin)
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert link in response.content.decode()
    assert own.title in response.content.decode()
    client.force_login(world.researcher)  # the sanctioned person sees the sanction, not the case
    response = client.get(url)
    assert response.status_code == 200
    assert link not in response.content.decode()
    assert 'id="sanction-investigation"' not in response.content.decode()
