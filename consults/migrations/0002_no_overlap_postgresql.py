"""On PostgreSQL, refuse overlapping active consults of one chiropractor (exclusion constraint).

SQLite has no exclusion constraints; there the unique (chiropractor, starts_at) constraint of
0001 refuses a second booking of the same slot, and slots sit on a fixed grid.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE consults_consult ADD CONSTRAINT consult_no_overlap
    EXCLUDE USING gist (chiropractor_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status = 'active');
"""
DROP = "ALTER TABLE consults_consult DROP CONSTRAINT IF EXISTS consult_no_overlap;"


def add_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("consults", "0001_initial")]

    operations = [migrations.RunPython(add_exclusion, drop_exclusion)]
