"""R27: ``Appeal.new_decision`` is now the decision on the appeal whatever its result.

Before, only an upheld appeal was linked to its decision; a rejected one kept NULL. Link each
rejected appeal to the decision of its appeal application (the newest, if not linked elsewhere).
"""

from django.db import migrations


def link(apps, schema_editor):
    Appeal = apps.get_model("reviews", "Appeal")
    Decision = apps.get_model("reviews", "Decision")
    linked = set(
        Appeal.objects.exclude(new_decision=None).values_list("new_decision_id", flat=True)
    )
    for appeal in Appeal.objects.filter(state="rejected", new_decision=None).iterator():
        decision = (
            Decision.objects.filter(application_id=appeal.application_id)
            .order_by("-decided_at", "-id")
            .first()
        )
        if decision is not None and decision.pk not in linked:
            appeal.new_decision_id = decision.pk
            appeal.save(update_fields=["new_decision"])
            linked.add(decision.pk)


def unlink(apps, schema_editor):
    apps.get_model("reviews", "Appeal").objects.filter(state="rejected").update(
        new_decision=None
    )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_backfill_assignment_conflicts")]

    operations = [migrations.RunPython(link, unlink)]
