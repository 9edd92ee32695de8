"""LDAP sign-in against a real OpenLDAP server (tests/sso_servers.py starts slapd): the person
found by entryUUID, wrong passwords counted and locked by axes, no account without the setting,
the directory down gives a clear message and local accounts still sign in (README "Single
sign-on")."""

import ldap
import pytest
from axes.models import AccessAttempt
from django_auth_ldap.config import LDAPSearch

from ethics.models import AuditEvent, ExternalIdentity, User
from tests.factories import InstitutionFactory, UserFactory
from tests.sso_servers import ADMIN_DN, ADMIN_PASSWORD, LDAP_PASSWORD, PEOPLE, free_port, slapd

pytestmark = pytest.mark.django_db
__all__ = ["slapd"]

LOGIN = "/accounts/login/"


def configure(settings, uri: str) -> None:
    settings.LDAP_ENABLED = True
    settings.AUTH_LDAP_SERVER_URI = uri
    settings.AUTH_LDAP_BIND_DN = ADMIN_DN
    settings.AUTH_LDAP_BIND_PASSWORD = ADMIN_PASSWORD
    settings.AUTH_LDAP_USER_SEARCH = LDAPSearch(
        PEOPLE, ldap.SCOPE_SUBTREE, "(uid=%(user)s)", attrlist=["*", "entryUUID"]
    )
    settings.AUTH_LDAP_CONNECTION_OPTIONS = {ldap.OPT_NETWORK_TIMEOUT: 3, ldap.OPT_TIMEOUT: 3}


@pytest.fixture
def directory(settings, slapd):
    configure(settings, slapd.uri)
    return slapd


def login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in_as(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_the_right_password_creates_the_account_once_mapped_by_entry_uuid(
    client, directory, settings
):
    institution = InstitutionFactory()
    settings.SSO_CREATE_USERS = True
    settings.SSO_INSTITUTION = institution.credit_code

    response = login(client, "zhangsan", LDAP_PASSWORD)

    assert response.status_code == 302
    user = signed_in_as(client)
    assert user is not None
    assert (user.username, user.name, user.email) == ("zhangsan", "张三", "zhangsan@example.org")
    assert user.institution == institution
    assert not user.has_usable_password()
    assert (user.is_staff, user.is_superuser, user.institution_admin) == (False, False, False)
    identity = ExternalIdentity.objects.get(user=user)
    assert (identity.provider, identity.subject) == ("ldap", directory.entry_uuid("zhangsan"))
    login_event = AuditEvent.objects.filter(action="auth.login", actor=user).get()
    assert login_event.after["via"] == "ldap"
    assert AuditEvent.objects.filter(action="sso.account_created", target_id=str(user.pk)).exists()

    # Signing in again finds the same account: no second one.
    client.logout()
    assert login(client, "zhangsan", LDAP_PASSWORD).status_code == 302
    assert signed_in_as(client) == user
    assert User.objects.filter(username__startswith="zhangsan").count() == 1


def test_the_identity_not_the_name_decides_the_account(client, directory):
    """An account linked to the entry's entryUUID is the one signed in, whatever its name here;
    its roles and flags stay as they were."""
    linked = UserFactory(username="zs-local", is_staff=False)
    ExternalIdentity.objects.create(
        user=linked, provider="ldap", subject=directory.entry_uuid("zhangsan")
    )
    UserFactory(username="lisi-other")

    assert login(client, "zhangsan", LDAP_PASSWORD).status_code == 302
    assert signed_in_as(client) == linked
    linked.refresh_from_db()
    assert (linked.is_staff, linked.is_superuser, linked.institution_admin) == (False, False, False)


def test_a_wrong_password_is_refused_counted_and_locks_after_the_limit(client, directory, settings):
    settings.SSO_CREATE_USERS = True
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = login(client, "lisi", "wrong-password")
        assert signed_in_as(client) is None
        if attempt < settings.AXES_FAILURE_LIMIT - 1:
            assert response.status_code == 200
    assert AccessAttempt.objects.get(username="lisi").failures_since_start == 5
    failed = AuditEvent.objects.filter(action="auth.login_failed", after__username="lisi")
    assert failed.count() == settings.AXES_FAILURE_LIMIT
    # Locked: even the right password is refused now.
    response = login(client, "lisi", LDAP_PASSWORD)
    assert response.status_code == 429
    assert signed_in_as(client) is None
    assert not User.objects.filter(username="lisi").exists()


def test_an_unknown_person_gets_no_account_unless_the_setting_allows(client, directory, settings):
    settings.SSO_CREATE_USERS = False
    response = login(client, "lisi", LDAP_PASSWORD)
    assert response.status_code == 200
    assert signed_in_as(client) is None
    assert not User.objects.filter(username="lisi").exists()
    assert not ExternalIdentity.objects.exists()
    assert "没有与之关联的账户" in response.content.decode()
    failed = AuditEvent.objects.get(action="auth.login_failed", after__username="lisi")
    assert failed.after["reason"] == "no_account"


def test_the_directory_down_gives_a_clear_message_and_local_accounts_still_sign_in(
    client, settings
):
    configure(settings, f"ldap://127.0.0.1:{free_port()}")  # nobody listens there
    settings.SSO_CREATE_USERS = True

    response = client.post(LOGIN, {"username": "zhangsan", "password": LDAP_PASSWORD})
    assert response.status_code == 200
    assert "暂时无法连接统一身份认证服务" in response.content.decode()
    assert signed_in_as(client) is None
    # Not a password guess: axes counts nothing for a name without a local password.
    assert not AccessAttempt.objects.filter(username="zhangsan").exists()
    failed = AuditEvent.objects.get(action="auth.login_failed", after__username="zhangsan")
    assert failed.after["reason"] == "ldap_unavailable"

    local = UserFactory(username="external-reviewer")
    response = login(client, "external-reviewer", "pw-for-tests-1")
    assert response.status_code == 302
    assert signed_in_as(client) == local
    assert AuditEvent.objects.get(action="auth.login", actor=local).after["via"] == "page"


def test_a_local_account_is_still_counted_while_the_directory_is_down(client, settings):
    configure(settings, f"ldap://127.0.0.1:{free_port()}")
    UserFactory(username="external-reviewer")
    login(client, "external-reviewer", "wrong")
    assert AccessAttempt.objects.get(username="external-reviewer").failures_since_start == 1


def test_the_api_token_form_signs_directory_people_in_too(api_client, directory, settings):
    settings.SSO_CREATE_USERS = True
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "zhangsan", "password": LDAP_PASSWORD}, format="json"
    )
    assert response.status_code in (200, 201), response.content
    user = User.objects.get(username="zhangsan")
    assert user.external_identities.get().provider == "ldap"


def test_ldap_is_off_by_default(client, slapd, settings):
    """The directory's people are unknown while LDAP_ENABLED is off, even with a server set."""
    configure(settings, slapd.uri)
    settings.LDAP_ENABLED = False
    settings.SSO_CREATE_USERS = True
    response = login(client, "zhangsan", LDAP_PASSWORD)
    assert response.status_code == 200
    assert not User.objects.filter(username="zhangsan").exists()
    assert "统一身份" not in client.get(LOGIN).content.decode()
