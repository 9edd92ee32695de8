"""Error pages people understand (issue 15): 400, 403, 404, 500 and a refused CSRF check in the
site's layout and language with a way back, JSON under /api/, a favicon, and each refusal line
printed once."""

from __future__ import annotations

import json
import shutil
import subprocess
import types
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import path, reverse
from django.utils import translation

import config.urls
from ethics.actions import ActionDenied, conflict_lines, report
from ethics.errors import Conflict
from reviews.actions import APPLICATIONS
from tests.reviews.conftest import accepted, submitted

LOCALE = Path(django_settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.fixture(autouse=True)
def _production_pages(settings, tmp_path):
    """DEBUG off (Django's technical pages never show), and the zh_Hans catalogue as the lead's
    merge will compile it: django.po plus the branches' new-*.po files (until merged, the new
    strings live only there)."""
    settings.DEBUG = False
    pending = sorted(LOCALE.glob("new-*.po"))
    if pending:
        msgcat, msgfmt = shutil.which("msgcat"), shutil.which("msgfmt")
        if not (msgcat and msgfmt):
            pytest.skip("gettext's msgcat/msgfmt are needed to compile the pending catalogue")
        out = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
        out.mkdir(parents=True)
        merged = out / "django.po"
        subprocess.run(  # noqa: S603 - fixed arguments, local files
            [
                msgcat,
                "--use-first",
                "-o",
                str(merged),
                str(LOCALE / "django.po"),
                *map(str, pending),
            ],
            check=True,
        )
        subprocess.run(  # noqa: S603
            [msgfmt, "--check-format", "-o", str(out / "django.mo"), str(merged)], check=True
        )
        settings.LOCALE_PATHS = [tmp_path / "locale"]  # resets the loaded catalogues
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _text(response) -> str:
    return response.content.decode()


# --- 404 ---------------------------------------------------------------------------------------


def test_an_unknown_page_is_a_404_in_chinese_in_the_sites_layout(client, world):
    client.force_login(world.secretary)
    response = client.get("/no-such-page/", HTTP_REFERER="http://testserver/reviews/intake/")
    assert response.status_code == 404
    html = _text(response)
    assert '<html lang="zh-Hans">' in html
    assert "页面不存在" in html
    assert 'class="brand"' in html
    assert "科技伦理委员会" in html
    assert '<nav id="main-nav" aria-label="' in html
    assert world.secretary.display_name in html  # the signed-in layout, not a bare page
    assert f'href="{reverse("ethics:dashboard")}">返回首页</a>' in html
    assert 'href="http://testserver/reviews/intake/">返回上一页</a>' in html
    assert "Not Found" not in html
    assert "The requested resource" not in html  # Django's own page


def test_the_404_page_offers_no_previous_page_from_another_site(client, world):
    response = client.get("/no-such-page/", HTTP_REFERER="https://evil.example/x")
    assert response.status_code == 404
    html = _text(response)
    assert "evil.example" not in html
    assert "返回上一页" not in html
    assert "返回首页" in html


def test_the_404_page_follows_the_readers_language(client, db):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "Page not found" in _text(response)
    assert "Go to the home page" in _text(response)


def test_a_hidden_object_reads_as_missing_on_the_404_page(client, world):
    """Another institution's secretary: the application is a 404, in the layout."""
    application = accepted(world)
    client.force_login(world.outsider)
    response = client.get(reverse("reviews:application-detail", args=[application.pk]))
    assert response.status_code == 404
    assert "页面不存在" in _text(response)


# --- 403 ---------------------------------------------------------------------------------------


def test_the_secretary_refused_the_simplified_assignment_reads_who_may_and_r33(client, world):
    application = accepted(world)  # simplified: the chair designates the reviewers (R33)
    client.force_login(world.secretary)
    url = reverse("reviews:application-action", args=[application.pk, "assign"])
    response = client.post(url, {"reviewers": [world.members[4].pk, world.members[5].pk]})
    assert response.status_code == 403
    html = _text(response)
    assert "您无权执行此操作。 (R33)" in html
    assert "简易程序审查的审查委员只能由主任委员指定" in html
    assert "Forbidden" not in html
    assert 'class="brand"' in html
    assert f'href="{reverse("reviews:application-detail", args=[application.pk])}"' in html
    assert html.count("您无权执行此操作") == 1
    assert not application.reviews.filter(assignments__isnull=False).exists()


def test_a_researcher_refused_an_officers_step_reads_who_takes_it(client, world):
    """A workflow action without its own sentence says who takes it, from its roles."""
    application = submitted(world)
    client.force_login(world.researcher)
    url = reverse("reviews:application-action", args=[application.pk, "accept"])
    response = client.post(url, {"procedure": "meeting"})
    assert response.status_code == 403
    html = _text(response)
    assert "您无权执行此操作。" in html
    assert (
        "只有负责审查的委员会中与该申请无利益冲突的主任委员、副主任委员或秘书可以执行此步骤" in html
    )
    application.refresh_from_db()
    assert application.status == "submitted"


def test_the_chair_may_designate_the_same_reviewers(client, world):
    """The boundary: the same post by the chair is no refusal."""
    application = accepted(world)
    client.force_login(world.chair)
    url = reverse("reviews:application-action", args=[application.pk, "assign"])
    response = client.post(url, {"reviewers": [world.members[4].pk, world.members[5].pk]})
    assert response.status_code == 302


def _raising(exc: Exception):
    def view(request):
        raise exc

    return view


def _urlconf(**views) -> types.ModuleType:
    """The site's URLconf (and its error handlers) plus test-only views at /test-<name>/."""
    module = types.ModuleType("error_pages_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        *(path(f"test-{name}/", view) for name, view in views.items()),
        *config.urls.urlpatterns,
    ]
    for code in (400, 403, 404, 500):
        setattr(module, f"handler{code}", getattr(config.urls, f"handler{code}"))
    return module


def test_an_action_denied_outside_the_table_page_names_the_rule_on_the_403_page(
    client, world, settings
):
    settings.ROOT_URLCONF = _urlconf(denied=_raising(ActionDenied(APPLICATIONS.get("assign"))))
    client.force_login(world.secretary)
    response = client.get("/test-denied/")
    assert response.status_code == 403
    html = _text(response)
    assert "无权操作" in html
    assert "规则：R33" in html
    assert "简易程序审查的审查委员只能由主任委员指定" in html
    assert "返回首页" in html


def test_a_bare_permission_denied_says_generically_who_may(client, world, settings):
    settings.ROOT_URLCONF = _urlconf(denied=_raising(PermissionDenied()))
    client.force_login(world.researcher)
    response = client.get("/test-denied/")
    assert response.status_code == 403
    html = _text(response)
    assert "您无权执行此操作。" in html
    assert "只有规则为此步骤指定的人员可以执行" in html
    assert "规则：" not in html
    assert "403 Forbidden" not in html


# --- CSRF --------------------------------------------------------------------------------------


def test_a_refused_csrf_check_is_a_403_page_in_chinese(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.secretary)
    response = client.post(reverse("ethics:set-language"), {"language": "en", "next": "/"})
    assert response.status_code == 403
    html = _text(response)
    assert "表单已失效" in html
    assert "未作任何更改" in html
    assert 'class="brand"' in html
    assert "返回首页" in html
    assert "CSRF verification failed" not in html


def test_a_csrf_failure_under_the_api_stays_json(db):
    from ethics.error_views import csrf_failure

    request = RequestFactory().post("/api/v1/auth/token/")
    response = csrf_failure(request, reason="CSRF cookie not set.")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["code"] == "csrf_failed"


# --- 400 and 500 -------------------------------------------------------------------------------


def test_a_forced_500_is_the_standalone_page_without_a_query(
    db, settings, django_assert_num_queries
):
    settings.ROOT_URLCONF = _urlconf(boom=_raising(RuntimeError("boom")))
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):
        response = client.get("/test-boom/")
    assert response.status_code == 500
    html = _text(response)
    assert "系统出错" in html
    assert "该错误已被记录" in html
    assert 'class="brand"' in html
    assert "/static/ethics/app.css" in html
    assert "返回首页" in html
    assert "style=" not in html
    assert "<script" not in html
    assert "Server Error" not in html


def test_a_500_under_the_api_is_json(db, settings):
    settings.ROOT_URLCONF = _urlconf(boom=_raising(RuntimeError("boom")))
    settings.ROOT_URLCONF.urlpatterns.insert(0, path("api/v1/test-boom/", _raising(RuntimeError())))
    response = Client(raise_request_exception=False).get("/api/v1/test-boom/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"


def test_a_bad_request_is_the_standalone_400_page(db, settings):
    settings.ROOT_URLCONF = _urlconf(bad=_raising(SuspiciousOperation("bad")))
    response = Client().get("/test-bad/")
    assert response.status_code == 400
    html = _text(response)
    assert "请求有误" in html
    assert 'class="brand"' in html
    assert "返回首页" in html


# --- /api/ stays JSON --------------------------------------------------------------------------


def test_an_unknown_api_path_is_a_json_404(client, world):
    client.force_login(world.secretary)
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。", "code": "not_found"}


def test_a_hidden_api_object_stays_drfs_json_404(api_client, world):
    application = accepted(world)
    api_client.force_authenticate(world.outsider)
    response = api_client.get(f"/api/v1/applications/{application.pk}/")
    assert response.status_code == 404
    assert "detail" in response.json()


# --- favicon -----------------------------------------------------------------------------------


def test_favicon_ico_is_the_static_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code in (301, 302)
    location = response["Location"]
    assert location.startswith(settings_static_url())
    assert finders.find(location.removeprefix(settings_static_url()))
    assert finders.find("ethics/favicon.svg")


def test_favicon_ico_is_open_to_a_session_owing_its_second_factor(world, mfa_required):
    client = Client()
    client.force_login(world.secretary)
    # The pages wait for the second factor.
    assert client.get("/")["Location"].startswith(reverse("mfa-enrol"))
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].startswith(settings_static_url())


def settings_static_url() -> str:
    return str(django_settings.STATIC_URL)


def test_every_page_links_the_favicon(client, world):
    client.force_login(world.secretary)
    html = _text(client.get(reverse("ethics:dashboard")))
    assert 'rel="icon" href="/static/ethics/favicon.svg"' in html


# --- each message once -------------------------------------------------------------------------


def _problem(message: str, rule: str) -> dict[str, str]:
    return {"code": "x", "rule": rule, "message": message}


def test_a_one_problem_conflict_prints_its_line_once():
    exc = Conflict(
        "too_few",
        "至少需要两名审查委员。",
        rule="R33",
        problems=[_problem("至少需要两名审查委员。", "R33")],
    )
    assert conflict_lines(exc) == ("至少需要两名审查委员。 (R33)", [])


def test_a_conflict_keeps_every_other_problem_and_no_rule_twice():
    exc = Conflict(
        "composition_invalid",
        "The roster does not meet the rules.",
        rule="Q4",
        problems=[
            _problem("Too few members.", "Q4"),
            _problem("No lawyer.", "Q5"),
            _problem("No lawyer.", "Q5"),
        ],
    )
    assert conflict_lines(exc) == (
        "The roster does not meet the rules. (Q4)",
        ["Too few members. (Q4)", "No lawyer. (Q5)"],
    )
    already = Conflict("x", "Nobody can take this step (Q20).", rule="Q20")
    assert conflict_lines(already)[0] == "Nobody can take this step (Q20)."


def test_report_adds_each_message_once(db):
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    exc = Conflict(
        "too_few",
        "至少需要两名审查委员。",
        rule="R33",
        problems=[_problem("至少需要两名审查委员。", "R33")],
    )
    report(request, exc)
    assert [str(m) for m in get_messages(request)] == ["至少需要两名审查委员。 (R33)"]


def test_a_refused_simplified_assignment_page_prints_the_rule_once(client, world):
    """The chair designates one reviewer where R33 wants two: the refusal's headline is its one
    problem; the page shows it once."""
    application = accepted(world)
    client.force_login(world.chair)
    url = reverse("reviews:application-action", args=[application.pk, "assign"])
    response = client.post(url, {"reviewers": [world.members[4].pk]})
    assert response.status_code == 409
    html = _text(response)
    assert html.count("(R33)") == 1, html


def test_a_malformed_one_time_key_is_said_on_the_refusal_page(client, world):
    """The key is no field of the form: the refusal page says what was wrong (before, the bound
    form showed nothing and the page only asked to correct the errors below)."""
    from reviews.models import Application
    from tests.reviews.conftest import new_project

    project = new_project(world)
    client.force_login(world.researcher)
    response = client.post(
        reverse("reviews:application-create"),
        {"project": project.pk, "kind": "initial", "form_token": "bad key!"},
    )
    assert response.status_code == 400
    html = _text(response)
    assert "请更正以下错误。" in html
    assert html.count("一次性令牌无效") == 1, html
    assert not Application.objects.filter(project=project).exists()
