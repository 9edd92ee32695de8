"""The oversight app's garbage targets (tests/test_action_tables.py): each part keeps its own."""

from tests.oversight.test_incidents_garbage import TARGETS as INCIDENT_TARGETS

TARGETS = {**INCIDENT_TARGETS}
