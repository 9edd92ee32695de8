from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ethics import hooks, live
        from reviews import clocks, demo, policies, services
        from reviews import hooks as app_hooks

        policies.register()
        hooks.register_deadline_kind(
            clocks.DECISION,
            label=_("Review decision"),
            recipients=app_hooks.office_recipients,
            url=app_hooks.decision_url,
        )
        hooks.register_deadline_recompute(
            clocks.DECISION, app_hooks.decision_due_under, services.decision_clock_moved
        )
        hooks.register_deadline_kind(
            clocks.REREVIEW_OPINION,
            label=_("Expert re-review opinion"),
            recipients=app_hooks.rereview_recipients,
            url=app_hooks.rereview_url,
        )
        hooks.register_deadline_recompute(clocks.REREVIEW_OPINION, app_hooks.rereview_due_under)
        hooks.register_deadline_kind(
            clocks.TRACKING_REVIEW,
            label=_("Tracking review"),
            recipients=app_hooks.tracking_recipients,
            url=app_hooks.project_url,
        )
        hooks.register_deadline_recompute(clocks.TRACKING_REVIEW, app_hooks.tracking_due_under)
        # The registry app, when installed, files these and routes their reminders to the filing.
        for kind, label in (
            (clocks.LISTED_REGISTRATION, _("Listed activity registration")),
            (clocks.LISTED_UPDATE, _("Listed activity registration update")),
        ):
            hooks.register_deadline_kind(
                kind, label=label, recipients=app_hooks.office_recipients, url=app_hooks.project_url
            )
        hooks.register_deadline_recompute(
            clocks.LISTED_REGISTRATION, app_hooks.listed_registration_due_under
        )
        hooks.register_deadline_recompute(clocks.LISTED_UPDATE, app_hooks.listed_update_due_under)
        hooks.register_nav_item(10, _("My projects"), "reviews:my-projects")
        hooks.register_nav_item(15, _("Intake"), "reviews:intake", app_hooks.is_officer)
        hooks.register_nav_item(16, _("My reviews"), "reviews:my-reviews", app_hooks.is_member)
        hooks.register_dashboard_panel(10, app_hooks.researcher_panel)
        hooks.register_dashboard_panel(11, app_hooks.intake_panel)
        hooks.register_dashboard_panel(12, app_hooks.reviewer_panel)
        hooks.register_dashboard_panel(13, app_hooks.follow_up_panel)
        hooks.register_seeder(20, "reviews", demo.seed)
        live.register("letter", app_hooks.live_letter)
        live.register("rereview-package", app_hooks.live_rereview_package)
