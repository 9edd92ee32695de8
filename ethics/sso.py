"""Single sign-on: OIDC (mozilla-django-oidc), CAS (django-cas-ng) and LDAP (django-auth-ldap),
each switched on by settings (README "Single sign-on").

Every provider ends in `account_for()`: the identity is found by the provider's stable identifier
(`ExternalIdentity(provider, subject)`), never by a name or e-mail address. An unknown identity
gets an account only while `SSO_CREATE_USERS` is on, with the institution `SSO_INSTITUTION`
names; the account is an ordinary one: no committee role, no staff, superuser or institution-admin
flag ever comes from the identity provider (roles are given here, by people, and audited).

The rest of the login machinery stays as it is: django-axes counts and locks LDAP password logins
like local ones, the login page's per-address throttle covers them, officers still owe the second
factor after any sign-in unless `SSO_IDP_ENFORCES_MFA` names the provider, and every sign-in is
audited as `auth.login` with `via` = `oidc`, `cas` or `ldap` (ethics.login).
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django_auth_ldap.backend import LDAPBackend as BaseLDAPBackend
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from ethics import audit
from ethics.models import Institution, User
from ethics.sso_models import ExternalIdentity, Provider

logger = logging.getLogger(__name__)

#: Request attributes the backends leave for the pages: why a verified identity got no account,
#: and whether the provider could not be reached.
REFUSAL_ATTR = "sso_refusal"
UNAVAILABLE_ATTR = "sso_unavailable"

#: The backend each provider signs in with (`user.backend` after `authenticate`).
BACKENDS = {
    "ethics.sso.OIDCBackend": Provider.OIDC,
    "ethics.sso.CASBackend": Provider.CAS,
    "ethics.sso.LDAPBackend": Provider.LDAP,
}


def enabled(provider: str) -> bool:
    return bool(getattr(settings, f"{provider.upper()}_ENABLED", False))


def idp_enforces_mfa(provider: str | None) -> bool:
    """Whether a sign-in through `provider` already carried a second factor (the institution's
    identity provider enforces it; `SSO_IDP_ENFORCES_MFA`). Never for LDAP: a password only."""
    if provider is None or provider == Provider.LDAP:
        return False
    return provider in getattr(settings, "SSO_IDP_ENFORCES_MFA", [])


def provider_of(user: Any) -> str | None:
    """The provider `user` was just authenticated by (Django sets `user.backend`)."""
    return BACKENDS.get(str(getattr(user, "backend", "") or ""))


def login_buttons() -> list[dict[str, str]]:
    """The "统一身份认证登录" buttons of the login page, one per enabled redirect provider."""
    shown = [p for p in (Provider.OIDC, Provider.CAS) if enabled(p)]
    buttons = []
    for provider in shown:
        label = str(getattr(settings, f"{provider.upper()}_BUTTON_LABEL", "") or "")
        if not label:
            label = gettext("Sign in with the unified identity service")
            if len(shown) > 1:
                label = f"{label} ({provider.label})"
        buttons.append({"url": reverse(f"sso-{provider}-login"), "label": label})
    return buttons


class Refused(Exception):
    """The provider vouched for the person, but no account here may be used for them."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def _institution() -> Institution | None:
    code = str(getattr(settings, "SSO_INSTITUTION", "") or "").strip()
    if not code:
        return None
    institution = Institution.objects.filter(credit_code=code).first()
    if institution is None:
        logger.error("SSO_INSTITUTION %s names no institution; no account is created", code)
        raise Refused(
            "no_institution",
            gettext(
                "Accounts cannot be created for sign-ins at the moment (the configured "
                "institution does not exist). Ask the site administrator."
            ),
        )
    return institution


def _free_username(wanted: str, provider: str) -> str | None:
    manager = User._default_manager
    for candidate in (wanted, f"{wanted}@{provider}"):
        candidate = candidate[:150]
        if candidate and not manager.filter(username__iexact=candidate).exists():
            return candidate
    return None


def account_for(
    provider: str,
    subject: Any,
    *,
    username: str = "",
    email: str = "",
    name: str = "",
) -> User:
    """The account of the identity `(provider, subject)`; created on first sign-in when
    `SSO_CREATE_USERS` allows. Raises `Refused` otherwise. Nothing the provider says changes an
    existing account's roles or flags; a new account has none."""
    subject = str(subject or "").strip()
    if not subject or len(subject) > 255:
        raise Refused("no_subject", gettext("The identity provider sent no usable identifier."))
    identity = (
        ExternalIdentity.objects.select_related("user")
        .filter(provider=provider, subject=subject)
        .first()
    )
    if identity is not None:
        user = identity.user
        if not user.is_active:
            raise Refused("inactive", gettext("This account is disabled."))
        ExternalIdentity.objects.filter(pk=identity.pk).update(last_login=timezone.now())
        return user
    if not getattr(settings, "SSO_CREATE_USERS", False):
        raise Refused(
            "no_account",
            gettext(
                "Your identity was confirmed, but no account here is linked to it. Ask an "
                "administrator of your institution to create or link your account."
            ),
        )
    institution = _institution()
    wanted = (username or "").strip() or f"{provider}-{subject}"
    try:
        with transaction.atomic():
            free = _free_username(wanted, provider)
            if free is None:
                raise Refused(
                    "username_taken",
                    gettext(
                        "An account with your user name already exists and is not linked to "
                        "your identity. Ask an administrator of your institution to link it."
                    ),
                )
            user = User(
                username=free,
                email=(email or "")[:254],
                name=(name or "")[:150],
                institution=institution,
            )
            user.set_unusable_password()
            user.save()
            ExternalIdentity.objects.create(
                user=user, provider=provider, subject=subject, last_login=timezone.now()
            )
            audit.record(
                actor=None,
                action="sso.account_created",
                target=user,
                after={
                    "provider": provider,
                    "subject": subject,
                    "username": free,
                    "institution": institution.pk if institution else None,
                },
            )
    except IntegrityError:
        # The same identity signed in twice at once: the other request created the account.
        identity = ExternalIdentity.objects.select_related("user").get(
            provider=provider, subject=subject
        )
        return identity.user
    return user


def link(user: User, provider: str, subject: str, *, actor: User | None) -> ExternalIdentity:
    """Link an existing (local) account to an identity (`manage.py sso_link`), audited."""
    with transaction.atomic():
        identity = ExternalIdentity.objects.create(user=user, provider=provider, subject=subject)
        audit.record(
            actor=actor,
            action="sso.identity_linked",
            target=user,
            after={"provider": provider, "subject": subject},
        )
    return identity


def _refuse(request: Any, refusal: Refused) -> None:
    if request is not None:
        setattr(request, REFUSAL_ATTR, refusal)
    logger.info("sso sign-in refused: %s", refusal.code)


def _unavailable(request: Any, provider: str) -> None:
    if request is not None:
        setattr(request, UNAVAILABLE_ATTR, provider)


class _NoPermissions:
    """The SSO backends only say who someone is; permissions stay with ModelBackend/guardian."""

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False


# --- OIDC --------------------------------------------------------------------------------------


class OIDCBackend(_NoPermissions, OIDCAuthenticationBackend):  # type: ignore[misc]
    """The authorization-code flow (state, nonce and PKCE checked by mozilla-django-oidc),
    the ID token's signature (JWKS), audience and issuer checked here, the person found by `sub`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.active = enabled(Provider.OIDC)
        if self.active:
            super().__init__(*args, **kwargs)

    def authenticate(self, request: Any, **kwargs: Any) -> User | None:
        if not self.active or request is None:
            return None
        # Only the callback page exchanges a code: a `?code=` on any other page is ignored.
        if request.path != reverse("sso-oidc-callback"):
            return None
        try:
            user: User | None = super().authenticate(request, **kwargs)
        except Refused as refusal:
            _refuse(request, refusal)
            return None
        except (
            SuspiciousOperation,
            requests.RequestException,
            jwt.PyJWTError,
            ValueError,
            KeyError,
        ) as exc:
            logger.warning("OIDC sign-in failed: %s", exc)
            if isinstance(exc, requests.ConnectionError | requests.Timeout):
                _unavailable(request, Provider.OIDC)
            else:
                _refuse(request, Refused("oidc_failed", gettext("The sign-in was not accepted.")))
            return None
        return user

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User:
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token issued for another client")
        issuer = str(getattr(settings, "OIDC_OP_ISSUER", "") or "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token from another issuer")
        claims = dict(payload)
        if getattr(settings, "OIDC_OP_USER_ENDPOINT", ""):
            info = self.get_userinfo(access_token, id_token, payload)
            if str(info.get("sub")) != str(payload.get("sub")):
                raise SuspiciousOperation("userinfo is about another subject")
            claims.update(info)
        username_claim = str(getattr(settings, "OIDC_USERNAME_CLAIM", "preferred_username"))
        return account_for(
            Provider.OIDC,
            payload.get("sub"),
            username=str(claims.get(username_claim) or ""),
            email=str(claims.get("email") or ""),
            name=str(claims.get("name") or ""),
        )


def _not_enabled(provider: str) -> None:
    if not enabled(provider):
        raise Http404


class OIDCLoginView(OIDCAuthenticationRequestView):  # type: ignore[misc]
    """`/accounts/sso/oidc/login/`: to the provider's authorization endpoint (404 when off)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The parent reads the provider's settings when built; an absent provider has none.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        _not_enabled(Provider.OIDC)
        OIDCAuthenticationRequestView.__init__(self)
        response: HttpResponse = super().get(request)
        return response


class OIDCCallbackView(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    """`/accounts/sso/oidc/callback/`: the code's exchange; a refusal goes back to the login
    page with its reason (an unknown or replayed `state` included), never a 400 or 500."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _not_enabled(Provider.OIDC)
        try:
            response: HttpResponse = super().get(request)
        except SuspiciousOperation as exc:
            logger.warning("OIDC callback refused: %s", exc)
            setattr(
                request,
                REFUSAL_ATTR,
                Refused("oidc_state", gettext("The sign-in was not accepted.")),
            )
            # Refused before any backend ran: audit it here (axes counts no password guess).
            from ethics import login

            login.on_login_failed(sender=None, credentials={}, request=request)
            return self.login_failure()
        return response

    def login_failure(self) -> HttpResponse:
        return failure_redirect(self.request, Provider.OIDC)


def failure_redirect(request: HttpRequest, provider: str) -> HttpResponse:
    refusal: Refused | None = getattr(request, REFUSAL_ATTR, None)
    if getattr(request, UNAVAILABLE_ATTR, None):
        message = unavailable_message()
    elif refusal is not None:
        message = refusal.message
    else:
        message = gettext("The sign-in was not accepted.")
    messages.error(request, message)
    return HttpResponseRedirect(reverse("login"))


def unavailable_message() -> str:
    return gettext(
        "The unified identity service cannot be reached at the moment. Try again later; "
        "accounts of this site (external members and reviewers) can still sign in with their "
        "password."
    )


# --- CAS ---------------------------------------------------------------------------------------


class CASBackend(_NoPermissions, ModelBackend):
    """A CAS service ticket validated at the CAS server (`/p3/serviceValidate` for CAS 3); the
    person found by the CAS user or `CAS_ID_ATTRIBUTE`. django-cas-ng's own backend is not used:
    it can make staff and superusers from affiliations, which this site never does."""

    def authenticate(  # type: ignore[override]
        self, request: Any, ticket: str | None = None, service: str | None = None, **kwargs: Any
    ) -> User | None:
        if not enabled(Provider.CAS) or not ticket or not service:
            return None
        from django_cas_ng.utils import get_cas_client

        client = get_cas_client(service_url=service, request=request)
        try:
            cas_user, attributes, _pgtiou = client.verify_ticket(ticket)
        except requests.RequestException as exc:
            logger.warning("CAS server unreachable: %s", exc)
            _unavailable(request, Provider.CAS)
            return None
        except Exception as exc:  # a malformed answer (XML) from the server
            logger.warning("CAS ticket validation failed: %s", exc)
            return None
        if not cas_user:
            return None
        attributes = attributes or {}

        def attribute(name: str) -> str:
            value = attributes.get(name) if name else None
            if isinstance(value, list):
                value = value[0] if value else None
            return str(value or "")

        id_attribute = str(getattr(settings, "CAS_ID_ATTRIBUTE", "") or "")
        subject = attribute(id_attribute) if id_attribute else str(cas_user)
        try:
            return account_for(
                Provider.CAS,
                subject,
                username=str(cas_user),
                email=attribute(str(getattr(settings, "CAS_EMAIL_ATTRIBUTE", "") or "")),
                name=attribute(str(getattr(settings, "CAS_NAME_ATTRIBUTE", "") or "")),
            )
        except Refused as refusal:
            _refuse(request, refusal)
            return None


class _TimeoutSession(requests.Session):
    """python-cas asks the CAS server without a timeout; this session gives every request one."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", getattr(settings, "CAS_TIMEOUT_SECONDS", 10))
        return super().request(*args, **kwargs)


def cas_session() -> requests.Session:
    """`CAS_SESSION_FACTORY`: the session python-cas validates tickets with."""
    return _TimeoutSession()


def cas_login(request: HttpRequest) -> HttpResponseBase:
    """`/accounts/sso/cas/login/`: to the CAS server, and back here with a ticket (404 when
    off). A refused ticket returns to the login page with the reason."""
    from django.core.exceptions import PermissionDenied
    from django_cas_ng.views import LoginView

    _not_enabled(Provider.CAS)
    if request.method not in ("GET", "HEAD"):
        raise Http404
    try:
        response = LoginView.as_view()(request)
    except PermissionDenied:
        return failure_redirect(request, Provider.CAS)
    return response


# --- LDAP --------------------------------------------------------------------------------------


class LDAPBackend(_NoPermissions, BaseLDAPBackend):  # type: ignore[misc]
    """A bind as the person (after a search with the service account), through the login page
    and the API token form; the person found by `LDAP_ID_ATTRIBUTE` (`entryUUID`; Active
    Directory: `objectGUID`). Groups, flags and attributes of the directory grant nothing."""

    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not enabled(Provider.LDAP):
            return None
        user: User | None = super().authenticate(request, username, password, **kwargs)
        return user

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[User, bool]:
        attrs = ldap_user.attrs or {}
        id_attribute = str(getattr(settings, "LDAP_ID_ATTRIBUTE", "entryUUID"))

        def first(name: str) -> str:
            values = attrs.get(name) or attrs.get(name.lower()) or []
            value = values[0] if values else ""
            if isinstance(value, bytes):
                try:
                    return value.decode("utf-8")
                except UnicodeDecodeError:
                    return value.hex()
            return str(value)

        subject = first(id_attribute)
        if not subject and ldap_user.dn:
            # An operational attribute (entryUUID) comes only when asked for by name.
            import ldap

            found = ldap_user.connection.search_s(
                ldap_user.dn, ldap.SCOPE_BASE, attrlist=[id_attribute]
            )
            attrs = {**attrs, **(found[0][1] if found else {})}
            subject = first(id_attribute)
        if not subject:
            raise ldap_user.AuthenticationFailed(f"the entry has no {id_attribute}")
        try:
            user = account_for(
                Provider.LDAP,
                subject,
                username=username,
                email=first(str(getattr(settings, "LDAP_EMAIL_ATTRIBUTE", "mail"))),
                name=first(str(getattr(settings, "LDAP_NAME_ATTRIBUTE", "cn"))),
            )
        except Refused as refusal:
            _refuse(getattr(ldap_user, "_request", None), refusal)
            raise ldap_user.AuthenticationFailed(refusal.code) from None
        # Never "built": django-auth-ldap then neither populates nor saves anything of ours.
        return user, False


def _on_ldap_error(
    sender: Any, context: str, user: Any, request: Any = None, **kwargs: Any
) -> None:
    """django-auth-ldap's `ldap_error`: the directory could not be asked (down, timed out, the
    service account refused). The login page says so; axes does not count the attempt."""
    if context in ("authenticate", "search_for_user_dn"):
        _unavailable(request, Provider.LDAP)


def axes_whitelisted(request: Any, credentials: dict[str, Any] | None) -> bool:
    """`AXES_WHITELIST_CALLABLE`: attempts that are no password guess are not counted: an OIDC
    callback or CAS ticket (no username at all), and a password login refused only because the
    directory was down, for a name that has no local password to guess."""
    credentials = credentials or {}
    if "username" not in credentials and ({"ticket", "nonce", "code_verifier"} & set(credentials)):
        return True
    if request is not None and getattr(request, UNAVAILABLE_ATTR, None) == Provider.LDAP:
        username = str(credentials.get("username") or "")
        local = User._default_manager.filter(username__iexact=username).first()
        return local is None or not local.has_usable_password()
    return False


def check_settings() -> None:
    """Fail loudly at start-up when a provider is on without what it needs."""
    needed = {
        Provider.OIDC: (
            "OIDC_RP_CLIENT_ID",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        ),
        Provider.CAS: ("CAS_SERVER_URL",),
        Provider.LDAP: ("AUTH_LDAP_SERVER_URI",),
    }
    for provider, names in needed.items():
        if enabled(provider):
            missing = [name for name in names if not getattr(settings, name, "")]
            if missing:
                raise ImproperlyConfigured(f"{provider.upper()}_ENABLED needs {', '.join(missing)}")


def connect() -> None:
    from django_auth_ldap.backend import ldap_error

    ldap_error.connect(_on_ldap_error, dispatch_uid="ethics.sso.ldap_error")


#: Shown under the password form while LDAP is on.
LDAP_HINT = gettext_lazy(
    "Staff of the institution sign in with the user name and password of its directory."
)
