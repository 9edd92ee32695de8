"""Sanction.investigation: the plain id becomes a foreign key to Investigation (PROTECT).

The column stays `investigation_id` (same name, same type): the state first swaps the field for a
foreign key without constraint or index, ids naming no investigation are cleared (a foreign key
cannot keep them; they are written to the migration's output), then the constraint and the index
are added. Not atomic, so the clearing commits before the ALTER TABLE on PostgreSQL.
"""

import django.db.models.deletion
from django.db import migrations, models


def clear_dangling(apps, schema_editor):
    Sanction = apps.get_model("oversight", "Sanction")
    Investigation = apps.get_model("oversight", "Investigation")
    dangling = Sanction.objects.exclude(investigation_id=None).exclude(
        investigation_id__in=Investigation.objects.values("pk")
    )
    rows = list(dangling.values_list("pk", "investigation_id"))
    if rows:
        print(f"\n  sanctions naming no investigation, cleared (sanction, id): {rows}")  # noqa: T201
        dangling.update(investigation_id=None)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("oversight", "0005_merge_sanctions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="sanction", name="investigation_id"),
                migrations.AddField(
                    model_name="sanction",
                    name="investigation",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="sanctions",
                        to="oversight.investigation",
                        verbose_name="investigation",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(clear_dangling, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="sanction",
            name="investigation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sanctions",
                to="oversight.investigation",
                verbose_name="investigation",
            ),
        ),
    ]
