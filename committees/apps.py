from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    name = "committees"
    verbose_name = _("Committees")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from committees import clocks, demo, policies
        from committees import hooks as app_hooks
        from ethics import hooks
        from ethics.reminders import StageConfig

        policies.register()
        hooks.register_deadline_kind(
            clocks.COMMITTEE_REGISTRATION,
            label=_("Committee registration"),
            recipients=app_hooks.committee_deadline_recipients,
            url=app_hooks.deadline_url,
        )
        hooks.register_deadline_recompute(
            clocks.COMMITTEE_REGISTRATION, app_hooks.registration_due_under
        )
        hooks.register_deadline_kind(
            clocks.COMMITTEE_UPDATE,
            label=_("Committee registration update"),
            recipients=app_hooks.committee_deadline_recipients,
            url=app_hooks.deadline_url,
        )
        hooks.register_deadline_recompute(clocks.COMMITTEE_UPDATE, app_hooks.update_due_under)
        # The member's term (R7) ends on a fixed date, whatever the calendar: not recomputed.
        hooks.register_deadline_kind(
            clocks.NHC_FILING,
            label=_("NHC committee filing"),
            recipients=app_hooks.committee_deadline_recipients,
            url=app_hooks.deadline_url,
            # N7: three months from set-up; a month's notice, then a week's.
            stages=StageConfig(days_before=(30, 7), on_last_day=True, overdue_every_days=7),
        )
        hooks.register_deadline_kind(
            clocks.MEMBER_TERM,
            label=_("Member term ends"),
            recipients=app_hooks.member_term_recipients,
            url=app_hooks.deadline_url,
            # Two months' notice to appoint a successor; the term simply ends, so no nagging.
            stages=StageConfig(days_before=(60, 30), on_last_day=True, overdue_every_days=0),
        )
        hooks.register_nav_item(
            20, _("Committees"), "committees:committee-list", app_hooks.nav_visible
        )
        hooks.register_nav_item(22, _("Rules"), "committees:rules", app_hooks.nav_visible)
        hooks.register_dashboard_panel(20, app_hooks.dashboard_panel)
        hooks.register_committee_choices(app_hooks.committee_choices)
        hooks.register_seeder(10, "committees", demo.seed)
        # Secretaries, chairs and vice-chairs are officers (second factor, idle timeout; issue 13).
        hooks.register_officer_check(app_hooks.holds_office)
