"""Every existing submission gets a patient, matched the way new ones are (oldest first)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from intake.patients import fill_existing


def fill_patients(apps: Any, schema_editor: Any) -> None:
    fill_existing(apps.get_model("intake", "Submission"), apps.get_model("intake", "Patient"))


class Migration(migrations.Migration):
    dependencies = [("intake", "0013_patients_and_matching")]

    operations = [migrations.RunPython(fill_patients, migrations.RunPython.noop)]
