"""Small partial indexes for the clinic dashboard (reports/figures.py): the needled sessions of a
set of cases, their 6- and 12-week check-ins, and each plan's answered PSFS baseline, read from
the indexes alone on PostgreSQL (covering, INCLUDE)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0004_outcome_roles"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="needlingsession",
            index=models.Index(
                condition=models.Q(("safety_decision", "not_today"), _negated=True),
                fields=["submission"],
                include=("id",),
                name="needlingsession_needled_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="outcomecheckin",
            index=models.Index(
                condition=models.Q(("occasion__in", ["week_6", "week_12"])),
                fields=["submission"],
                include=(
                    "id",
                    "plan",
                    "occasion",
                    "due_at",
                    "answered_at",
                    "nprs_first_step",
                    "psfs_scores",
                    "psfs_baseline",
                ),
                name="outcomecheckin_weeks_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="outcomecheckin",
            index=models.Index(
                condition=models.Q(("answered_at__isnull", False), ("psfs_baseline", True)),
                fields=["plan"],
                include=("psfs_scores",),
                name="outcomecheckin_baseline_idx",
            ),
        ),
    ]
