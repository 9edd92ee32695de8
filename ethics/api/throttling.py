"""Per-address rate limits shared by the API and the pages (login, letter verification)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class AddressRateThrottle(SimpleRateThrottle):
    """A rate per client address from the setting named `rate_setting` (DRF's "10/min" syntax),
    read on every request so a test can change it; empty turns it off. Counts live in the
    default cache (Redis in production, shared by every web process). The address is DRF's
    `get_ident` (REMOTE_ADDR, or the proxy's entry per NUM_PROXIES)."""

    rate_setting = ""

    def get_rate(self) -> str | None:
        return getattr(settings, self.rate_setting, None) or None

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def page_wait(throttle_class: type[AddressRateThrottle], request: Any) -> int | None:
    """For a page (no DRF view): None when the request is within the rate, else the whole
    seconds to put in Retry-After."""
    throttle = throttle_class()
    if throttle.allow_request(request, None):
        return None
    return max(1, int(throttle.wait() or 60))
