"""The Django admin, asking officers for a verified second factor while MFA_REQUIRED.

`ethics.admin_site.AdminConfig` replaces "django.contrib.admin" in INSTALLED_APPS; every
`admin.register` and `admin.site` then use `SecondFactorAdminSite` (Django's `default_site`).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as BaseAdminConfig
from django.http import HttpRequest


class SecondFactorAdminSite(admin.AdminSite):
    """django-otp's OTPAdminSite check (`request.user.is_verified()`), only when required."""

    def has_permission(self, request: HttpRequest) -> bool:
        from ethics import mfa

        if not super().has_permission(request):
            return False
        if mfa.asked(request.user) and not mfa.idp_verified(request):
            is_verified = getattr(request.user, "is_verified", None)
            return bool(is_verified is not None and is_verified())
        return True


class AdminConfig(BaseAdminConfig):
    default_site = "ethics.admin_site.SecondFactorAdminSite"
