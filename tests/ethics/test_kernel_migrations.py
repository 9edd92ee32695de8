"""The kernel's migrations depend on no app: only on Django and the libraries it builds on."""

from django.db.migrations.loader import MigrationLoader

APPS = {"committees", "reviews", "meetings", "oversight", "reports", "registry"}


def test_kernel_migrations_depend_on_no_app():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    kernel = [key for key in loader.graph.nodes if key[0] == "ethics"]
    assert kernel
    for key in kernel:
        ancestors = {app for app, _ in loader.graph.forwards_plan(key)}
        assert not ancestors & APPS, (key, ancestors & APPS)


def test_institution_keeps_its_table():
    from ethics.models import Institution

    assert Institution._meta.db_table == "committees_institution"
