"""The second factor: a TOTP device (an authenticator app) and ten one-time recovery codes.

Built on django-otp: a person's authenticator is one `TOTPDevice` (confirmed once its first code
is entered), their recovery codes are the tokens of one `StaticDevice`. A session is *verified*
when django-otp remembers the device that verified it (`request.user.is_verified()`).

Who is asked: with `settings.MFA_REQUIRED` every officer (`hooks.is_officer`: superusers, staff,
institution admins, committee chairs, vice-chairs and secretaries) must have and use a second
factor; anyone who enrolled voluntarily is asked too. Wrong codes are throttled by django-otp's
own throttling on the TOTP device (1, 2, 4, 8 ... seconds after successive failures), which
counts wrong recovery codes as well. Every event is audited (`mfa.*`).
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ethics import audit, hooks, policies
from ethics.models import User

#: How many recovery codes a person gets (each works once).
RECOVERY_CODES = 10
#: The session remembers that this login still owes a second factor (set when the password login
#: happens, so an ordinary request of an unenrolled member costs no query).
PENDING_SESSION_KEY = "mfa_pending"
#: The session signed in through an identity provider that enforces a second factor itself
#: (`SSO_IDP_ENFORCES_MFA`, ethics.sso): its value is the provider.
IDP_MFA_SESSION_KEY = "mfa_by_idp"

TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"


class Throttled(Exception):
    """Too many wrong codes: no code is checked until `until`."""

    def __init__(self, until: datetime | None) -> None:
        super().__init__("second factor throttled")
        self.until = until

    @property
    def seconds(self) -> int:
        if self.until is None:
            return 1
        return max(1, int((self.until - timezone.now()).total_seconds() + 0.999))

    def message(self) -> str:
        return _("Too many wrong codes. Wait %(seconds)s seconds, then try again.") % {
            "seconds": self.seconds
        }


@dataclass(frozen=True)
class Verified:
    """A code that was accepted: by the authenticator ("totp") or a recovery code ("recovery")."""

    device: TOTPDevice | StaticDevice
    method: str
    recovery_left: int | None = None


# --- who is asked ------------------------------------------------------------------------------


def required(user: Any) -> bool:
    """Whether `user` must have a second factor (an officer while MFA_REQUIRED)."""
    return bool(getattr(settings, "MFA_REQUIRED", False)) and hooks.is_officer(user)


def authenticator(user: User, *, confirmed: bool | None = True) -> TOTPDevice | None:
    devices = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        devices = devices.filter(confirmed=confirmed)
    device: TOTPDevice | None = devices.order_by("id").first()
    return device


def enrolled(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def asked(user: Any) -> bool:
    """Whether `user` must give a second factor after the password: required or enrolled."""
    return required(user) or enrolled(user)


def recovery_left(user: User) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__name=RECOVERY_NAME).count())


@receiver(user_logged_in, dispatch_uid="ethics.mfa.pending")
def _mark_pending(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """A password login owes the second factor when the person is asked for one."""
    if request is None or not hasattr(request, "session"):
        return
    from ethics import sso

    provider = sso.provider_of(user)
    if sso.idp_enforces_mfa(provider):
        request.session[IDP_MFA_SESSION_KEY] = str(provider)
        request.session.pop(PENDING_SESSION_KEY, None)
        return
    request.session.pop(IDP_MFA_SESSION_KEY, None)
    if getattr(user, "otp_device", None) is None and asked(user):
        request.session[PENDING_SESSION_KEY] = True
    else:
        request.session.pop(PENDING_SESSION_KEY, None)


def pending(request: HttpRequest) -> bool:
    """Whether this signed-in session still owes a second factor (false once verified)."""
    user = request.user
    if not user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    if idp_verified(request):
        return False
    flagged = bool(session is not None and session.get(PENDING_SESSION_KEY))
    if not flagged and not required(user):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified is not None and is_verified())


def idp_verified(request: HttpRequest) -> bool:
    """Whether this session's second factor was given at an identity provider that enforces one
    (and is still listed in `SSO_IDP_ENFORCES_MFA`)."""
    from ethics import sso

    session = getattr(request, "session", None)
    provider = session.get(IDP_MFA_SESSION_KEY) if session is not None else None
    return bool(provider) and sso.idp_enforces_mfa(provider)


# --- enrolment ---------------------------------------------------------------------------------


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up (made on first visit, kept until confirmed)."""
    device = authenticator(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app's "enter a key" expects it: base32 in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (made here; no outside service)."""
    svg: str = segno.make(device.config_url, error="m").svg_inline(
        scale=4, title=_("QR code for your authenticator app")
    )
    return svg


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _check_totp(device: TOTPDevice, token: str) -> bool:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        raise Throttled((info or {}).get("locked_until"))
    return bool(device.verify_token(token))


def confirm_enrolment(request: HttpRequest, *, token: str) -> list[str]:
    """Confirm the authenticator with its first code; returns the new recovery codes.

    Raises ValidationError (code `otp_invalid`) for a wrong code, Throttled after too many.
    """
    user = request.user
    assert isinstance(user, User)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None or enrolled(user):
            raise ValidationError(_("There is no authenticator to confirm."), code="invalid")
        ok = _check_totp(device, normalise(token))
        if ok:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_recovery_codes(user)
            audit.record(
                actor=user, action="mfa.enrol", target=user, after={"recovery_codes": len(codes)}
            )
    if not ok:
        _record_failure(user, via="enrol")
        raise ValidationError(_("The code is wrong or has expired."), code="otp_invalid")
    _session_verified(request, device)
    return codes


# --- verification ------------------------------------------------------------------------------


def normalise(token: str) -> str:
    return "".join(str(token or "").split()).replace("-", "").lower()


def _record_failure(user: User, *, via: str, throttled: bool = False) -> None:
    with transaction.atomic():
        audit.record(
            actor=user,
            action="mfa.verify_failed",
            target=user,
            after={"via": via, "throttled": throttled},
        )


def check(user: User, token: str, *, via: str) -> Verified | None:
    """Check a code from the authenticator or a recovery code; audited either way.

    Returns what accepted it, or None for a wrong code; raises Throttled while wrong codes are
    being throttled. The throttle is the authenticator's (django-otp's ThrottlingMixin): a wrong
    recovery code counts against it too, and an accepted code of either kind resets it.
    """
    token = normalise(token)
    result: Verified | None = None
    throttled: Throttled | None = None
    with transaction.atomic():
        totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if totp is None:
            return None
        allowed, info = totp.verify_is_allowed()
        if not allowed:
            throttled = Throttled((info or {}).get("locked_until"))
        elif token.isdigit() and len(token) == totp.digits:
            if totp.verify_token(token):
                result = Verified(totp, "totp")
        elif token:
            static = (
                StaticDevice.objects.select_for_update()
                .filter(user=user, name=RECOVERY_NAME, confirmed=True)
                .first()
            )
            if static is not None and static.verify_token(token):
                totp.throttle_reset()
                result = Verified(static, "recovery", recovery_left(user))
            else:
                totp.throttle_increment()
        else:
            totp.throttle_increment()
        if result is not None:
            audit.record(
                actor=user,
                action="mfa.verify",
                target=user,
                after={"via": via, "method": result.method},
            )
            if result.method == "recovery":
                audit.record(
                    actor=user,
                    action="mfa.recovery_used",
                    target=user,
                    after={"via": via, "left": result.recovery_left},
                )
    if result is None:
        _record_failure(user, via=via, throttled=throttled is not None)
    if throttled is not None:
        raise throttled
    return result


def verify_session(request: HttpRequest, *, token: str) -> Verified | None:
    """The verify page: a correct code marks this session verified."""
    user = request.user
    assert isinstance(user, User)
    verified = check(user, token, via="page")
    if verified is not None:
        _session_verified(request, verified.device)
    return verified


def _session_verified(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    """The session is verified from now on: a new session key (as at a password login)."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session.pop(PENDING_SESSION_KEY, None)


def check_api_login(user: User, otp: str) -> None:
    """The token endpoint's step: a person who is asked must send `otp` (code or recovery code).

    Raises ValidationError with code `otp_required`, `otp_invalid` or `otp_throttled`.
    """
    if not asked(user):
        return
    if not normalise(otp):
        raise ValidationError(
            _("Enter the code from your authenticator app or a recovery code."),
            code="otp_required",
        )
    if not enrolled(user):
        raise ValidationError(
            _("Set up a second factor in the browser (account, second factor) first."),
            code="otp_required",
        )
    try:
        verified = check(user, otp, via="api")
    except Throttled as exc:
        raise ValidationError(exc.message(), code="otp_throttled") from None
    if verified is None:
        raise ValidationError(_("The code is wrong or has expired."), code="otp_invalid")


# --- recovery codes and removal ----------------------------------------------------------------


def _current_code(user: User, token: str, *, via: str) -> None:
    try:
        verified = check(user, token, via=via)
    except Throttled as exc:
        raise ValidationError(exc.message(), code="otp_throttled") from None
    if verified is None:
        raise ValidationError(_("The code is wrong or has expired."), code="otp_invalid")


def regenerate_recovery_codes(user: User, *, token: str) -> list[str]:
    """New recovery codes (the old ones stop working); needs a current code."""
    _current_code(user, token, via="regenerate")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit.record(
            actor=user,
            action="mfa.recovery_regenerated",
            target=user,
            after={"recovery_codes": len(codes)},
        )
    return codes


def may_remove(user: User) -> bool:
    """Officers keep their second factor while it is required."""
    return not required(user)


def remove(request: HttpRequest, *, token: str) -> int:
    """Remove one's own second factor (needs a code; refused to officers while required).

    Returns how many devices were removed."""
    user = request.user
    assert isinstance(user, User)
    if not may_remove(user):
        raise PermissionDenied(_("Officers must keep a second factor."))
    _current_code(user, token, via="remove")
    with transaction.atomic():
        removed = _delete_devices(user)
        audit.record(actor=user, action="mfa.remove", target=user)
    request.session.pop(PENDING_SESSION_KEY, None)
    return removed


def _delete_devices(user: User) -> int:
    removed = int(TOTPDevice.objects.filter(user=user).delete()[0])
    return removed + int(StaticDevice.objects.filter(user=user).delete()[0])


def may_reset(actor: User, target: User) -> bool:
    """Site admins, and institution admins for their institution's people (not themselves)."""
    if target is None or actor.pk == target.pk:
        return False
    return policies.may(actor, "change", target)


@transaction.atomic
def reset(*, actor: User, user_id: int) -> User:
    """An administrator removes a person's second factor (a lost phone); they enrol again."""
    target = User.objects.select_for_update().get(pk=user_id)
    if not may_reset(actor, target):
        raise PermissionDenied
    had = enrolled(target)
    _delete_devices(target)
    audit.record(actor=actor, action="mfa.reset", target=target, before={"enrolled": had})
    return target
