"""Filing kinds, statuses, actions and the one transition table (R50-R54).

A filing moves due -> prepared (validated and signed off, R53) -> submitted -> acknowledged. "prepare" may be repeated while the
filing is prepared (the data changed, render again); "waive" is taken by the system only, when
the deadline behind a filing is waived (e.g. the committee's founding date was corrected).
Pure: no ORM, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ethics.errors import IllegalTransition


class Kind(models.TextChoices):
    COMMITTEE_REGISTRATION = "committee_registration", _("Committee registration")
    COMMITTEE_UPDATE = "committee_update", _("Committee registration update")
    LISTED_REGISTRATION = "listed_registration", _("Listed activity registration")
    LISTED_UPDATE = "listed_update", _("Listed activity update")
    ANNUAL_REPORT = "annual_report", _("Annual report")
    # The NHC track of a medical committee (国家医学研究登记备案信息系统): N7 filing, N8 report.
    NHC_FILING = "nhc_filing", _("NHC committee filing")
    NHC_ANNUAL_REPORT = "nhc_annual_report", _("NHC annual work report")


class Status(models.TextChoices):
    DUE = "due", pgettext_lazy("filing status", "Due")
    PREPARED = "prepared", _("Prepared")
    SUBMITTED = "submitted", pgettext_lazy("filing status", "Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    WAIVED = "waived", _("Waived")


class Action(models.TextChoices):
    PREPARE = "prepare", _("Prepare the package")
    SUBMIT = "submit", _("Record the submission")
    ACKNOWLEDGE = "acknowledge", _("Record the acknowledgement")
    WAIVE = "waive", _("Waive")
    SIGN_OFF = "sign_off", _("Sign off the package")


OPEN_STATUSES: Final = (Status.DUE, Status.PREPARED)
DONE_STATUSES: Final = (Status.SUBMITTED, Status.ACKNOWLEDGED)
COMMITTEE_KINDS: Final = (Kind.COMMITTEE_REGISTRATION, Kind.COMMITTEE_UPDATE)
LISTED_KINDS: Final = (Kind.LISTED_REGISTRATION, Kind.LISTED_UPDATE)
ANNUAL_KINDS: Final = (Kind.ANNUAL_REPORT, Kind.NHC_ANNUAL_REPORT)
NHC_KINDS: Final = (Kind.NHC_FILING, Kind.NHC_ANNUAL_REPORT)

TRANSITIONS: Final[Mapping[tuple[Status, Action], Status]] = {
    (Status.DUE, Action.PREPARE): Status.PREPARED,
    (Status.PREPARED, Action.PREPARE): Status.PREPARED,
    # R53: the chair or an institution admin signs the prepared package off before it is filed.
    (Status.PREPARED, Action.SIGN_OFF): Status.PREPARED,
    (Status.PREPARED, Action.SUBMIT): Status.SUBMITTED,
    (Status.SUBMITTED, Action.ACKNOWLEDGE): Status.ACKNOWLEDGED,
    (Status.DUE, Action.WAIVE): Status.WAIVED,
    (Status.PREPARED, Action.WAIVE): Status.WAIVED,
}

# Actions people take from the pages and the API; WAIVE follows the deadline, never a button.
USER_ACTIONS: Final = (Action.PREPARE, Action.SIGN_OFF, Action.SUBMIT, Action.ACKNOWLEDGE)


def next_status(current: str, action: str) -> Status:
    """The status after `action`, or IllegalTransition (409) if the table has no such edge."""
    try:
        return TRANSITIONS[(Status(current), Action(action))]
    except (KeyError, ValueError):
        raise IllegalTransition(current, action) from None


def actions_from(status: str) -> list[Action]:
    """The user actions the table allows from `status`, in declaration order."""
    return [a for (s, a) in TRANSITIONS if s == status and a in USER_ACTIONS]
