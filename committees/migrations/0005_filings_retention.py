"""R61: superseded committee documents get their retention date; existing ones are backfilled
from the day the next version was uploaded (5 years, the rule sets' value when this was written)."""

import datetime as dt

from django.db import migrations, models

RETENTION_YEARS = 5  # R61, MEAS and NHC alike at the time of this migration


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def backfill(apps, schema_editor):
    Document = apps.get_model("committees", "CommitteeDocument")
    rows = Document.objects.filter(retain_until=None).order_by("committee_id", "kind", "version")
    previous = None
    for doc in rows.iterator():
        if previous is not None and (previous.committee_id, previous.kind) == (
            doc.committee_id,
            doc.kind,
        ):
            superseded_on = doc.uploaded_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
            previous.retain_until = _add_years(superseded_on, RETENTION_YEARS)
            previous.save(update_fields=["retain_until"])
        previous = doc


class Migration(migrations.Migration):
    dependencies = [
        ("committees", "0004_institution_is_the_kernels"),
    ]

    operations = [
        migrations.AddField(
            model_name="committeedocument",
            name="retain_until",
            field=models.DateField(blank=True, null=True, verbose_name="kept at least until"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
