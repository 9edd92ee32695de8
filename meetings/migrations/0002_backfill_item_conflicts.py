"""Backfill reviews' ConflictDeclaration from the meeting items' recusals and conflict declarations,
so that a conflict declared at a meeting closes the application's materials on every route."""

from django.db import migrations


def backfill(apps, schema_editor):
    Recusal = apps.get_model("meetings", "Recusal")
    Declaration = apps.get_model("meetings", "Declaration")
    ConflictDeclaration = apps.get_model("reviews", "ConflictDeclaration")
    rows = {}
    for r in Recusal.objects.filter(item__application__isnull=False).select_related(
        "item", "membership"
    ):
        rows[(r.membership.user_id, r.item_id)] = ConflictDeclaration(
            user_id=r.membership.user_id,
            application_id=r.item.application_id,
            source="meeting_item",
            source_ref=f"item:{r.item_id}",
            reason=r.reason,
            recorded_by_id=r.recorded_by_id,
            declared_at=r.recorded_at,
        )
    for d in Declaration.objects.filter(
        conflicted=True, item__application__isnull=False
    ).select_related("item", "membership"):
        rows.setdefault(
            (d.membership.user_id, d.item_id),
            ConflictDeclaration(
                user_id=d.membership.user_id,
                application_id=d.item.application_id,
                source="meeting_item",
                source_ref=f"item:{d.item_id}",
                reason=d.note,
                recorded_by_id=d.membership.user_id,
                declared_at=d.declared_at,
            ),
        )
    ConflictDeclaration.objects.bulk_create(rows.values(), batch_size=500, ignore_conflicts=True)


def unfill(apps, schema_editor):
    apps.get_model("reviews", "ConflictDeclaration").objects.filter(
        source="meeting_item"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
        ("reviews", "0003_conflict_declaration"),
    ]

    operations = [migrations.RunPython(backfill, unfill)]
