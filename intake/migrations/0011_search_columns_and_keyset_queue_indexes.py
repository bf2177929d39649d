"""Search columns (phone in E.164, names and email folded), filled for existing rows, with trigram
indexes on PostgreSQL; queue indexes end with the id for keyset paging."""

from django.db import migrations, models

from intake.search import phone_e164, search_text

BATCH = 2000
OLD_TRIGRAM_COLUMNS = ("first_name", "last_name", "email", "phone")


def backfill(apps, schema_editor):
    # Plain executemany rather than bulk_update: bulk_update's CASE expressions took minutes
    # at 100,000 rows; this streams rows from a cursor and writes batches of simple UPDATEs.
    Submission = apps.get_model("intake", "Submission")
    rows = Submission.objects.values_list("pk", "first_name", "last_name", "email", "phone")
    table = schema_editor.connection.ops.quote_name(Submission._meta.db_table)
    sql = f"UPDATE {table} SET phone_e164 = %s, search_text = %s WHERE id = %s"
    batch = []
    with schema_editor.connection.cursor() as cursor:
        for pk, first_name, last_name, email, phone in rows.iterator(chunk_size=BATCH):
            text = search_text(first_name=first_name, last_name=last_name, email=email)
            batch.append((phone_e164(phone) if phone else "", text, pk))
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def trigram_indexes(apps, schema_editor):
    # "Contains" searches use these on PostgreSQL (0004 created pg_trgm); SQLite needs none.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in OLD_TRIGRAM_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS submission_{column}_trgm_idx")
    for column in ("search_text", "phone_e164"):
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS submission_{column}_trgm_idx ON intake_submission "
            f"USING gin ({column} gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in ("search_text", "phone_e164"):
        schema_editor.execute(f"DROP INDEX IF EXISTS submission_{column}_trgm_idx")
    for column in OLD_TRIGRAM_COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS submission_{column}_trgm_idx ON intake_submission "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0010_in_care_status_and_care_notes"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="submission",
            options={
                "ordering": ["priority", "submitted_at", "id"],
                "permissions": [
                    ("review_submission", "Can clear, override and re-screen submissions"),
                    ("export_submission", "Can export submissions"),
                    (
                        "subject_access_submission",
                        "Can download one patient's data (subject access)",
                    ),
                ],
            },
        ),
        migrations.RemoveIndex(
            model_name="submission",
            name="submission_queue_idx",
        ),
        migrations.RemoveIndex(
            model_name="submission",
            name="submission_open_queue_idx",
        ),
        migrations.AddField(
            model_name="submission",
            name="phone_e164",
            field=models.CharField(blank=True, db_index=True, max_length=20),
        ),
        migrations.AddField(
            model_name="submission",
            name="search_text",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                fields=["priority", "submitted_at", "id"], name="submission_queue_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "contacted", "consult_booked", "in_care"])),
                fields=["priority", "submitted_at", "id"],
                name="submission_open_queue_idx",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes),
    ]
