"""Action forms' <select>s are written in Python (ethics.form_renderer, the project's form
renderer; issue 18) and their model choices read with one plain query
(ethics.actions._model_choices_in_one_query): the application page and a refused form read the
same, character for character, as with Django's option templates and iterator."""

import re

import pytest
from django.urls import reverse

from ethics import actions as kernel_actions
from ethics import form_renderer
from reviews.actions import APPLICATIONS
from tests.reviews.conftest import submitted

pytestmark = pytest.mark.django_db

CSRF = re.compile(r"[A-Za-z0-9]{64}")


def _page(client, user, url):
    client.force_login(user)
    return CSRF.sub("", client.get(url).content.decode())


SELECT = "django/forms/widgets/select.html"


def _both_ways(monkeypatch, render):
    inline = render()
    with monkeypatch.context() as patch:
        patch.setattr(kernel_actions, "_model_choices_in_one_query", lambda form: form)
        patch.delitem(form_renderer.WRITERS, SELECT)
        templates = render()
    return inline, templates


def test_application_page_reads_the_same(client, world, monkeypatch):
    application = submitted(world, determined=False)
    url = reverse("reviews:application-detail", args=[application.pk])
    for user in (world.secretary, world.chair, world.researcher):
        inline, templates = _both_ways(monkeypatch, lambda u=user: _page(client, u, url))
        assert inline == templates
    page = _page(client, world.secretary, url)
    assert 'id="correction-form"' in page
    assert "<option" in page


@pytest.mark.parametrize(
    "data", [{}, {"slot": "consent"}, {"slot": "nonsense", "note": "x"}, {"note": "补正"}]
)
def test_bound_forms_read_the_same(world, monkeypatch, data):
    application = submitted(world)
    entry = APPLICATIONS.get("request_correction")

    def render():
        form = entry.make_form(world.secretary, application, data=data)
        form.is_valid()
        return str(form.as_p())

    inline, templates = _both_ways(monkeypatch, render)
    assert inline == templates
    assert "<select" in inline
    written = []
    select = form_renderer.WRITERS[SELECT]
    monkeypatch.setitem(
        form_renderer.WRITERS, SELECT, lambda context: written.append(1) or select(context)
    )
    str(entry.make_form(world.secretary, application, data=data)["slot"])
    assert written  # the Python writer, not the templates


def test_reviewer_checkboxes_read_the_same_with_one_query(client, world, monkeypatch):
    """The assign form's reviewers (a model multiple choice) are read with one plain query
    (ethics.listing.one_query_choices), not Django's server-side cursor, and as rows
    (reviews.selectors.reviewer_candidate_rows, issue 18), not memberships: same checkboxes,
    labels and order as Django's iterator over reviewer_candidates."""
    from reviews import selectors
    from tests.factories import under_meeting_review

    application = under_meeting_review(world.committee, lead=world.researcher)
    url = reverse("reviews:application-detail", args=[application.pk])
    read = []
    rows = selectors.reviewer_candidate_rows
    monkeypatch.setattr(selectors, "reviewer_candidate_rows", lambda a: read.append(1) or rows(a))
    inline, templates = _both_ways(monkeypatch, lambda: _page(client, world.secretary, url))
    assert read  # the inline page read the rows
    assert inline == templates
    assert inline.count('name="reviewers"') >= 5
    assert world.members[2].user.display_name in inline
