"""The submission-date index carries the clinic dashboard's columns (PostgreSQL: INCLUDE), so the
dashboard's figures over a date range are index-only scans; it replaces the plain index on
submitted_at (same leading column)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0014_fill_patients"),
    ]

    operations = [
        migrations.AlterField(
            model_name="submission",
            name="submitted_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                fields=["submitted_at"],
                include=("id", "outcome", "status", "first_contact_at", "contact_due_at"),
                name="submission_reports_idx",
            ),
        ),
    ]
