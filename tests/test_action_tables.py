"""Every action table has garbage targets (tests/<app>/test_action_garbage.py)."""

import importlib
from pathlib import Path

from django.apps import apps

from ethics.actions import tables


def _declared_targets() -> set[str]:
    names: set[str] = set()
    # tests/<app>/test_action_garbage.py, or per part of an app test_<part>_action_garbage.py
    for path in Path(__file__).parent.glob("*/test*action_garbage.py"):
        module = importlib.import_module(f"tests.{path.parent.name}.{path.stem}")
        names |= set(module.TARGETS)
    return names


def test_every_table_has_garbage_targets():
    for config in apps.get_app_configs():  # import every app's actions.py
        try:
            importlib.import_module(f"{config.name}.actions")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.actions":
                raise
    missing = set(tables()) - _declared_targets()
    assert not missing, f"add these tables to a tests/<app>/test_action_garbage.py: {missing}"
