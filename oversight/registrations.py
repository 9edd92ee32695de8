"""What oversight registers with the kernel (ethics/hooks.py) at start-up, one call per part."""

from __future__ import annotations


def register() -> None:
    """Called once from OversightConfig.ready()."""
    from oversight.sanctions_registrations import register_sanctions

    register_sanctions()
