from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EthicsConfig(AppConfig):
    name = "ethics"
    verbose_name = _("Kernel")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ethics import (
            demo,
            hooks,
            middleware,  # noqa: F401  (the sign-in time of a session)
        )

        hooks.register_seeder(0, "kernel", demo.seed)
