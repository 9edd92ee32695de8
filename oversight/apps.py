from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    """Oversight beyond reviewing applications (issue 16): complaints (R55), investigations (R56),
    sanctions (R57), incidents and the risk register, funded programmes (R59), quality control,
    training (R10a) and the re-review expert pool (R40)."""

    name = "oversight"
    verbose_name = _("Oversight")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Each part registers its clocks, navigation items, panels and checks from its own module.
        from oversight import registrations

        registrations.register()
