"""What the sanctions (R57) and training (R10a) part registers with the kernel at start-up."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register_sanctions() -> None:
    from ethics import hooks
    from ethics.reminders import StageConfig
    from oversight import sanctions_policies
    from oversight.services import sanctions as services

    sanctions_policies.register()
    # R10a: a member's periodic training is a clock (opened and moved by the daily sync).
    hooks.register_deadline_kind(
        services.MEMBER_TRAINING,
        label=_("Member's ethics training due"),
        recipients=services.member_training_recipients,
        url=services.member_training_url,
        stages=StageConfig(days_before=(30, 7), on_last_day=True, overdue_every_days=30),
    )
    # R57 / R10a: the lower layers ask these through ethics.hooks.require_eligible.
    hooks.register_eligibility_check(services.sanction_problems)
    hooks.register_eligibility_check(services.training_problems)
    hooks.register_nav_item(
        72, _("Sanctions"), "oversight:sanction-list", sanctions_policies.may_see_sanctions
    )
    hooks.register_nav_item(
        73, _("Ethics training"), "oversight:training-list", sanctions_policies.may_record_training
    )
