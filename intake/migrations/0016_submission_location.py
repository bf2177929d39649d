"""Submission.location: where the case is booked (the location of its latest consult), so that
the queue of a front desk limited to some locations is an index scan (docs/locations.md).

Filled from the consults in batches of submissions, each its own short transaction (this
migration is not atomic), so that a clinic with a million submissions never has them all
locked at once. The indexes are built after the fill.
"""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Exists, Max, OuterRef, Subquery

BATCH = 10_000


def fill_locations(apps: Any, schema_editor: Any) -> None:
    submission_model = apps.get_model("intake", "Submission")
    consult_model = apps.get_model("consults", "Consult")
    consults = consult_model.objects.filter(submission=OuterRef("pk"))
    # The latest consult is the one booked last (a move keeps its row and changes its place).
    latest = consults.order_by("-pk").values("location_id")[:1]
    booked = submission_model.objects.filter(Exists(consults))
    top = submission_model.objects.aggregate(top=Max("pk"))["top"] or 0
    for start in range(0, top, BATCH):
        booked.filter(pk__gt=start, pk__lte=start + BATCH).update(location_id=Subquery(latest))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("consults", "0007_clinic_admin_manages_locations"),
        ("intake", "0015_submission_reports_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="location",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="consults.location",
            ),
        ),
        migrations.RunPython(fill_locations, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                fields=["location", "priority", "submitted_at", "id"],
                name="submission_location_queue_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["new", "contacted", "consult_booked", "in_care"])
                ),
                fields=["location", "priority", "submitted_at", "id"],
                name="submission_location_open_idx",
            ),
        ),
    ]
