"""Terminology operations ($expand, $lookup, $validate-code) on the module's definitions."""
