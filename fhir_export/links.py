"""Names in the export: our code systems' URIs, and deterministic resource ids and references.

Every id is a uuid5 of what the resource stands for ("Patient", "submission:ABC12345"), so the
same case exported twice gives the same ids, and an EHR importing both recognises the repeat.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from clinic.links import absolute_url


def system(name: str) -> str:
    """The URI of one of our code systems or identifier systems ("CodeSystem/triage-outcome")."""
    return absolute_url(f"/fhir/{name}")


def _namespace() -> uuid.UUID:
    # Per clinic, so two clinics exporting the same reference never share an id.
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.CLINIC_SITE_URL}/fhir")


def resource_id(resource_type: str, key: str) -> str:
    return str(uuid.uuid5(_namespace(), f"{resource_type}/{key}"))


@dataclass(frozen=True)
class Links:
    """How one resource points at another: `urn:uuid:` inside a Bundle, `Type/id` in bulk files."""

    in_bundle: bool = True

    def id(self, resource_type: str, key: str) -> str:
        return resource_id(resource_type, key)

    def url(self, resource_type: str, key: str) -> str:
        if self.in_bundle:
            return f"urn:uuid:{resource_id(resource_type, key)}"
        return f"{resource_type}/{resource_id(resource_type, key)}"

    def ref(self, resource_type: str, key: str, display: str = "") -> dict[str, Any]:
        reference: dict[str, Any] = {"reference": self.url(resource_type, key)}
        if display:
            reference["display"] = display
        return reference


def compact(value: Any) -> Any:
    """The value without empty strings, None, empty lists or empty objects (FHIR forbids them)."""
    if isinstance(value, dict):
        pairs = ((k, compact(v)) for k, v in value.items())
        return {k: v for k, v in pairs if v not in ("", None, [], {})}
    if isinstance(value, list):
        items = (compact(v) for v in value)
        return [v for v in items if v not in ("", None, [], {})]
    return value
