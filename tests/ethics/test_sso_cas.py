"""CAS sign-in through django-cas-ng against a CAS 3 endpoint on a thread (tests/sso_servers.py):
the service ticket validated at /p3/serviceValidate, the person found by the CAS user (or a
configured attribute), a bad or replayed ticket refused, no role from the server."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from ethics.models import AuditEvent, ExternalIdentity, User
from tests.factories import InstitutionFactory, UserFactory
from tests.sso_servers import cas_server

pytestmark = pytest.mark.django_db
__all__ = ["cas_server"]

LOGIN = "/accounts/sso/cas/login/"


@pytest.fixture
def server(cas_server, settings):
    for name, value in cas_server.settings().items():
        setattr(settings, name, value)
    cas_server.user = "2024001"
    cas_server.attributes = {
        "cn": "赵六",
        "mail": "zhaoliu@example.edu.cn",
        "employeeNumber": "E-77",
        # What a CAS server may send; django-cas-ng's own backend could make staff of it.
        "affiliation": "staff",
        "is_superuser": "True",
    }
    return cas_server


def sign_in(client, server):
    start = client.get(LOGIN)
    assert start.status_code == 302
    assert start["Location"].startswith(f"{server.url}/cas/login?service=")
    back = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302
    url = urlparse(back.headers["Location"])
    return client.get(url.path, {k: v[0] for k, v in parse_qs(url.query).items()})


def signed_in_as(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_a_valid_ticket_signs_in_and_maps_the_cas_user(client, server, settings):
    institution = InstitutionFactory()
    settings.SSO_CREATE_USERS = True
    settings.SSO_INSTITUTION = institution.credit_code

    response = sign_in(client, server)

    assert response.status_code == 302
    user = signed_in_as(client)
    assert user is not None
    assert (user.username, user.name, user.email) == ("2024001", "赵六", "zhaoliu@example.edu.cn")
    assert user.institution == institution
    assert (user.is_staff, user.is_superuser, user.institution_admin) == (False, False, False)
    identity = ExternalIdentity.objects.get(user=user)
    assert (identity.provider, identity.subject) == ("cas", "2024001")
    assert AuditEvent.objects.get(action="auth.login", actor=user).after["via"] == "cas"
    [validation] = server.validations
    assert validation["service"].startswith("http://testserver/accounts/sso/cas/login/")

    client.logout()
    assert sign_in(client, server).status_code == 302
    assert signed_in_as(client) == user
    assert User.objects.count() == 1


def test_a_configured_attribute_is_the_identifier(client, server, settings):
    settings.CAS_ID_ATTRIBUTE = "employeeNumber"
    linked = UserFactory(username="zl")
    ExternalIdentity.objects.create(user=linked, provider="cas", subject="E-77")
    assert sign_in(client, server).status_code == 302
    assert signed_in_as(client) == linked


def test_a_bad_ticket_is_refused(client, server, settings):
    settings.SSO_CREATE_USERS = True
    response = client.get(LOGIN, {"ticket": "ST-forged"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None
    assert not User.objects.exists()
    assert server.validations[0]["ticket"] == "ST-forged"  # the server was asked, and said no
    assert "登录未被接受" in client.get("/accounts/login/").content.decode()
    assert AuditEvent.objects.get(action="auth.login_failed").after["via"] == "cas"


def test_a_ticket_is_good_once(client, server, settings):
    settings.SSO_CREATE_USERS = True
    start = client.get(LOGIN)
    back = requests.get(start["Location"], allow_redirects=False, timeout=10)
    url = urlparse(back.headers["Location"])
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert client.get(url.path, params).status_code == 302
    client.logout()
    assert client.get(url.path, params)["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None


def test_no_account_unless_the_setting_allows(client, server, settings):
    settings.SSO_CREATE_USERS = False
    response = sign_in(client, server)
    assert response["Location"] == "/accounts/login/"
    assert not User.objects.exists()
    assert "没有与之关联的账户" in client.get("/accounts/login/").content.decode()


def test_cas_is_off_by_default_and_the_button_shows_when_on(client, server, settings):
    page = client.get("/accounts/login/").content.decode()
    assert LOGIN in page
    settings.CAS_ENABLED = False
    assert client.get(LOGIN).status_code == 404
    assert LOGIN not in client.get("/accounts/login/").content.decode()


def test_sso_link_links_an_existing_account_and_is_audited(client, server):
    from django.core.management import CommandError, call_command

    officer = UserFactory(username="office-holder")
    call_command("sso_link", "office-holder", "cas", "2024001")
    assert AuditEvent.objects.filter(action="sso.identity_linked").count() == 1
    with pytest.raises(CommandError):
        call_command("sso_link", "office-holder", "cas", "2024001")
    assert sign_in(client, server).status_code == 302
    assert signed_in_as(client) == officer
    call_command("sso_link", "office-holder", "cas", "2024001", "--unlink")
    assert not ExternalIdentity.objects.exists()


def test_the_cas_server_down_gives_a_clear_message(client, server, settings):
    settings.SSO_CREATE_USERS = True
    server.stop()
    response = client.get(LOGIN, {"ticket": "ST-any"})
    assert response["Location"] == "/accounts/login/"
    assert "暂时无法连接统一身份认证服务" in client.get("/accounts/login/").content.decode()
    assert AuditEvent.objects.get(action="auth.login_failed").after["reason"] == "cas_unavailable"


def test_the_sign_in_pages_cost_few_queries(client, server, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        assert client.get("/accounts/login/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(LOGIN).status_code == 302
