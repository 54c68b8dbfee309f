"""Trend charts: SQL aggregation (queries.py) and pure figure builders (figures.py)."""
