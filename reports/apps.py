from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ethics import hooks
        from reports.policies import may_see_reports

        hooks.register_nav_item(85, _("Reports and statistics"), "reports:index", may_see_reports)
        # Complaints, investigations, incidents and risks (issue 16) on every dashboard.
        from reports.dashboards import register_panel
        from reports.oversight_panel import oversight_panel

        register_panel(70, "oversight", oversight_panel)
