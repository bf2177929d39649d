"""FHIR R4B export: the intake Questionnaire, one case as a Bundle, and bulk NDJSON (docs/fhir.md).

The package shares its name with the `fhir.resources` library (a regular package called `fhir`
in site-packages), so `extend_path` adds that directory to ours: `fhir.resources` keeps meaning
the library, and no module here may be called `resources`.
"""

from __future__ import annotations

from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)
