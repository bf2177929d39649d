from __future__ import annotations

from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "fhir_export"
    verbose_name = "FHIR export"
