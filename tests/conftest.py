"""Fixtures shared by every test package."""

import os
import shutil
import threading

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import UserFactory
from tests.world import World, build_world

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


# --- the test database: built from the models, as if migrated -----------------------------------
# Rendering the migrations' states took about 20 s of CPU per xdist worker and per CI step (and
# minutes on a loaded machine), for a schema `makemigrations --check` already proves equal to the
# models'. The test database is therefore created from the models (Django's TEST MIGRATE False),
# then made to look migrated: every migration is recorded as applied and the project's data
# migrations (holidays, beat entries, ...) run in their migration order against today's models.
# The migrations themselves still run for real in CI: `make run`'s SQLite (tests/ops, embedded),
# the API fuzzing and the restore drill on PostgreSQL migrate fresh databases.
FIRST_PARTY = {"ethics", "committees", "reviews", "meetings", "oversight", "reports", "registry"}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    from django.db import connections

    for alias in connections:
        connections[alias].settings_dict.setdefault("TEST", {})["MIGRATE"] = False


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        as_if_migrated()


def as_if_migrated(using: str = "default") -> None:
    """Record every migration as applied and run the project's data migrations, in order."""
    from django.apps import apps as current_apps
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.operations.special import RunPython

    connection = connections[using]
    executor = MigrationExecutor(connection)
    executor.recorder.ensure_schema()
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    with connection.schema_editor() as editor:  # atomic, as a migration's RunPython runs
        for migration, _backwards in plan:
            if migration.app_label in FIRST_PARTY:
                for operation in migration.operations:
                    if isinstance(operation, RunPython):
                        operation.code(current_apps, editor)
            executor.recorder.record_applied(migration.app_label, migration.name)


@pytest.fixture(autouse=True, scope="session")
def _form_writers_checked():
    """Every form a test renders is also rendered by Django's templates and compared with what
    ethics.form_renderer wrote in Python (issue 18): a difference fails that test."""
    from ethics.form_renderer import FormRenderer

    FormRenderer.check = True
    yield
    FormRenderer.check = False


@pytest.fixture(autouse=True, scope="session")
def _prepared_queries_checked():
    """Every prepared query a test runs (ethics.prepared, issue 18) is also run through the ORM
    and compared: the same SQL, parameters and rows, or that test fails."""
    from ethics.prepared import Prepared

    Prepared.check = True
    yield
    Prepared.check = False


@pytest.fixture(autouse=True)
def _isolated_media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Password hashing dominates factory time; the real hasher is exercised by the login tests.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    # Many tests ask the token endpoint for a token; its real rate ("10/min" per address) is
    # proven at its boundary in tests/ethics/test_login_security.py.
    settings.THROTTLE_AUTH_RATE = "100000/min"


@pytest.fixture(autouse=True)
def _second_factor_off(settings):
    """Tests log officers in with a password only; tests of the second factor opt in with the
    `mfa_required` fixture (or set MFA_REQUIRED themselves)."""
    settings.MFA_REQUIRED = False


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED = True


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a request through the test client activates the
    reader's language for the thread and Django leaves it active, so an English page in one test
    would otherwise write English titles into the next test's data."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def world(db) -> World:
    """The shared test world (tests/world.py); a package may override it with other options."""
    return build_world()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


requires_postgres = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL (set DATABASE_URL=postgres://...): SQLite serialises writers",
)


# --- browser tests -----------------------------------------------------------------------------


def _browser_missing_reason() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _browser_missing_reason()
    if reason:
        if os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"browser tests must run here: {reason}")
        pytest.skip(reason)
    # Playwright's sync API runs an event loop in this thread; Django's ORM is still used
    # synchronously by the test, which is safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    tab = context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()


@pytest.fixture
def login(live_server):
    def do_login(tab, username: str, password: str = "pw-for-tests-1"):
        tab.goto(f"{live_server.url}/accounts/login/")
        tab.fill("#id_username", username)
        tab.fill("#id_password", password)
        tab.click("button[type=submit]")
        tab.wait_for_load_state()
        return tab

    return do_login


@pytest.fixture
def eager_celery():
    """Run Celery tasks in the live server's thread (letters, packages) for browser journeys."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def browser_session(browser, live_server, username, password="pw-for-tests-1"):
    """A new browser context logged in as `username`: (context, tab)."""
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    tab = context.new_page()
    tab.set_default_timeout(15000)
    tab.goto("/accounts/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", password)
    tab.click("button[type=submit]")
    tab.wait_for_load_state()
    return context, tab


def race(*calls):
    """Run the calls in threads released together; return (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def confirm_step(tab) -> None:
    """Issue 15: an irreversible step answers a page that states its consequence; confirm it
    (a refusal page, which has no such button, is left as it is)."""
    tab.wait_for_load_state()
    if tab.locator("#action-confirm").count():
        # The confirmed step may render a letter in the request (eager Celery): allow for it.
        tab.click("#confirm-action", timeout=60000)
        tab.wait_for_load_state(timeout=60000)


# --- order: the long tests first ---------------------------------------------------------------
# pytest-xdist hands tests out in collection order; a two-minute test collected last keeps one
# worker busy while the others stand idle. These start first. Order only: nothing is skipped.
# (Not `--dist worksteal`: a worker stealing from another's queue could run a database test
# after a transactional one has flushed the data migrations' rows.)
SLOW_FIRST = (
    "tests/ops/test_embedded_concurrency.py",
    "tests/test_words_not_codes.py",
    "tests/e2e/",
    "tests/test_admin_words.py",
    "tests/committees/test_browser.py",
    "tests/test_access_matrix.py",
    "tests/ethics/test_settings_deploy.py",
    "tests/test_fuzz_regressions.py",
    # PostgreSQL step: a new virtualenv (about a minute), and the fault tests that wait on a
    # killed worker or a stopped broker (20-40 s each); the transactional ones start their block.
    "tests/ops/test_runtime_install.py",
    "tests/reviews/test_letter_faults.py",
    "tests/registry/test_reminders_faults.py",
)


@pytest.hookimpl(trylast=True)  # after pytest-django's ordering, which it keeps (below)
def pytest_collection_modifyitems(config, items):
    """Slow first, but transactional tests stay after all the others, as Django and pytest-django
    order them: they flush the database, the data migrations' rows (holidays, beat entries) with
    it."""

    def transactional(item) -> bool:
        marker = item.get_closest_marker("django_db")
        if marker is not None and (
            marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
        ):
            return True
        fixtures = getattr(item, "fixturenames", ())
        return "transactional_db" in fixtures or "live_server" in fixtures

    def rank(item) -> tuple[bool, int]:
        for position, prefix in enumerate(SLOW_FIRST):
            if item.nodeid.startswith(prefix):
                return transactional(item), position
        return transactional(item), len(SLOW_FIRST)

    items.sort(key=rank)  # stable: within a rank, the usual order
