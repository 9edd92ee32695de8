"""R53: the pre-filing validation of a package's content.

Before a filing counts as prepared its content is checked: every required field present, the
institution's unified social credit code valid (GB 32100-2015), the committee's composition
valid (R4-R7, N1-N3) and the documents the rules require on file (R3). The content check is pure
(``content_problems`` over a built package); ``filing_problems`` adds the committee's state.
"""

# Chinese labels use full-width punctuation on purpose.

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from committees import gates
from ethics.regulations import Problem
from ethics.validators import validate_credit_code
from registry.models import Filing
from registry.workflow import Kind

_UNIT: Final = ("unit_name", "credit_code", "unit_type", "region")
_COMMITTEE: Final = ("committee_name", "committee_type", "established_on", "regimes")

# Per filing kind: the section fields that must not be empty, and the tables that need rows.
REQUIRED_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    Kind.COMMITTEE_REGISTRATION: (*_UNIT, *_COMMITTEE),
    Kind.COMMITTEE_UPDATE: (*_UNIT, *_COMMITTEE),
    Kind.LISTED_REGISTRATION: (*_UNIT, "title", "listed_item", "lead", "institution"),
    Kind.LISTED_UPDATE: (*_UNIT, "title", "listed_item", "lead", "institution"),
    Kind.ANNUAL_REPORT: (*_UNIT, *_COMMITTEE),
    Kind.NHC_FILING: (*_UNIT, *_COMMITTEE),
    Kind.NHC_ANNUAL_REPORT: (*_UNIT, *_COMMITTEE),
}
REQUIRED_ROWS: Final[Mapping[str, tuple[str, ...]]] = {
    Kind.COMMITTEE_REGISTRATION: ("roster", "documents"),
    Kind.COMMITTEE_UPDATE: ("roster", "documents"),
    Kind.LISTED_REGISTRATION: ("review",),
    Kind.LISTED_UPDATE: ("review",),
    Kind.NHC_FILING: ("roster", "documents"),
}


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def content_problems(kind: str, data: Mapping[str, Any]) -> list[Problem]:
    """R53: the required fields and tables of a built package (``registry.packages.build``)."""
    problems: list[Problem] = []
    required = REQUIRED_FIELDS.get(kind, ())
    for section in data.get("sections", []):
        for item in section.get("fields", []):
            if item["key"] in required and _empty(item.get("value")):
                problems.append(
                    Problem(
                        "field_missing",
                        "R53",
                        _("A required field of the package is empty."),
                        {"section": section["title"], "field": item["label"]},
                    )
                )
        if section["key"] in REQUIRED_ROWS.get(kind, ()) and not section.get("rows"):
            problems.append(
                Problem(
                    "section_empty",
                    "R53",
                    _("A required table of the package has no rows."),
                    {"section": section["title"]},
                )
            )
    return problems


def credit_code_problems(code: str) -> list[Problem]:
    """R53: the institution's unified social credit code must be valid."""
    try:
        validate_credit_code(code)
    except ValidationError:
        return [
            Problem(
                "credit_code_invalid",
                "R53",
                _("The institution's unified social credit code is not valid."),
                {"field": "统一社会信用代码"},
            )
        ]
    return []


def filing_problems(filing: Filing, data: Mapping[str, Any]) -> list[Problem]:
    """Everything that keeps `filing` from counting as prepared (R53 with R3, R4-R7, N1-N3)."""
    committee = filing.committee
    return [
        *gates.composition_problems(committee),
        *gates.document_problems(committee, gates.REGISTRATION_DOCUMENTS),
        *credit_code_problems(committee.institution.credit_code),
        *content_problems(filing.kind, data),
    ]
