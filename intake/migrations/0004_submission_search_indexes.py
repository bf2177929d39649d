"""Indexes for the staff queue: open submissions in queue order, and (PostgreSQL) trigram search."""

from django.db import migrations, models

# Staff search is a case-insensitive "contains" (Django's icontains: UPPER(col) LIKE UPPER(%q%)).
# On PostgreSQL, trigram GIN indexes on the same expressions let it skip the full-table scan.
# SQLite has no such index and needs none at a clinic's size, so there this does nothing.
SEARCH_COLUMNS = ("first_name", "last_name", "email", "phone")


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCH_COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS submission_{column}_trgm_idx ON intake_submission "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCH_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS submission_{column}_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0003_clinic_admin_security_permissions"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "contacted", "consult_booked"])),
                fields=["priority", "submitted_at"],
                name="submission_open_queue_idx",
            ),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
