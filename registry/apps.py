from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry filings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from committees.policies import holds_role
        from ethics import hooks
        from ethics.models import DeadlineKind
        from registry import demo, policies, services
        from registry import hooks as app_hooks

        policies.register()
        for kind in services.FILING_FOR_DEADLINE:
            hooks.on_deadline_opened(kind, services.filing_open_for_deadline)
            hooks.on_deadline_closed(kind, services.filing_waive_for_deadline)
        hooks.on_deadline_closed(DeadlineKind.ANNUAL_REPORT, services.filing_waive_for_deadline)
        hooks.register_deadline_kind(
            DeadlineKind.ANNUAL_REPORT,
            recipients=app_hooks.filing_deadline_recipients,
            url=app_hooks.filing_deadline_url,
        )
        # The reviews app may name its own recipients for listed registration; do not override.
        if not hooks.has_deadline_kind(DeadlineKind.LISTED_REGISTRATION):
            hooks.register_deadline_kind(
                DeadlineKind.LISTED_REGISTRATION,
                recipients=app_hooks.filing_deadline_recipients,
                url=app_hooks.filing_deadline_url,
            )
        hooks.register_nav_item(
            80,
            _("Deadlines"),
            "registry:deadline-list",
            lambda user: user.is_superuser or user.institution_admin or holds_role(user),
        )
        hooks.register_nav_item(82, _("Filings"), "registry:filing-list", policies.may_file)
        hooks.register_dashboard_panel(30, app_hooks.obligations_panel)
        hooks.register_seeder(40, "registry", demo.seed)
