"""The reviews lists (issue 15, "Lists"): intake, my projects, my reviews, follow-up and the
deadlines list, each one FilterSet shared by its page and its API (reviews/filters.py,
ethics/filters.py, ethics/listing.py): search, filters, sort, totals, bad input, outsiders, query
counts, and every dashboard count equal to the length of the list it links to."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ethics.models import Deadline
from reviews.models import Application
from tests.factories import ProjectFactory, UserFactory
from tests.reviews.conftest import accepted, assigned, draft, new_project, submitted

pytestmark = pytest.mark.django_db

INTAKE = "/reviews/intake/"
APPLICATIONS = "/api/v1/applications/"


def _total(html: str) -> int:
    match = re.search(r'data-total="(\d+)"', html)
    assert match, "the list shows its total"
    return int(match.group(1))


def _rows(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-application="(\d+)"', html)}


@pytest.fixture
def queue(world):
    """Three applications in the committee's queue and one in another committee's."""
    lead = UserFactory(institution=world.institution, name="欧阳明", username="oyang")
    falls = submitted(world, project=new_project(world, title="社区老年人跌倒干预研究"))
    sleep_project = ProjectFactory(
        lead=lead, committee=world.committee, institution=world.institution, title="睡眠质量调查"
    )
    sleep_project.team.add(world.researcher)
    from reviews import services

    sleep = services.application_create(project_id=sleep_project.pk, actor=lead, kind="initial")
    from reviews import checklist
    from tests.reviews.conftest import determine, pdf_upload

    for item in checklist.missing_slots("initial", sleep_project.scope, set()):
        services.document_upload(
            application_id=sleep.pk, slot=item.slot, upload=pdf_upload(), actor=lead
        )
    sleep = services.application_submit(application_id=sleep.pk, actor=lead)
    if sleep.project.listing == "undetermined":
        determine(world, sleep)
    under_review = accepted(world, project=new_project(world, title="基因数据共享平台"))
    # Its decision clock ran out yesterday: overdue by the one definition (now >= due_at).
    Application.objects.filter(pk=under_review.pk).update(
        due_at=timezone.now() - dt.timedelta(days=1)
    )
    other = ProjectFactory(committee=world.other_committee, title="社区老年人跌倒干预研究（外）")
    foreign = Application.objects.create(
        project=other,
        committee=world.other_committee,
        status="submitted",
        ref="OTHER-2026-001",
        submitted_at=timezone.now(),
    )
    for a in (falls, sleep, under_review):
        a.refresh_from_db()
    return {"falls": falls, "sleep": sleep, "review": under_review, "foreign": foreign}


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _api(api_client, user, url):
    api_client.force_authenticate(user)
    return api_client.get(url)


# --- search --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("跌倒干预", {"falls"}),  # title
        ("睡眠", {"sleep"}),
        ("欧阳", {"sleep"}),  # the applicant's display name
        ("oyang", {"sleep"}),  # the applicant's username
        ("基因 平台", {"review"}),  # every word must match
    ],
)
def test_intake_search_by_title_and_applicant_on_page_and_api(
    client, api_client, world, queue, q, expected
):
    ids = {queue[name].pk for name in expected}
    html = _page(client, world.secretary, f"{INTAKE}?q={q}")
    assert _rows(html) == ids
    assert _total(html) == len(ids)
    body = _api(api_client, world.secretary, f"{APPLICATIONS}?q={q}").json()
    assert {row["id"] for row in body["results"]} == ids


def test_intake_search_by_reference_number(client, api_client, world, queue):
    ref = queue["falls"].ref
    assert ref
    assert _rows(_page(client, world.secretary, f"{INTAKE}?q={ref}")) == {queue["falls"].pk}
    body = _api(api_client, world.secretary, f"{APPLICATIONS}?q={ref}").json()
    assert [row["id"] for row in body["results"]] == [queue["falls"].pk]


def test_intake_shows_applicant_kind_procedure_and_countdown(client, world, queue):
    html = _page(client, world.secretary, f"{INTAKE}?bucket=open")
    assert "欧阳明" in html  # the applicant by name
    assert "oyang" not in html
    row = re.search(rf'<tr data-application="{queue["review"].pk}".*?</tr>', html, re.S).group(0)
    assert 'class="countdown overdue"' in row  # red, one day late
    assert "simplified" not in row  # the procedure by its label, not its code


# --- filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=under_review", {"review"}),
        ("status=submitted", {"falls", "sleep"}),
        ("kind=initial", {"falls", "sleep", "review"}),
        ("kind=amendment", set()),
        ("procedure=simplified", {"review"}),
        ("overdue=true", {"review"}),
        ("overdue=false", {"falls", "sleep"}),
        ("bucket=overdue", {"review"}),
        ("bucket=new", {"falls", "sleep"}),
        ("submitted_from=2000-01-01", {"falls", "sleep", "review"}),
        ("submitted_to=2000-01-01", set()),
    ],
)
def test_intake_filters_on_page_and_api(client, api_client, world, queue, query, expected):
    ids = {queue[name].pk for name in expected}
    html = _page(client, world.secretary, f"{INTAKE}?{query}")
    assert _rows(html) == ids
    body = _api(api_client, world.secretary, f"{APPLICATIONS}?{query}").json()
    assert {row["id"] for row in body["results"]} == ids


def test_intake_filter_by_committee(client, world, queue):
    url = f"{INTAKE}?committee={world.committee.pk}"
    assert _rows(_page(client, world.secretary, url)) == {
        queue[n].pk for n in ("falls", "sleep", "review")
    }


def test_intake_ordering(client, api_client, world, queue):
    falls, sleep = queue["falls"], queue["sleep"]
    html = _page(client, world.secretary, f"{INTAKE}?bucket=new&o=title")
    # 睡 (U+7761) sorts before 社 (U+793E)
    assert html.index(f'data-application="{sleep.pk}"') < html.index(
        f'data-application="{falls.pk}"'
    )
    html = _page(client, world.secretary, f"{INTAKE}?bucket=new&o=-title")
    assert html.index(f'data-application="{falls.pk}"') < html.index(
        f'data-application="{sleep.pk}"'
    )
    body = _api(api_client, world.secretary, f"{APPLICATIONS}?status=submitted&o=-title").json()
    assert [row["id"] for row in body["results"]] == [falls.pk, sleep.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("submitted_from=2026-13-45", "submitted_from"),
        ("status=approve_with_modifications_x", "status"),
        ("o=password", "o"),
        ("overdue=maybe", "overdue"),
        ("committee=abc", "committee"),
        ("q=" + "x" * 300, "q"),
    ],
)
def test_bad_filter_input_is_a_field_error_not_a_500(
    client, api_client, world, queue, query, field
):
    client.force_login(world.secretary)
    response = client.get(f"{INTAKE}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(rf'data-filter="{field}".*?</div>', html, re.S)
    assert match
    assert "errorlist" in match.group(0)
    assert _rows(html) == set()  # an empty, valid page
    response = _api(api_client, world.secretary, f"{APPLICATIONS}?{query}")
    assert response.status_code == 400
    assert field in response.json()


# --- outsiders -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["q=跌倒", "q=OTHER-2026-001", "status=submitted", "overdue=false", ""]
)
def test_a_search_never_reaches_another_committees_rows(client, api_client, world, queue, query):
    mine = _rows(_page(client, world.secretary, f"{INTAKE}?{query}"))
    assert queue["foreign"].pk not in mine
    theirs = _rows(_page(client, world.outsider, f"{INTAKE}?{query}"))
    assert not theirs & {queue[n].pk for n in ("falls", "sleep", "review")}
    body = _api(api_client, world.outsider, f"{APPLICATIONS}?{query}").json()
    assert not {row["id"] for row in body["results"]} & {
        queue[n].pk for n in ("falls", "sleep", "review")
    }
    # A committee the reader may not see is not a choice: an error, not an empty leak.
    response = _api(api_client, world.outsider, f"{APPLICATIONS}?committee={world.committee.pk}")
    assert response.status_code == 400


def test_outsider_and_researcher_get_404_on_intake_and_follow_up(client, world, queue):
    for user in (world.researcher, world.stranger):
        client.force_login(user)
        assert client.get(f"{INTAKE}?q=跌倒").status_code == 404
        assert client.get(reverse("reviews:follow-up")).status_code == 404


# --- my projects and my reviews --------------------------------------------------------------------


def test_my_projects_search_filter_and_sort(client, api_client, world, queue):
    html = _page(client, world.researcher, "/reviews/?q=睡眠")
    assert re.findall(r'data-project="(\d+)"', html) == [str(queue["sleep"].project_id)]
    assert _total(html) == 1
    html = _page(client, world.researcher, "/reviews/?q=欧阳")  # the lead's name
    assert re.findall(r'data-project="(\d+)"', html) == [str(queue["sleep"].project_id)]
    html = _page(client, world.researcher, "/reviews/?status=completed")
    assert _total(html) == 0
    html = _page(client, world.researcher, "/reviews/?o=title")
    titles = re.findall(r'data-project="\d+">\s*<h2><a [^>]*>([^<]+)<', html)
    assert titles == sorted(titles)
    body = _api(api_client, world.researcher, "/api/v1/projects/?q=睡眠").json()
    assert [row["id"] for row in body["results"]] == [queue["sleep"].project_id]
    # The outsider finds nothing of it, by any name.
    assert _total(_page(client, world.outsider, "/reviews/?q=睡眠")) == 0
    body = _api(api_client, world.outsider, "/api/v1/projects/?q=睡眠").json()
    assert body["results"] == []
    bad = _api(api_client, world.researcher, "/api/v1/projects/?created_from=yesterday")
    assert bad.status_code == 400
    assert "created_from" in bad.json()


def test_my_reviews_filters(client, api_client, world):
    application, assignments = assigned(world)
    reviewer = assignments[0].membership.user
    api = "/api/v1/assignments/"
    body = _api(api_client, reviewer, f"{api}?q={application.ref}&state=open&opinion=false").json()
    assert [row["id"] for row in body["results"]] == [assignments[0].pk]
    assert _api(api_client, reviewer, f"{api}?state=decided").json()["results"] == []
    bad = _api(api_client, reviewer, f"{api}?opinion=perhaps")
    assert bad.status_code == 400
    assert "opinion" in bad.json()
    # Nobody else sees it, whatever they search for.
    for user in (world.vice_chair, world.researcher, world.outsider):
        assert _api(api_client, user, f"{api}?q={application.ref}").json()["results"] == []
    html = _page(client, reviewer, "/reviews/my-reviews/?state=open")
    assert _total(html) == 1
    assert _total(_page(client, reviewer, "/reviews/my-reviews/?state=decided")) == 0
    assert _total(_page(client, reviewer, "/reviews/my-reviews/?opinion=true")) == 0
    assert _total(_page(client, reviewer, f"/reviews/my-reviews/?q={application.ref}")) == 1
    assert _total(_page(client, reviewer, "/reviews/my-reviews/?q=李研究")) == 1  # applicant
    html = _page(client, reviewer, "/reviews/my-reviews/?state=nonsense")
    assert "errorlist" in html
    # Another member of the committee, not assigned, finds nothing.
    assert _total(_page(client, world.vice_chair, f"/reviews/my-reviews/?q={application.ref}")) == 0


# --- deadlines -------------------------------------------------------------------------------------


def _deadline(world, committee, title, due_at, **kwargs):
    from django.contrib.contenttypes.models import ContentType

    from committees.models import Membership

    return Deadline.objects.create(
        kind="member_term",
        subject_type=ContentType.objects.get_for_model(Membership),
        subject_id=Deadline.objects.count() + 10_000,
        committee_id=committee.pk,
        title=title,
        due_at=due_at,
        **kwargs,
    )


def test_deadlines_list_and_api_share_one_filterset(client, api_client, world):
    now = timezone.now()
    late = _deadline(world, world.committee, "年度报告 2026", now - dt.timedelta(days=2))
    soon = _deadline(world, world.committee, "委员任期届满", now + dt.timedelta(days=5))
    hidden = _deadline(
        world, world.other_committee, "年度报告 2026（外）", now - dt.timedelta(days=2)
    )
    page = "/registry/deadlines/"
    api = "/api/v1/deadlines/"
    for query, expected in [
        ("q=年度报告", {late.pk}),
        ("overdue=true", {late.pk}),  # not yet scanned: still "open", but overdue all the same
        ("overdue=false", {soon.pk}),
        ("state=active", {late.pk, soon.pk}),
        ("kind=member_term", {late.pk, soon.pk}),
        (f"committee={world.committee.pk}", {late.pk, soon.pk}),
        (f"due_from={(now + dt.timedelta(days=1)).date()}", {soon.pk}),
    ]:
        html = _page(client, world.secretary, f"{page}?{query}")
        assert {int(pk) for pk in re.findall(r'data-deadline="(\d+)"', html)} == expected, query
        body = _api(api_client, world.secretary, f"{api}?{query}").json()
        assert {row["id"] for row in body["results"]} == expected, query
    html = _page(client, world.secretary, f"{page}?o=-due")
    assert html.index(f'data-deadline="{soon.pk}"') < html.index(f'data-deadline="{late.pk}"')
    html = _page(client, world.secretary, f"{page}?due_from=31-12-2026")
    assert "errorlist" in html
    response = _api(api_client, world.secretary, f"{api}?state=late")
    assert response.status_code == 400
    assert "state" in response.json()
    # The other committee's secretary never sees ours, whatever the filter.
    for query in ("q=年度报告", "overdue=true", ""):
        body = _api(api_client, world.outsider, f"{api}?{query}").json()
        assert {row["id"] for row in body["results"]} <= {hidden.pk}
    assert (
        _api(api_client, world.outsider, f"{api}?committee={world.committee.pk}").status_code == 400
    )


# --- query counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("secretary", f"{INTAKE}?q=研究&status=submitted&overdue=false&o=-submitted"),
        (
            "secretary",
            f"{INTAKE}?committee=COMMITTEE&submitted_from=2000-01-01&procedure=simplified",
        ),
        ("secretary", "/reviews/follow-up/?bucket=tracking_all&q=x&o=-due"),
        ("secretary", "/registry/deadlines/?q=x&state=active&overdue=true&committee=COMMITTEE"),
        ("researcher", "/reviews/?q=研究&status=planned&needs=false&o=title"),
        ("member", "/reviews/my-reviews/?q=研究&state=open&opinion=false&o=-due"),
        ("member", "/api/v1/assignments/?q=研究&state=open&opinion=false&o=-due"),
        ("secretary", f"{APPLICATIONS}?q=研究&status=submitted&overdue=false&o=-submitted"),
        ("researcher", "/api/v1/projects/?q=研究&committee=COMMITTEE&o=title"),
        ("secretary", "/api/v1/deadlines/?q=x&state=active&overdue=true&committee=COMMITTEE"),
    ],
)
def test_lists_with_filters_take_at_most_10_queries(
    client, world, queue, who, url, django_assert_max_num_queries
):
    for _ in range(2):
        submitted(world)
    user = getattr(world, who)
    client.force_login(user)
    client.get("/")  # the session and the user's roles are warm, as on any later page
    url = url.replace("COMMITTEE", str(world.committee.pk))
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200


# --- dashboard counts == list totals ---------------------------------------------------------------


def _count_links(html: str) -> list[tuple[str, int]]:
    links = re.findall(r'<a href="([^"]+)"[^>]*data-count="[^"]+"[^>]*>[^<]*?(\d+)\s*</a>', html)
    return [(href.replace("&amp;", "&"), int(n)) for href, n in links]


@pytest.mark.parametrize("who", ["secretary", "member", "researcher"])
def test_every_dashboard_count_equals_the_list_it_links_to(client, world, queue, who):
    # Something for each reader: an assignment for a member, an overdue committee clock.
    assigned(world, reviewers=[world.member_membership, world.members[2]])
    draft(world)  # a draft waits for the researcher
    _deadline(world, world.committee, "年度报告", timezone.now() - dt.timedelta(days=1))
    user = getattr(world, who)
    html = _page(client, user, "/")
    links = _count_links(html)
    assert links, f"the {who}'s dashboard shows counts"
    for href, count in links:
        assert _total(_page(client, user, href)) == count, href
    if who == "secretary":
        assert ("/reviews/intake/?bucket=overdue", 1) in links
        assert any("overdue=true" in href and n == 1 for href, n in links)  # the committee clock


@pytest.mark.parametrize(
    "query",
    [
        "project=1e999",
        "project=99999999999999999999999",
        "committee=99999999999999999999999",
        "submitted_from=99999-01-01",
        "q=%00",
        "o=-",
        "page=-1",
        "page=abc",
        "bucket=&status=&o=",
    ],
)
def test_garbage_filters_never_500(client, api_client, world, queue, query):
    client.force_login(world.secretary)
    assert client.get(f"{INTAKE}?{query}").status_code == 200
    assert _api(api_client, world.secretary, f"{APPLICATIONS}?{query}").status_code in {
        200,
        400,
        404,
    }
    assert _api(api_client, world.secretary, f"/api/v1/deadlines/?{query}").status_code in {
        200,
        400,
        404,
    }


def test_intake_rows_read_as_values_are_the_rows_of_the_models(world, queue):
    """Issue 18: the intake view reads its rows' columns with ``values_list``; the rows are the
    ones built from the model instances (``reviews.rows.intake_rows``)."""
    from reviews import selectors
    from reviews.rows import INTAKE_VALUES, intake_rows, intake_rows_of_values

    now = timezone.now()
    ordered = selectors.intake_queue(world.secretary).order_by("due_at", "submitted_at", "id")
    from_values = intake_rows_of_values(ordered.values_list(*INTAKE_VALUES), now)
    from_models = intake_rows(ordered.select_related("project__lead"), now)
    assert len(from_values) == 3
    assert from_values == from_models


@pytest.mark.parametrize(
    ("name", "first", "last", "username"),
    [
        ("欧阳明", "Ming", "Ouyang", "oy"),
        ("", "Ming", "Ouyang", "oy"),
        ("", "", "Li", "li"),
        ("", "", "", "nobody"),
        ("", " ", "", "blank"),
    ],
)
def test_row_display_name_is_the_users(name, first, last, username):
    from ethics.models import User, display_name

    user = User(name=name, first_name=first, last_name=last, username=username)
    assert display_name(name, first, last, username) == user.display_name


@pytest.mark.parametrize("with_opinion", [False, True])
def test_my_reviews_rows_from_values_are_the_template_rows_of_the_models(world, with_opinion):
    """Issue 18: "my reviews" reads its rows' columns with ``values_list`` and writes them in
    Python; the text is what the template wrote from the model instances."""
    from django.template import engines

    from reviews import selectors
    from reviews.models import Opinion
    from reviews.rows import REVIEW_VALUES, review_rows_html
    from tests.reviews.test_list_rows import OLD_REVIEWS

    _application, assignments = assigned(world)
    if with_opinion:
        Opinion.objects.create(assignment=assignments[0], verdict="approve")
    reviewer = assignments[0].membership.user
    mine = selectors.assignments_for_user(reviewer)
    models = list(mine.select_related("review__application__project__lead"))
    values = list(mine.select_related(None).values_list(*REVIEW_VALUES))
    assert len(values) == 1
    old = engines["django"].from_string(OLD_REVIEWS).render({"page": models})
    assert review_rows_html(values, timezone.now()) == old
    assert ("<td>—</td>" in old) is not with_opinion
