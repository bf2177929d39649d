"""The latest contact attempt on the submission row (written by workflow.record_contact), filled
from the contact attempts already logged; an index for the queue's open-case counts."""

from django.db import migrations, models

LATEST = (
    "SELECT {column} FROM intake_contactattempt c WHERE c.submission_id = intake_submission.id "
    "ORDER BY c.at DESC, c.id DESC LIMIT 1"
)


def backfill(apps, schema_editor):
    # One statement, the same on SQLite and PostgreSQL.
    schema_editor.execute(
        f"UPDATE intake_submission SET last_contact_at = ({LATEST.format(column='at')}), "
        f"last_contact_result = ({LATEST.format(column='result')}) "
        "WHERE EXISTS (SELECT 1 FROM intake_contactattempt c "
        "WHERE c.submission_id = intake_submission.id)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0011_search_columns_and_keyset_queue_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="last_contact_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="submission",
            name="last_contact_result",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "contacted", "consult_booked", "in_care"])),
                fields=["outcome", "status", "contact_due_at", "id"],
                name="submission_open_counts_idx",
            ),
        ),
    ]
