"""Caseload, client registration and the client page."""
