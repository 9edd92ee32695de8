"""Pages render in Chinese first, keep input on errors, and the live panel responds."""

import pytest
from django.urls import reverse


@pytest.fixture
def secretary_client(client, world):
    client.force_login(world.secretary)
    return client


def test_composition_problem_in_plain_chinese_with_article(secretary_client, world):
    world.members[-1].ended_on = world.term["term_start"]
    world.members[-1].save()
    response = secretary_client.get(
        reverse("committees:committee-detail", args=[world.committee.pk])
    )
    text = response.content.decode()
    assert "委员会组成" in text
    assert "在任委员仅6人，委员会应不少于7人" in text
    assert "《科技伦理审查办法（试行）》第七条" in text


def test_add_member_form_keeps_input_on_error(secretary_client, world):
    url = reverse("committees:membership-add", args=[world.committee.pk])
    response = secretary_client.post(
        url,
        {
            "new_name": "新委员",
            "role": "member",
            "expertise": "ethics",
            "gender": "female",
            "term_start": "2026-01-05",
            "term_end": "2031-01-06",
            "title": "教授",
        },
    )
    # Refused: 400, as in the API, with the form again holding what was typed.
    assert response.status_code == 400
    text = response.content.decode()
    assert "任期不得超过5年" in text
    assert response.context["form"].errors["term_end"]
    assert 'value="新委员"' in text
    assert 'value="教授"' in text


def test_add_new_external_person(secretary_client, world):
    url = reverse("committees:membership-add", args=[world.committee.pk])
    response = secretary_client.post(
        url,
        {
            "new_name": "外聘专家",
            "new_email": "expert@example.test",
            "role": "member",
            "expertise": "law",
            "gender": "male",
            "external": "on",
            "term_start": "2026-01-05",
            "term_end": "2030-12-31",
        },
    )
    assert response.status_code == 302
    membership = world.committee.memberships.get(user__name="外聘专家")
    assert membership.external
    assert membership.user.institution is None


def test_composition_partial_for_another_date(secretary_client, world):
    url = reverse("committees:composition", args=[world.committee.pk])
    later = world.term["term_end"].replace(year=world.term["term_end"].year + 1)
    response = secretary_client.get(url, {"on": later.isoformat()})
    assert response.status_code == 200
    assert 'data-code="too_few_members"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_dashboard_panel_lists_managed_committees(secretary_client, world):
    response = secretary_client.get(reverse("ethics:dashboard"))
    assert "我的委员会" in response.content.decode()
    assert world.committee.name in response.content.decode()
