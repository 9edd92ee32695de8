"""R22 worksheet: nothing pre-selected; the recommendation and every criterion of the scope
must be chosen (page: form errors in Chinese; API: 400 with field codes). The criteria per scope
include the Beijing AI criteria (B7, 三(一)) and biosafety and ecological safety (B8, 五(四))."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reviews import checklist, services
from reviews.checklist import Scope
from reviews.models import Opinion
from tests.reviews.conftest import assigned

pytestmark = pytest.mark.django_db

AI = {"ai_fairness", "ai_transparency", "ai_control"}


@pytest.mark.parametrize(
    ("scope", "present", "absent"),
    [
        (Scope.OTHER_RISK, AI | {"biosafety", "ecology", "data"}, {"consent", "three_r"}),
        (Scope.HUMAN_DATA_SAMPLES, AI | {"biosafety", "privacy"}, {"ecology", "three_r"}),
        (Scope.ANIMALS, {"biosafety", "ecology", "three_r"}, AI | {"consent"}),
        (Scope.HUMAN_PARTICIPANTS, {"consent", "compensation"}, AI | {"ecology"}),
    ],
)
def test_criteria_per_scope_include_ai_biosafety_and_ecology_r22_b7_b8(scope, present, absent):
    keys = {c.key for c in checklist.criteria_for([scope])}
    assert present <= keys
    assert not absent & keys
    assert {"principles", "value", "risk_control"} <= keys  # every scope


def _declared(world):
    application, (a1, _a2) = assigned(world)
    user = a1.membership.user
    services.assignment_declare(assignment_id=a1.pk, conflicted=False, actor=user)
    return application, a1, user


def _sheet(application, answer="met"):
    return {c.key: answer for c in checklist.criteria_for(application.project.scope)}


def test_the_worksheet_opens_with_nothing_selected_r22(client, world):
    application, assignment, user = _declared(world)
    client.force_login(user)
    html = client.get(reverse("reviews:assignment-detail", args=[assignment.pk])).content.decode()
    form = html[html.index('id="opinion-form"') :]
    form = form[: form.index("</form>")]
    assert 'name="verdict"' in form
    selected = re.findall(r'<option value="([^"]*)"[^>]*selected', form)
    assert all(value == "" for value in selected), selected
    for key in _sheet(application):
        assert f'name="c_{key}"' in form


def _page_post(client, application, data):
    url = reverse("reviews:application-action", args=[application.pk, "opinion"])
    return client.post(url, data)


def test_page_refuses_a_worksheet_without_recommendation_or_criteria_r22(client, world):
    application, _assignment, user = _declared(world)
    client.force_login(user)
    answers = {f"c_{k}": v for k, v in _sheet(application).items()}
    missing_one = {**answers, "c_ai_fairness": "", "verdict": "approve"}
    response = _page_post(client, application, missing_one)
    assert response.status_code == 400
    assert "该字段是必填项" in response.content.decode()
    response = _page_post(client, application, {**answers, "verdict": ""})
    assert response.status_code == 400
    assert "该字段是必填项" in response.content.decode()
    assert not Opinion.objects.exists()
    response = _page_post(client, application, {**answers, "verdict": "approve"})
    assert response.status_code == 302
    assert Opinion.objects.get().worksheet == _sheet(application)


def test_api_refuses_a_worksheet_without_recommendation_or_criteria_r22(world):
    application, _assignment, user = _declared(world)
    client = APIClient()
    client.force_authenticate(user)
    url = f"/api/v1/applications/{application.pk}/opinion/"
    response = client.post(url, {"worksheet": _sheet(application)}, format="json")
    assert response.status_code == 400
    assert response.json()["verdict"][0]["code"] == "required"
    partial = _sheet(application)
    del partial["ai_control"]
    response = client.post(url, {"verdict": "approve", "worksheet": partial}, format="json")
    assert response.status_code == 400
    assert response.json()["worksheet"][0]["code"] == "required"
    assert "ai_control" in response.json()["worksheet"][0]["message"]
    response = client.post(url, {"verdict": "approve"}, format="json")
    assert response.status_code == 400
    assert response.json()["worksheet"][0]["code"] == "required"
    assert not Opinion.objects.exists()
    response = client.post(
        url, {"verdict": "approve", "worksheet": _sheet(application, "na")}, format="json"
    )
    assert response.status_code == 200, response.content


def test_the_service_refuses_an_incomplete_worksheet_r22(world):
    from django.core.exceptions import ValidationError

    application, assignment, user = _declared(world)
    partial = _sheet(application)
    del partial["biosafety"]
    with pytest.raises(ValidationError) as info:
        services.opinion_record(
            assignment_id=assignment.pk, verdict="approve", worksheet=partial, actor=user
        )
    assert info.value.error_dict["worksheet"][0].code == "required"
    assert not Opinion.objects.exists()
