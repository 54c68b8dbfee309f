"""The FHIR R4 REST API for EHR integrators."""
