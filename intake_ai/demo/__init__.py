"""Clearly fake demo people and their records, for ``scripts/demo`` and ``flask seed-demo``."""
