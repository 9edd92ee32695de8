"""What oversight registers with the kernel (ethics/hooks.py) at start-up, one call per part."""

from __future__ import annotations


def register() -> None:
    """Called once from OversightConfig.ready()."""
    from ethics import hooks
    from oversight import demo

    # Complaints, an investigation, a sanction, training and a self-evaluation (after the
    # incidents' demo at 35, before the registry's at 40).
    hooks.register_seeder(36, "oversight", demo.seed)
    from oversight import panels

    hooks.register_dashboard_panel(25, panels.lazy_panel)
    from oversight.complaints_hooks import register_complaints

    register_complaints()
    from oversight.incidents_hooks import register_incidents

    register_incidents()
    from oversight.quality_hooks import register_quality

    register_quality()
    from oversight.sanctions_registrations import register_sanctions

    register_sanctions()
