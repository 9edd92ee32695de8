"""A conflict declared anywhere closes an application's materials everywhere (R20a).

A member who may open the materials loses them on every route once a conflict is declared on a
meeting item, on the reviewer assignment, or as a standing declaration: the document downloads
(page and API), the API document list, the application page's checklist, the meeting page's links,
the tally partial and the meeting's minutes.
"""

import pytest
from django.urls import reverse

from meetings import services as meetings
from tests.access_world import MATERIAL_MARK, NAME_MARK, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return build(decided=False, standing=False)


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_a_meeting_item_conflict_closes_the_downloads_and_the_document_list(client, w):
    """The reported bug: the meeting link was closed, the other routes handed the files over."""
    user = w.member.user
    client.force_login(user)
    page_download = reverse("reviews:document-download", args=[w.version_id])
    api_download = f"/api/v1/document-versions/{w.version_id}/download/"
    api_list = f"/api/v1/applications/{w.application.pk}/documents/"
    assert MATERIAL_MARK in _body(client.get(page_download))
    assert MATERIAL_MARK in _body(client.get(api_download))
    assert NAME_MARK in client.get(api_list).content.decode()

    # The same member, who had declared no conflict on the meeting item, now declares one.
    meetings.member_declare(item_id=w.item.pk, actor=user, conflicted=True, note="亲属关系")

    assert client.get(page_download).status_code == 404
    assert client.get(api_download).status_code == 404
    assert client.get(api_list).status_code == 404
