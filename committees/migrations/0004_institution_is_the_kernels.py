"""Bring databases migrated before Institution moved to the kernel in line with the new history.

ethics.0001 now creates the institution (same table, committees_institution) and gives the
deadline a plain committee_id instead of a foreign key to committees.Committee. A database that
ran the old history has the same tables and data; two things differ, and both are fixed here.
On a fresh database both steps find nothing to do.

1. The content type of the institution says app "committees": it becomes "ethics", so audit
   events, permissions and object permissions that point at it keep pointing at institutions
   (otherwise a second content type would be created and the old rows would point at nothing).
2. ethics_deadline.committee_id still has its foreign-key constraint (and its own index): both
   are dropped, as a fresh database never has them (committees are never deleted; the
   composite index deadline_committee_idx serves lookups by committee).
"""

from django.db import migrations, models


def institution_content_type_to_kernel(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    types = ContentType.objects.using(db)
    if types.filter(app_label="ethics", model="institution").exists():
        return
    types.filter(app_label="committees", model="institution").update(app_label="ethics")


def institution_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="ethics", model="institution").update(
        app_label="committees"
    )


def _deadline_committee_foreign_key(schema_editor) -> bool:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "ethics_deadline")
    return any(
        spec["foreign_key"] and spec["columns"] == ["committee_id"] for spec in constraints.values()
    )


def drop_deadline_committee_foreign_key(apps, schema_editor):
    if not _deadline_committee_foreign_key(schema_editor):
        return
    Deadline = apps.get_model("ethics", "Deadline")
    Committee = apps.get_model("committees", "Committee")
    old = models.ForeignKey(Committee, null=True, blank=True, on_delete=models.PROTECT)
    old.set_attributes_from_name("committee")
    old.model = Deadline
    schema_editor.alter_field(Deadline, old, Deadline._meta.get_field("committee_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("committees", "0003_member_help_text"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("ethics", "0004_deadline_kind_choices_from_hooks"),
    ]

    operations = [
        migrations.RunPython(institution_content_type_to_kernel, institution_content_type_back),
        migrations.RunPython(drop_deadline_committee_foreign_key, migrations.RunPython.noop),
    ]
