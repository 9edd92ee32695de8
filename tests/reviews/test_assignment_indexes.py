"""Issue 18: a reviewer assignment's two keys have no single-column indexes of their own
(reviews 0014); the unique (review, membership) constraint and `assignment_member_recent_idx`
(membership, -assigned_at, -id) lead with them and serve their lookups and PROTECT checks."""

import importlib

import pytest
from django.db import connection

from reviews.models import ReviewerAssignment

pytestmark = pytest.mark.django_db

TABLE = ReviewerAssignment._meta.db_table
MIGRATION = importlib.import_module("reviews.migrations.0014_assignment_keys_covered")


def _indexes():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    return {name: c["columns"] for name, c in constraints.items() if c["index"] or c["unique"]}


def _django_index_name(column):
    # Not entered: only its naming is used (SQLite's refuses to open inside a transaction).
    return connection.SchemaEditorClass(connection)._create_index_name(TABLE, [column], suffix="")


def test_each_key_is_served_by_an_index_that_leads_with_it_and_has_none_of_its_own():
    indexes = _indexes()
    for column in ("membership_id", "review_id"):
        assert [column] not in indexes.values(), (column, indexes)
        assert any(columns and columns[0] == column for columns in indexes.values()), column


def test_the_migration_drops_exactly_the_indexes_django_made_for_the_keys():
    """The migration names the indexes (to drop them without re-validating the foreign keys):
    the names must be the ones Django gave them, and forwards and backwards must work."""
    operations = MIGRATION.Migration.operations[0].database_operations
    names = {column: _django_index_name(column) for column in ("membership_id", "review_id")}
    for operation, column in zip(operations, ("membership_id", "review_id"), strict=True):
        assert names[column] in operation.sql
        assert names[column] in operation.reverse_sql
    with connection.cursor() as cursor:
        for operation in operations:
            cursor.execute(operation.reverse_sql)  # as before the migration
        assert set(names.values()) <= set(_indexes())
        for operation in operations:
            cursor.execute(operation.sql)
    assert not set(names.values()) & set(_indexes())
