"""Fixtures of the registry tests: the shared world with its committee created through its
service, so its registration clock and filing exist."""

import pytest

from tests.world import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world(via_services=True, authority="bj_health")
