"""N10: the exempt outcome; R61: every closed project gets its retention date. Before, only a closure (结题) set it;
terminated projects and those whose initial application was disapproved or withdrawn had none.
Backfilled from the day the record closed (5 years, the rule sets' value when this was written).
"""

import datetime as dt

from django.db import migrations, models

RETENTION_YEARS = 5  # R61, MEAS and NHC alike at the time of this migration
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _close(project, when):
    project.closed_at = project.closed_at or when
    project.retain_until = _add_years(project.closed_at.astimezone(SHANGHAI).date(), RETENTION_YEARS)
    project.save(update_fields=["closed_at", "retain_until"])


def backfill(apps, schema_editor):
    Project = apps.get_model("reviews", "Project")
    Application = apps.get_model("reviews", "Application")
    Decision = apps.get_model("reviews", "Decision")
    for project in Project.objects.filter(
        retain_until=None, status__in=["terminated", "completed"]
    ).iterator():
        _close(project, project.updated_at)
    for project in Project.objects.filter(retain_until=None, status="planned").iterator():
        initials = list(Application.objects.filter(project=project, kind="initial"))
        if not initials:
            continue
        closed = []
        for application in initials:
            if application.status == "withdrawn":
                closed.append(application.updated_at)
                continue
            last = (
                Decision.objects.filter(application=application)
                .order_by("-decided_at", "-id")
                .first()
            )
            if application.status == "decided" and last and last.outcome == "disapprove":
                closed.append(last.decided_at)
                continue
            closed = []
            break
        if closed:
            _close(project, max(closed))


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0004_backfill_assignment_conflicts"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="decision",
            name="decision_outcome_valid",
        ),
        migrations.AlterField(
            model_name="decision",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("approve", "Approve"),
                    ("approve_with_modifications", "Approve after modification"),
                    ("resubmit", "Re-review after modification"),
                    ("disapprove", "Disapprove"),
                    ("continue", "Continue"),
                    ("suspend", "Suspend"),
                    ("terminate", "Terminate"),
                    ("exempt", "Exempt from ethics review"),
                ],
                max_length=30,
                verbose_name="outcome",
            ),
        ),
        migrations.AddConstraint(
            model_name="decision",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "outcome__in",
                        [
                            "approve",
                            "approve_with_modifications",
                            "resubmit",
                            "disapprove",
                            "continue",
                            "suspend",
                            "terminate",
                            "exempt",
                        ],
                    )
                ),
                name="decision_outcome_valid",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
