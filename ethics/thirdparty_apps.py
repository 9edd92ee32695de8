"""Chinese names in the admin for every app, model and field, third-party ones included.

Django's admin reads `AppConfig.verbose_name`, `Meta.verbose_name(_plural)` and each field's
`verbose_name`. Some third-party apps give none (django-otp's plugins read "Otp_Totp"), some give
plain English strings (django-axes), and fields without one get their name ("created at"). At
start-up `translate_names()` gives such apps a name of ours and wraps every plain-string name in
gettext, so the msgids in our catalogue (locale/zh_Hans) translate them; names already marked for
translation are left as they are (their msgids are in our catalogue where the package ships no
Chinese). Only the runtime attribute changes: `Field._verbose_name`, which migrations read, stays
None, so no migration follows.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: Apps whose own name is missing or reads as a code in the admin's index.
APP_NAMES = {
    "axes": _("Login protection"),
    "django_celery_results": _("Background task results"),
    "otp_totp": _("Two-step verification: authenticator apps"),
    "otp_static": _("Two-step verification: recovery codes"),
}

#: Third-party models whose names are built from English parts (a plural made by adding "s").
MODEL_NAMES = {
    ("otp_static", "staticdevice"): (_("static device"), _("static devices")),
    ("otp_totp", "totpdevice"): (_("TOTP device"), _("TOTP devices")),
    ("axes", "accessattempt"): (_("access attempt"), _("access attempts")),
    ("axes", "accessfailurelog"): (_("access failure"), _("access failures")),
    ("axes", "accesslog"): (_("access log"), _("access logs")),
    ("django_celery_results", "taskresult"): (_("task result"), _("task results")),
    ("django_celery_results", "groupresult"): (_("group result"), _("group results")),
}


def _lazy(value: object) -> object:
    return value if isinstance(value, Promise) or not isinstance(value, str) else _(value)


def translate_names() -> None:
    for config in apps.get_app_configs():
        if config.label in APP_NAMES:
            config.verbose_name = APP_NAMES[config.label]
        for model in config.get_models():
            meta = model._meta
            names = MODEL_NAMES.get((meta.app_label, meta.model_name or ""))
            if names is not None:
                meta.verbose_name, meta.verbose_name_plural = names  # type: ignore[assignment]
            meta.verbose_name = _lazy(meta.verbose_name)  # type: ignore[assignment]
            meta.verbose_name_plural = _lazy(meta.verbose_name_plural)  # type: ignore[assignment]
            for field in meta.fields:
                field.verbose_name = _lazy(field.verbose_name)  # type: ignore[assignment]
