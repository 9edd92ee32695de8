"""Backfill ConflictDeclaration from the reviewer assignments already declared conflicted.

Meeting-item declarations and recusals are backfilled by meetings' own migration, since reviews
never depends on meetings.
"""

from django.db import migrations


def backfill(apps, schema_editor):
    ReviewerAssignment = apps.get_model("reviews", "ReviewerAssignment")
    ConflictDeclaration = apps.get_model("reviews", "ConflictDeclaration")
    rows = ReviewerAssignment.objects.filter(coi_state="conflicted").select_related(
        "review", "membership"
    )
    ConflictDeclaration.objects.bulk_create(
        [
            ConflictDeclaration(
                user_id=a.membership.user_id,
                application_id=a.review.application_id,
                source="assignment",
                source_ref=f"assignment:{a.pk}",
                reason=a.coi_note,
                recorded_by_id=a.membership.user_id,
                declared_at=a.coi_declared_at or a.assigned_at,
            )
            for a in rows.iterator()
        ],
        batch_size=500,
        ignore_conflicts=True,
    )


def unfill(apps, schema_editor):
    apps.get_model("reviews", "ConflictDeclaration").objects.filter(source="assignment").delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0003_conflict_declaration")]

    operations = [migrations.RunPython(backfill, unfill)]
