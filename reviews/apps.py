from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ethics import hooks
        from ethics.models import DeadlineKind
        from reviews import demo, policies
        from reviews import hooks as app_hooks

        policies.register()
        hooks.register_deadline_kind(
            DeadlineKind.DECISION,
            recipients=app_hooks.decision_recipients,
            url=app_hooks.decision_url,
        )
        hooks.register_deadline_kind(
            DeadlineKind.TRACKING_REVIEW,
            recipients=app_hooks.tracking_recipients,
            url=app_hooks.tracking_url,
        )
        hooks.register_deadline_kind(
            DeadlineKind.REREVIEW_OPINION,
            recipients=app_hooks.rereview_recipients,
            url=app_hooks.rereview_url,
        )
        hooks.register_nav_item(10, _("My projects"), "reviews:my-projects")
        hooks.register_nav_item(15, _("Intake"), "reviews:intake", app_hooks.is_officer)
        hooks.register_nav_item(16, _("My reviews"), "reviews:my-reviews", app_hooks.is_member)
        hooks.register_dashboard_panel(10, app_hooks.researcher_panel)
        hooks.register_dashboard_panel(11, app_hooks.intake_panel)
        hooks.register_dashboard_panel(12, app_hooks.reviewer_panel)
        hooks.register_dashboard_panel(13, app_hooks.follow_up_panel)
        hooks.register_seeder(20, "reviews", demo.seed)
