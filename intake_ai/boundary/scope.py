"""Which requests are the module's, so its hooks leave a host EHR's own routes alone.

A request is the module's when it reached one of the module's blueprints, or when it matched
no route at all but its path lies where the module is mounted: under the FHIR base, under the
pages' prefix, or (mounted at the root) under one of the first path segments of the module's
own pages (``/clients/...``). An unknown id that no route accepts is still a clinical URL.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, current_app, request

#: Blueprint names of the module: every one starts so (the static files' is "intake_ai").
BLUEPRINT_PREFIX = "intake_"
FHIR_BLUEPRINT = "intake_fhir"


class Area(enum.Enum):
    PAGES = "pages"
    FHIR = "fhir"


@dataclass(frozen=True)
class Mount:
    """Where the module's URLs are, worked out once when the blueprints are registered."""

    pages_prefix: str
    fhir_base: str
    #: First path segments of the pages when mounted at the root (``{"clients", ...}``).
    page_segments: frozenset[str]


def mount_of(app: Flask, pages_prefix: str, fhir_base: str) -> Mount:
    rules: Iterable[str] = (
        rule.rule
        for rule in app.url_map.iter_rules()
        if (rule.endpoint.split(".", 1)[0]).startswith(BLUEPRINT_PREFIX)
        and rule.endpoint.split(".", 1)[0] != FHIR_BLUEPRINT
    )
    segments = frozenset(
        first
        for rule in rules
        if (first := rule.removeprefix(pages_prefix).lstrip("/").split("/", 1)[0])
        and "<" not in first
    )
    return Mount(pages_prefix, fhir_base, segments)


def _under(path: str, base: str) -> bool:
    return bool(base) and (path == base or path.startswith(base + "/"))


def _area_of_request() -> Area | None:
    blueprint = request.blueprint
    if blueprint is not None:
        if blueprint == FHIR_BLUEPRINT:
            return Area.FHIR
        return Area.PAGES if blueprint.startswith(BLUEPRINT_PREFIX) else None
    if request.url_rule is not None:
        return None  # one of the host's own routes
    mount: Mount = current_app.extensions["intake_ai"].mount
    path = request.path
    if _under(path, mount.fhir_base):
        return Area.FHIR
    if mount.pages_prefix:
        return Area.PAGES if _under(path, mount.pages_prefix) else None
    return Area.PAGES if path.lstrip("/").split("/", 1)[0] in mount.page_segments else None


#: Kept in the WSGI environ, which is the request's own (``g`` outlives a request when a
#: caller, such as a test, holds the app context open around several).
_KEY = "intake_ai.area"


def area() -> Area | None:
    """The module's part this request belongs to, or None for the host's own requests."""
    if _KEY not in request.environ:
        request.environ[_KEY] = _area_of_request()
    found: Area | None = request.environ[_KEY]
    return found
