"""OIDC sign-in through mozilla-django-oidc against a provider running on a thread
(tests/sso_servers.py): the code flow over HTTP with state, nonce and PKCE, the person found by
`sub`, no role from the provider, the second factor still asked of officers, off by default."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from ethics.models import AuditEvent, ExternalIdentity, User
from tests.factories import CommitteeFactory, InstitutionFactory, MembershipFactory, UserFactory
from tests.sso_servers import oidc_provider

pytestmark = pytest.mark.django_db
__all__ = ["oidc_provider"]

PERSON = {
    "sub": "248289761001",
    "preferred_username": "wangwu",
    "name": "王五",
    "email": "wangwu@example.edu.cn",
    # Claims a provider might send; none of them may grant anything here.
    "is_staff": True,
    "roles": ["admin", "chair"],
}


@pytest.fixture
def provider(oidc_provider, settings):
    for name, value in oidc_provider.settings().items():
        setattr(settings, name, value)
    oidc_provider.person = dict(PERSON)
    return oidc_provider


def sign_in(client, provider, *, tamper_state: bool = False):
    """The browser's part: our login start, the provider's authorize page (real HTTP), back to
    our callback. Returns the callback's response."""
    start = client.get("/accounts/sso/oidc/login/")
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(f"{provider.url}/authorize?")
    query = parse_qs(urlparse(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"][0]
    assert query["state"][0]
    back = requests.get(authorize, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    callback = urlparse(back.headers["Location"])
    params = parse_qs(callback.query)
    if tamper_state:
        params["state"] = ["forged-state"]
    return client.get(callback.path, {k: v[0] for k, v in params.items()})


def signed_in_as(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_the_code_flow_creates_the_account_once_and_maps_it_by_sub(client, provider, settings):
    institution = InstitutionFactory()
    settings.SSO_CREATE_USERS = True
    settings.SSO_INSTITUTION = institution.credit_code

    response = sign_in(client, provider)

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = signed_in_as(client)
    assert user is not None
    assert (user.username, user.name, user.email) == ("wangwu", "王五", "wangwu@example.edu.cn")
    assert user.institution == institution
    assert (user.is_staff, user.is_superuser, user.institution_admin) == (False, False, False)
    assert not user.has_usable_password()
    identity = ExternalIdentity.objects.get(user=user)
    assert (identity.provider, identity.subject) == ("oidc", PERSON["sub"])
    assert AuditEvent.objects.get(action="auth.login", actor=user).after["via"] == "oidc"
    # The client authenticated itself at the token endpoint and proved the PKCE verifier.
    [exchange] = provider.token_requests
    assert exchange["client_secret"] == provider.client_secret
    assert exchange["code_verifier"]

    # Again, with a changed name at the provider: the same account (by sub), no second one.
    client.logout()
    provider.person["preferred_username"] = "wang.wu"
    assert sign_in(client, provider).status_code == 302
    assert signed_in_as(client) == user
    assert User.objects.count() == 1


def test_a_linked_officer_gets_no_role_from_the_provider_and_still_owes_the_second_factor(
    client, provider, settings
):
    settings.MFA_REQUIRED = True
    committee = CommitteeFactory()
    secretary = UserFactory(username="sec-local")
    MembershipFactory(committee=committee, user=secretary, secretary=True)
    ExternalIdentity.objects.create(user=secretary, provider="oidc", subject=PERSON["sub"])

    response = sign_in(client, provider)
    assert response.status_code == 302
    assert signed_in_as(client) == secretary
    secretary.refresh_from_db()
    assert (secretary.is_staff, secretary.is_superuser) == (False, False)
    # The dashboard is held at the second factor's enrolment.
    assert client.get("/")["Location"].startswith("/accounts/mfa/")


def test_an_idp_that_enforces_mfa_stands_for_the_second_factor_when_configured(
    client, provider, settings
):
    settings.MFA_REQUIRED = True
    settings.SSO_IDP_ENFORCES_MFA = ["oidc"]
    committee = CommitteeFactory()
    chair = UserFactory()
    MembershipFactory(committee=committee, user=chair, role="chair")
    ExternalIdentity.objects.create(user=chair, provider="oidc", subject=PERSON["sub"])

    assert sign_in(client, provider).status_code == 302
    assert client.get("/").status_code == 200


def test_no_account_is_created_unless_the_setting_allows(client, provider, settings):
    settings.SSO_CREATE_USERS = False
    response = sign_in(client, provider)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None
    assert not User.objects.exists()
    page = client.get("/accounts/login/").content.decode()
    assert "没有与之关联的账户" in page
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.after["via"] == "oidc"
    assert failed.after["reason"] == "no_account"


def test_a_forged_state_is_refused(client, provider, settings):
    settings.SSO_CREATE_USERS = True
    response = sign_in(client, provider, tamper_state=True)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None
    assert not provider.token_requests  # refused before the code was exchanged
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.after["via"] == "oidc"
    assert failed.after["reason"] == "oidc_state"


def test_a_wrong_nonce_is_refused(client, provider, settings):
    settings.SSO_CREATE_USERS = True
    provider.nonce_override = "another-nonce"
    response = sign_in(client, provider)
    assert response["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None
    assert not User.objects.exists()


def test_a_token_for_another_client_is_refused(client, provider, settings):
    settings.SSO_CREATE_USERS = True
    provider.audience_override = "some-other-app"
    response = sign_in(client, provider)
    assert response["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None


def test_an_expired_id_token_is_refused(client, provider, settings):
    settings.SSO_CREATE_USERS = True
    provider.expired = True
    response = sign_in(client, provider)
    assert response["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None


def test_a_replayed_callback_is_refused(client, provider, settings):
    settings.SSO_CREATE_USERS = True
    start = client.get("/accounts/sso/oidc/login/")
    back = requests.get(start["Location"], allow_redirects=False, timeout=10)
    callback = urlparse(back.headers["Location"])
    params = {k: v[0] for k, v in parse_qs(callback.query).items()}
    assert client.get(callback.path, params).status_code == 302
    client.logout()
    again = client.get(callback.path, params)
    assert again["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None


def test_the_provider_down_gives_a_clear_message(client, provider, settings):
    start = client.get("/accounts/sso/oidc/login/")
    back = requests.get(start["Location"], allow_redirects=False, timeout=10)
    provider.stop()
    callback = urlparse(back.headers["Location"])
    response = client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
    assert response["Location"] == "/accounts/login/"
    assert "暂时无法连接统一身份认证服务" in client.get("/accounts/login/").content.decode()


def test_the_login_page_offers_the_button_only_when_enabled(client, provider, settings):
    page = client.get("/accounts/login/").content.decode()
    assert "/accounts/sso/oidc/login/" in page
    settings.OIDC_ENABLED = False
    page = client.get("/accounts/login/").content.decode()
    assert "/accounts/sso/oidc/login/" not in page
    assert client.get("/accounts/sso/oidc/login/").status_code == 404
    assert (
        client.get("/accounts/sso/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404
    )


def test_oidc_is_off_by_default(client):
    assert client.get("/accounts/sso/oidc/login/").status_code == 404
    assert "/accounts/sso/" not in client.get("/accounts/login/").content.decode()


def test_a_code_on_another_page_is_never_exchanged(client, provider, settings):
    """Only the callback exchanges a code: the password form ignores `?code=&state=`."""
    settings.SSO_CREATE_USERS = True
    response = client.post(
        "/accounts/login/?code=abc&state=def", {"username": "nobody", "password": "x"}
    )
    assert response.status_code == 200
    assert not provider.token_requests


def test_the_button_reads_in_chinese(client, provider, settings, tmp_path):
    """The zh-hans label (in new-sso.po until the lead merges it into django.po)."""
    import shutil
    import subprocess
    from pathlib import Path

    locale = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"
    po = locale / "new-sso.po"
    if po.exists():
        target = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
        target.mkdir(parents=True)
        msgfmt = shutil.which("msgfmt") or "/usr/bin/msgfmt"
        subprocess.run([msgfmt, "-o", str(target / "django.mo"), str(po)], check=True)  # noqa: S603
        settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, tmp_path / "locale"]
    from django.utils.translation import trans_real

    trans_real._translations = {}
    trans_real._default = None
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    trans_real._translations = {}
    trans_real._default = None
    assert "统一身份认证登录" in page


def test_a_provider_switched_on_without_its_settings_fails_at_start(settings):
    from django.core.exceptions import ImproperlyConfigured

    from ethics import sso

    settings.OIDC_ENABLED = True
    settings.OIDC_OP_TOKEN_ENDPOINT = ""
    with pytest.raises(ImproperlyConfigured, match="OIDC_OP_TOKEN_ENDPOINT"):
        sso.check_settings()


def test_the_oidc_start_costs_few_queries(client, provider, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        assert client.get("/accounts/sso/oidc/login/").status_code == 302
