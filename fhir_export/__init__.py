"""FHIR R4B export: the intake Questionnaire, one case as a Bundle, and bulk NDJSON (docs/fhir.md).

Named fhir_export so that it never shadows the `fhir` package of the fhir.resources library.
"""
