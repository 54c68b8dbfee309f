"""Where the package's own files are: a bottom module, it imports nothing of ours."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
TEMPLATES_DIR = PACKAGE_DIR / "templates"


def static_dir() -> Path:
    """``intake_ai/static`` in an installed package; the checkout's top-level ``static/``."""
    installed = PACKAGE_DIR / "static"
    return installed if installed.is_dir() else PACKAGE_DIR.parent / "static"
