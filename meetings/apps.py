from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ethics import hooks, live
        from meetings import demo, policies
        from meetings import hooks as app_hooks

        policies.register()
        live.register("minutes", app_hooks.live_minutes)
        # R24 / R49: meetings decide by their tally alone and take emergency meetings' items.
        from meetings import services as meeting_services
        from reviews.services import emergency

        emergency.register_tally_check(meeting_services.tally_confirms)
        emergency.register_meeting_attach(meeting_services.emergency_attach)
        hooks.register_nav_item(20, _("Meetings"), "meetings:meeting-list", app_hooks.sees_meetings)
        hooks.register_dashboard_panel(20, app_hooks.member_panel)
        hooks.register_dashboard_panel(21, app_hooks.secretary_panel)
        hooks.register_seeder(30, "meetings", demo.seed)
        # The private calendar feed: the person's meetings, and the clocks of the committees
        # they run (README "Notifications and calendars").
        from meetings import calendar
        from reviews.policies import managed_committee_ids

        hooks.register_calendar_source(calendar.meetings_for)
        hooks.register_calendar_committees(managed_committee_ids)
