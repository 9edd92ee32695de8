"""Issue 13: an object the person may not see and an id that does not exist get the same answer.

Every creating endpoint that takes the id of another object is posted twice by the same person:
once naming an object of another institution (it exists, they may not see it), once naming an id
that exists nowhere. Status and body must be the same, byte for byte once the id itself is
replaced (some messages quote the id that was sent).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.world import World

pytestmark = pytest.mark.django_db

MISSING = 987_654


@dataclass(frozen=True)
class Case:
    url: str
    actor: str
    field: str
    #: The id of an existing object the actor may not see.
    hidden: Callable[[World], int]
    body: Callable[[World], dict[str, Any]]
    multipart: bool = False


CASES = {
    "project-committee": Case(
        "/api/v1/projects/",
        "researcher",
        "committee",
        lambda w: w.other_committee.pk,
        lambda w: {"title": "x"},
    ),
    "recognition-committee": Case(
        "/api/v1/recognitions/",
        "outsider",
        "committee",
        lambda w: w.committee.pk,
        lambda w: {"decision_number": "x", "verification_hash": "y"},
    ),
    "outside-recognition-committee": Case(
        "/api/v1/recognitions/outside/",
        "outsider",
        "committee",
        lambda w: w.committee.pk,
        lambda w: {"issuing_committee": "x", "decision_number": "x"},
        multipart=True,
    ),
    "meeting-committee": Case(
        "/api/v1/meetings/",
        "outsider",
        "committee",
        lambda w: w.committee.pk,
        lambda w: {"starts_at": "2026-12-20T09:00:00+08:00", "place": "x"},
    ),
    "committee-institution": Case(
        "/api/v1/committees/",
        "admin",
        "institution",
        lambda w: w.other_committee.institution_id,
        lambda w: {"name": "x", "kind": "institutional", "established_on": "2026-01-05"},
    ),
    "user-institution": Case(
        "/api/v1/users/",
        "admin",
        "institution",
        lambda w: w.other_committee.institution_id,
        lambda w: {"username": "newbie", "name": "x"},
    ),
}


def _post(api_client, case: Case, world: World, value: int):
    body = {**case.body(world), case.field: value}
    if case.multipart:
        return api_client.post(case.url, body, format="multipart")
    return api_client.post(case.url, body, format="json")


@pytest.mark.parametrize("name", list(CASES))
def test_hidden_and_missing_ids_answer_alike(name, world, api_client):
    case = CASES[name]
    hidden = case.hidden(world)
    assert hidden != MISSING
    api_client.force_authenticate(world.user(case.actor))
    seen = _post(api_client, case, world, hidden)
    missing = _post(api_client, case, world, MISSING)
    assert seen.status_code == missing.status_code == 400, (seen.content, missing.content)
    assert case.field in seen.json()
    assert _without(seen.json(), hidden) == _without(missing.json(), MISSING)


def _without(body: Any, value: int) -> str:
    """The body as text with the quoted id replaced (ObjectChoiceField's message quotes it)."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return re.sub(rf"(?<![0-9]){value}(?![0-9])", "ID", text)


@pytest.mark.parametrize("name", ["project-committee"])
def test_the_page_answers_alike_too(name, world, client):
    from django.urls import reverse

    client.force_login(world.researcher)
    url = reverse("reviews:project-create")
    seen = client.post(url, {"title": "x", "committee": world.other_committee.pk})
    missing = client.post(url, {"title": "x", "committee": MISSING})
    assert seen.status_code == missing.status_code == 400
    assert b"R17" not in seen.content
