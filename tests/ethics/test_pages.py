import pytest
from django.urls import reverse

from ethics import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-Hans"' in html
    assert "登录" in html


def test_dashboard_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_login_then_dashboard_in_chinese(client):
    UserFactory(username="li", name="李华")
    response = client.post(
        "/accounts/login/", {"username": "li", "password": "pw-for-tests-1"}, follow=True
    )
    html = response.content.decode()
    assert "工作台" in html
    assert "李华" in html


def test_language_switch_is_remembered_for_the_user(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("ethics:set-language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    assert "Dashboard" in client.get("/").content.decode()


def test_language_switch_ignores_offsite_next(client):
    response = client.post(
        reverse("ethics:set-language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_inbox_shows_only_own_messages_and_marks_read(client, django_assert_max_num_queries):
    me, other = UserFactory(), UserFactory()
    for i in range(3):
        services.notification_create(recipient=me, title=f"消息{i}")
    services.notification_create(recipient=other, title="别人的消息")
    client.force_login(me)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("ethics:inbox")).content.decode()
    assert "消息2" in html
    assert "别人的消息" not in html
    for i in range(20):
        services.notification_create(recipient=me, title=f"更多{i}")
    with django_assert_max_num_queries(8):
        client.get(reverse("ethics:inbox"))
    client.post(reverse("ethics:inbox-read"))
    assert me.notifications.filter(read_at=None).count() == 0
    assert other.notifications.filter(read_at=None).count() == 1


def test_inbox_read_cannot_touch_another_users_notification(client):
    me, other = UserFactory(), UserFactory()
    note = services.notification_create(recipient=other, title="x")
    client.force_login(me)
    client.post(reverse("ethics:inbox-read"), {"notification": note.pk})
    note.refresh_from_db()
    assert note.read_at is None


def test_static_assets_are_local(client):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert "/static/ethics/vendor/htmx" in html
    assert "http://" not in html.split("<body")[0]
    assert "https://" not in html.split("<body")[0]
