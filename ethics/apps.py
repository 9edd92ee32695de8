from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EthicsConfig(AppConfig):
    name = "ethics"
    verbose_name = _("Kernel")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ethics import (  # noqa: F401 (signals: mfa's login, middleware's sign-in time)
            demo,
            hooks,
            login,
            mfa,
            middleware,
            selectors,
        )

        hooks.register_seeder(0, "kernel", demo.seed)
        login.connect()
        from ethics import sso

        sso.check_settings()
        sso.connect()
        hooks.register_nav_item(90, _("Audit log"), "ethics:audit-log", selectors.may_read_audit)
        from ethics.thirdparty_apps import translate_names

        # Every app's models are loaded before any ready(): names in the admin in our language.
        translate_names()
        from ethics import choice_labels

        # get_<field>_display from a table per field and language (issue 18).
        choice_labels.install()
        from ethics.models import Deadline

        choice_labels.register_labels(Deadline, "kind", hooks.deadline_kind_display)
