"""Gates, not advice: the committee preconditions other apps' services check before a step.

A committee whose composition breaks R4-R7 or N1-N3 (``committees.composition``) cannot open or
schedule a meeting, accept an application for meeting review or mark its registration or update
filing prepared; a step that needs a document (charter and systems R3, emergency SOP R47,
video-meeting rules R21) is refused while no version is on file. Each gate raises one
``Conflict`` (409) carrying every problem with its rule ID, so the secretary sees all at once.

The callers (meetings, reviews, registry) sit above committees and call these as one line at the
start of their service, inside their own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import cast

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from committees import selectors
from committees.composition import missing_documents
from committees.models import DOCUMENT_RULES, Committee, CommitteeDocument, DocumentKind
from ethics.errors import Conflict
from ethics.regulations import Problem

# R3: the charter and the systems a committee must adopt before it registers.
REGISTRATION_DOCUMENTS: tuple[str, ...] = tuple(
    kind for kind, rule in DOCUMENT_RULES.items() if rule == "R3"
)
EMERGENCY_DOCUMENTS: tuple[str, ...] = (DocumentKind.EMERGENCY_SOP,)  # R47
VIDEO_DOCUMENTS: tuple[str, ...] = (DocumentKind.VIDEO_MEETING_RULES,)  # R21


def composition_problems(committee: Committee, on: date | None = None) -> list[Problem]:
    """R4-R7, N1-N3: every composition problem of `committee` on `on` (today)."""
    day = on or timezone.localdate()
    return list(selectors.composition_of(committee, day).problems)


def document_problems(committee: Committee, kinds: Iterable[str]) -> list[Problem]:
    """R3, R21, R47: the required document kinds of which no version is on file."""
    wanted = {kind: DOCUMENT_RULES.get(kind, "R3") for kind in kinds}
    present = CommitteeDocument.objects.filter(committee=committee, kind__in=wanted).values_list(
        "kind", flat=True
    )
    labels = dict(DocumentKind.choices)
    return [
        Problem(
            problem.code,
            problem.rule,
            _msg_missing(str(labels.get(problem.extra["document"], problem.extra["document"]))),
            problem.extra,
        )
        for problem in missing_documents(present, wanted)
    ]


def _msg_missing(label: str) -> Promise:
    return cast(Promise, format_lazy(_("No version of “{document}” is on file."), document=label))


def _raise(problems: Sequence[Problem], code: str, message: Promise) -> None:
    if problems:
        raise Conflict(
            code,
            message,
            rule=problems[0].rule,
            problems=[problem.as_dict() for problem in problems],
        )


def require_composition(committee: Committee, on: date | None = None) -> None:
    """409 ``composition_invalid`` with every R4-R7 / N1-N3 problem of the committee on `on`."""
    _raise(
        composition_problems(committee, on),
        "composition_invalid",
        _("The committee's composition does not meet the rules; this step is not allowed."),
    )


def require_documents(committee: Committee, kinds: Iterable[str]) -> None:
    """409 ``documents_missing`` listing each required document kind not on file (R3/R21/R47)."""
    _raise(
        document_problems(committee, kinds),
        "documents_missing",
        _("Documents the rules require for this step are not on file."),
    )


def require_ready(
    committee: Committee, *, on: date | None = None, documents: Iterable[str] = ()
) -> None:
    """Composition and documents together: one 409 listing every problem of both."""
    problems = [*composition_problems(committee, on), *document_problems(committee, documents)]
    _raise(
        problems,
        "committee_not_ready",
        _("The committee does not meet the rules for this step; fix every problem listed."),
    )
