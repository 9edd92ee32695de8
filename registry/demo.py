"""Demo filings: the main demo committee registered (acknowledged), a roster change pending as an
update filing, and an annual report open as a draft: last year's, or this year's when the committee
was founded this year (never a report on a year before its founding). Idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from committees.models import Committee, Membership
from ethics.models import User
from registry import services
from registry.models import Filing, PackageState
from registry.workflow import Kind, Status


def _officer(committee: Committee) -> User | None:
    row = (
        Membership.objects.open()
        .filter(committee=committee, role="secretary")
        .select_related("user")
        .first()
    )
    return row.user if row else None


def _signer(committee: Committee) -> User | None:
    """R53: the chair signs the demo package off."""
    row = (
        Membership.objects.open()
        .filter(committee=committee, role="chair")
        .select_related("user")
        .first()
    )
    return row.user if row else None


def _file(filing: Filing, actor: User, receipt: str, acknowledge: bool) -> None:
    if filing.status == Status.DUE:
        package = services.filing_prepare(filing_id=filing.pk, actor=actor)
        services.package_render(package_id=package.pk)
    filing.refresh_from_db()
    latest = filing.packages.order_by("-version").first()
    if filing.status == Status.PREPARED and latest and latest.state == PackageState.READY:
        if latest.signed_off_at is None:
            services.filing_sign_off(filing_id=filing.pk, actor=_signer(filing.committee) or actor)
        services.filing_submit(
            filing_id=filing.pk,
            actor=actor,
            submitted_on=timezone.localdate() - timedelta(days=2),
            receipt=receipt,
        )
        filing.refresh_from_db()
    if acknowledge and filing.status == Status.SUBMITTED:
        services.filing_acknowledge(filing_id=filing.pk, actor=actor)


def seed(stdout: Any) -> None:
    from committees.demo import MAIN_COMMITTEE

    committee = Committee.objects.filter(name=MAIN_COMMITTEE).first()
    secretary = _officer(committee) if committee else None
    if committee is None or secretary is None:
        stdout.write("registry demo: the committees demo is missing, nothing to do")
        return
    registration = (
        Filing.objects.filter(committee=committee, kind=Kind.COMMITTEE_REGISTRATION)
        .order_by("-id")
        .first()
    )
    if registration is not None:
        _file(registration, secretary, "KJLL-DJ-2026-000123", acknowledge=True)
    year = max(timezone.localdate().year - 1, committee.established_on.year)
    services.annual_report_open_for(committee_id=committee.pk, year=year, actor=None)
    stdout.write(
        f"registry demo: {committee.name} registered; annual report {year} open as a draft"
    )
