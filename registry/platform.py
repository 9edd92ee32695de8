"""The seam towards the national platform (国家科技伦理管理信息登记平台, R54).

The platform publishes no API: the secretary files the package by hand and types in the date
and the platform's receipt number, which `ManualPlatform` merely records. If an API appears, a
client implementing `PlatformClient` submits the package itself and returns the receipt; point
settings.REGISTRY_PLATFORM_CLIENT at it and nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from registry.models import Filing, FilingPackage


@dataclass(frozen=True)
class Receipt:
    number: str
    submitted_on: date


class PlatformClient(Protocol):
    def submit(self, filing: Filing, package: FilingPackage) -> Receipt: ...


@dataclass(frozen=True)
class ManualPlatform:
    """Filed by hand on the platform: returns what the secretary entered, unchanged."""

    submitted_on: date
    receipt: str

    def submit(self, filing: Filing, package: FilingPackage) -> Receipt:
        return Receipt(number=self.receipt.strip(), submitted_on=self.submitted_on)


def client(*, submitted_on: date, receipt: str) -> PlatformClient:
    """The configured client; the manual one is built from what the secretary entered."""
    path = getattr(settings, "REGISTRY_PLATFORM_CLIENT", "registry.platform.ManualPlatform")
    factory = import_string(path)
    return factory(submitted_on=submitted_on, receipt=receipt)  # type: ignore[no-any-return]
