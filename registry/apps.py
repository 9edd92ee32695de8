from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry filings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from committees.policies import holds_role
        from ethics import hooks
        from ethics.reminders import StageConfig
        from registry import clocks, demo, policies, selectors, services
        from registry import hooks as app_hooks
        from reports.dashboards import register_panel
        from reviews.clocks import LISTED_REGISTRATION, LISTED_UPDATE

        policies.register()
        hooks.register_deadline_kind(
            clocks.ANNUAL_REPORT,
            label=_("Annual report"),
            recipients=app_hooks.filing_deadline_recipients,
            url=app_hooks.filing_deadline_url,
            # R52: 1, 15 and 25 March before the period ends at 24:00 on 31 March.
            stages=StageConfig(days_before=(31, 17, 7), on_last_day=True, overdue_every_days=7),
        )
        hooks.register_deadline_kind(
            clocks.NHC_ANNUAL_REPORT,
            label=_("NHC annual work report"),
            recipients=app_hooks.filing_deadline_recipients,
            url=app_hooks.filing_deadline_url,
            # N8: like R52, reminded in March before the period ends on 31 March.
            stages=StageConfig(days_before=(31, 17, 7), on_last_day=True, overdue_every_days=7),
        )
        # Reviews opens the listed-activity registration clock; its filing lives here.
        for listed in (LISTED_REGISTRATION, LISTED_UPDATE):
            hooks.route_deadline_kind(
                listed,
                recipients=app_hooks.filing_deadline_recipients,
                url=app_hooks.filing_deadline_url,
            )
        for kind in services.FILING_FOR_DEADLINE:
            hooks.on_deadline_opened(kind, services.filing_open_for_deadline)
            hooks.on_deadline_closed(kind, services.filing_waive_for_deadline)
            hooks.on_deadline_moved(kind, services.filing_due_follows_deadline)
        hooks.on_deadline_closed(clocks.ANNUAL_REPORT, services.filing_waive_for_deadline)
        hooks.on_deadline_closed(clocks.NHC_ANNUAL_REPORT, services.filing_waive_for_deadline)
        hooks.register_nav_item(
            80,
            _("Deadlines"),
            "registry:deadline-list",
            lambda user: user.is_superuser or user.institution_admin or holds_role(user),
        )
        hooks.register_nav_item(82, _("Filings"), "registry:filing-list", policies.may_file)
        # The filings panel of the reports dashboards (issue 17).
        register_panel(60, "filings", selectors.filings_panel)
        hooks.register_dashboard_panel(30, app_hooks.obligations_panel)
        hooks.register_seeder(40, "registry", demo.seed)
