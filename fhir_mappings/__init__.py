"""Pure domain <-> FHIR R4 code: definitions as data, terminology, mappings, extraction.

Nothing here imports Flask or the database. Models come from ``fhir.resources.R4B``.
"""
