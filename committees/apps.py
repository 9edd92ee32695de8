from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    name = "committees"
    verbose_name = _("Committees")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from committees import demo, policies
        from committees import hooks as app_hooks
        from ethics import hooks
        from ethics.models import DeadlineKind

        policies.register()
        for kind in (DeadlineKind.COMMITTEE_REGISTRATION, DeadlineKind.COMMITTEE_UPDATE):
            hooks.register_deadline_kind(
                kind, recipients=app_hooks.committee_deadline_recipients, url=app_hooks.deadline_url
            )
        hooks.register_deadline_kind(
            DeadlineKind.MEMBER_TERM,
            recipients=app_hooks.member_term_recipients,
            url=app_hooks.deadline_url,
        )
        hooks.register_nav_item(
            20, _("Committees"), "committees:committee-list", app_hooks.nav_visible
        )
        hooks.register_dashboard_panel(20, app_hooks.dashboard_panel)
        hooks.register_seeder(10, "committees", demo.seed)
