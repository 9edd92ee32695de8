"""Chinese names in the admin for every app, model and field, third-party ones included.

Django's admin reads `AppConfig.verbose_name`, `Meta.verbose_name(_plural)` and each field's
`verbose_name`. Some third-party apps give none (django-otp's plugins read "Otp_Totp"), some give
plain English strings (django-axes), and fields without one get their name ("created at"). At
start-up `translate_names()` gives such apps and models a name of ours and replaces every
plain-string name found in NAMES by its lazy translation; names already marked for translation are
left as they are (NAMES lists their msgids too where the package ships no Chinese, so our
catalogue translates them). A name missing from NAMES stays English, and
tests/test_admin_words.py fails on it. Only the runtime attribute changes: `Field._verbose_name`, which migrations read, stays
None, so no migration follows.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

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

#: Every name the admin shows that no gettext call of ours or of the package's Chinese catalogue
#: covers: fields without a verbose name ("created at") and third-party names. Written out so
#: that makemessages keeps their msgids in our catalogue.
NAMES: Mapping[str, Promise] = {
    name: _(name)
    for name in (
        gettext_noop("Access lock out"),
        gettext_noop("Attempt Time"),
        gettext_noop("Completed DateTime"),
        gettext_noop("Created DateTime"),
        gettext_noop("Failed Logins"),
        gettext_noop("GET Data"),
        gettext_noop("Group ID"),
        gettext_noop("HTTP Accept"),
        gettext_noop("ID"),
        gettext_noop("IP Address"),
        gettext_noop("JSON"),
        gettext_noop("Logout Time"),
        gettext_noop("PDF"),
        gettext_noop("POST Data"),
        gettext_noop("Path"),
        gettext_noop("Periodic Task Name"),
        gettext_noop("Result Content Type"),
        gettext_noop("Result Data"),
        gettext_noop("Result Encoding"),
        gettext_noop("SHA-256"),
        gettext_noop("Session key hash (sha256)"),
        gettext_noop("Started DateTime"),
        gettext_noop("Task ID"),
        gettext_noop("Task Meta Information"),
        gettext_noop("Task Name"),
        gettext_noop("Task Named Arguments"),
        gettext_noop("Task Positional Arguments"),
        gettext_noop("Task State"),
        gettext_noop("Traceback"),
        gettext_noop("User Agent"),
        gettext_noop("Worker"),
        gettext_noop("accepted by"),
        gettext_noop("admitted at"),
        gettext_noop("admitted by"),
        gettext_noop("application"),
        gettext_noop("assigned at"),
        gettext_noop("assigned by"),
        gettext_noop("assignment"),
        gettext_noop("attempts"),
        gettext_noop("cast at"),
        gettext_noop("cast by"),
        gettext_noop("claimed until"),
        gettext_noop("closed at"),
        gettext_noop("coi declared at"),
        gettext_noop("committee"),
        gettext_noop("concluded by"),
        gettext_noop("confirmed"),
        gettext_noop("conversion note"),
        gettext_noop("converted at"),
        gettext_noop("converted from"),
        gettext_noop("created at"),
        gettext_noop("created by"),
        gettext_noop("deadline"),
        gettext_noop("decision"),
        gettext_noop("declared at"),
        gettext_noop("digits"),
        gettext_noop("document"),
        gettext_noop("drift"),
        gettext_noop("error"),
        gettext_noop("filed at"),
        gettext_noop("filed by"),
        gettext_noop("filing"),
        gettext_noop("final decision"),
        gettext_noop("hash"),
        gettext_noop("invited by"),
        gettext_noop("item"),
        gettext_noop("json sha256"),
        gettext_noop("key"),
        gettext_noop("kind"),
        gettext_noop("last"),
        gettext_noop("last t"),
        gettext_noop("last used at"),
        gettext_noop("letter rendered at"),
        gettext_noop("letter template version"),
        gettext_noop("listing determined by"),
        gettext_noop("listing proposed by"),
        gettext_noop("major classified by"),
        gettext_noop("meeting"),
        gettext_noop("membership"),
        gettext_noop("modifications confirmed at"),
        gettext_noop("modifications submitted at"),
        gettext_noop("name"),
        gettext_noop("new decision"),
        gettext_noop("original decision"),
        gettext_noop("package rendered at"),
        gettext_noop("partner approvals waived by"),
        gettext_noop("pdf sha256"),
        gettext_noop("preliminary decision"),
        gettext_noop("prev hash"),
        gettext_noop("project"),
        gettext_noop("recipient"),
        gettext_noop("recorded at"),
        gettext_noop("recorded by"),
        gettext_noop("rendered at"),
        gettext_noop("reported decision"),
        gettext_noop("requested at"),
        gettext_noop("requested by"),
        gettext_noop("resolved at"),
        gettext_noop("review"),
        gettext_noop("sending at"),
        gettext_noop("sequence"),
        gettext_noop("signed by"),
        gettext_noop("source decision"),
        gettext_noop("source ref"),
        gettext_noop("step"),
        gettext_noop("subject id"),
        gettext_noop("subject type"),
        gettext_noop("submitted by"),
        gettext_noop("t0"),
        gettext_noop("target id"),
        gettext_noop("target type"),
        gettext_noop("template version"),
        gettext_noop("throttling failure count"),
        gettext_noop("throttling failure timestamp"),
        gettext_noop("tolerance"),
        gettext_noop("uploaded by"),
        gettext_noop("user"),
        gettext_noop("withdrawn by"),
        gettext_noop("xlsx sha256"),
        gettext_noop("year"),
        gettext_noop("TOTP device"),
        gettext_noop("TOTP devices"),
        gettext_noop("access attempt"),
        gettext_noop("access attempts"),
        gettext_noop("access failure"),
        gettext_noop("access failures"),
        gettext_noop("access log"),
        gettext_noop("access logs"),
        gettext_noop("group result"),
        gettext_noop("group results"),
        gettext_noop("static device"),
        gettext_noop("static devices"),
        gettext_noop("task result"),
        gettext_noop("task results"),
        gettext_noop("last hash"),
        gettext_noop("at"),
        gettext_noop("audit chain head"),
        gettext_noop("audit chain heads"),
    )
}

# Strings Django's admin (5.2) shows that its Chinese catalogue does not translate yet.
ADMIN_STRINGS = (
    _("Model name"),
    _("Add link"),
    _("Change or view list link"),
    _("After you’ve created a user, you’ll be able to edit more user options."),
)


def _lazy(value: object) -> object:
    if isinstance(value, Promise) or not isinstance(value, str):
        return value
    return NAMES.get(value, value)


def translate_names() -> None:
    for config in apps.get_app_configs():
        if config.label in APP_NAMES:
            config.verbose_name = APP_NAMES[config.label]
        for model in config.get_models():
            meta = model._meta
            names = MODEL_NAMES.get((meta.app_label, meta.model_name or ""))
            if names is not None:
                meta.verbose_name, meta.verbose_name_plural = names
            meta.verbose_name = _lazy(meta.verbose_name)  # type: ignore[assignment]
            meta.verbose_name_plural = _lazy(meta.verbose_name_plural)  # type: ignore[assignment]
            for field in meta.fields:
                field.verbose_name = _lazy(field.verbose_name)  # type: ignore[assignment]
