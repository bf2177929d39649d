"""Finer planner statistics for the two search columns on PostgreSQL.

A search is "contains" (LIKE '%…%', served by the trigram indexes). PostgreSQL guesses how many
rows match from the column's histogram; with the default 100 entries a rare phone number or
name is guessed at about 1% of the table, and at a million submissions the queue then walks
its order index looking for 26 matches among 20,000 rows (70 ms) instead of taking the trigram
index and sorting the few matches (12 ms). With 1,000 entries the guess is close, and the plan
is right. The next ANALYZE (autovacuum, or the one below) uses them.
"""

from django.db import migrations

COLUMNS = ("search_text", "phone_e164")


def finer_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"ALTER TABLE intake_submission ALTER COLUMN {column} SET STATISTICS 1000"
        )
    schema_editor.execute("ANALYZE intake_submission")


def default_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE intake_submission ALTER COLUMN {column} SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("intake", "0016_submission_location")]

    operations = [migrations.RunPython(finer_statistics, default_statistics, elidable=True)]
