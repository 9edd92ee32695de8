"""B12: the "submit re-review" form chooses the organising authority among those the rule set names
for the activity's field (`RuleSet.rereview_authorities`); older free-text values stay readable."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews import services
from reviews.models import ReReview
from tests.reviews.conftest import listed_preliminary

pytestmark = pytest.mark.django_db


def _authority_select(client, application):
    body = client.get(reverse("reviews:application-detail", args=[application.pk])).content
    match = re.search(
        r'id="action-submit_rereview".*?(<select name="authority".*?</select>)', body.decode(), re.S
    )
    assert match is not None
    return re.findall(r'<option value="([^"]*)"', match.group(1))


@pytest.mark.parametrize(
    ("item", "codes"), [(6, ["bj_stc", "bj_economy"]), (4, ["bj_health"])], ids=["ai", "medicine"]
)
def test_the_form_offers_the_fields_authorities_b12(world, client, item, codes):
    application = listed_preliminary(world, listed_item=item)
    client.force_login(world.secretary)
    assert _authority_select(client, application) == ["", *codes]


def test_the_page_refuses_an_authority_of_another_field_b12(world, client):
    application = listed_preliminary(world, listed_item=6)
    client.force_login(world.secretary)
    url = reverse("reviews:application-action", args=[application.pk, "submit_rereview"])
    assert client.post(url, {"authority": "bj_health"}).status_code == 400
    assert ReReview.objects.get().state == "preparing"
    response = client.post(url, {"authority": "bj_economy"})
    assert response.status_code == 302
    rereview = ReReview.objects.get()
    assert rereview.authority == "bj_economy"
    page = client.get(reverse("reviews:application-detail", args=[application.pk]))
    assert rereview.authority_name in page.content.decode()
    assert rereview.authority_name != "bj_economy"


def test_the_service_refuses_free_text_where_the_rule_set_names_authorities_b12(world):
    application = listed_preliminary(world, listed_item=6)
    with pytest.raises(ValidationError) as refused:
        services.rereview_submit(
            application_id=application.pk, actor=world.secretary, authority="北京市科委"
        )
    assert refused.value.error_dict["authority"][0].code == "invalid_choice"


def test_an_older_free_text_authority_stays_readable_b12(world, client):
    application = listed_preliminary(world, listed_item=6)
    ReReview.objects.filter(application=application).update(
        authority="北京市科学技术委员会（旧记录）"
    )
    rereview = ReReview.objects.get()
    assert rereview.authority_name == "北京市科学技术委员会（旧记录）"
    client.force_login(world.secretary)
    page = client.get(reverse("reviews:application-detail", args=[application.pk]))
    assert "北京市科学技术委员会（旧记录）" in page.content.decode()
