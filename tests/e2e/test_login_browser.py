import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_user_logs_in_and_sees_the_dashboard_in_chinese(page, login):
    UserFactory(username="secretary", name="张秘书")
    login(page, "secretary")
    assert page.locator("h1").inner_text() == "工作台"
    assert "张秘书" in page.content()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"


def test_language_toggle_switches_to_english(page, login):
    UserFactory(username="member")
    login(page, "member")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("h1").inner_text() == "Dashboard"
