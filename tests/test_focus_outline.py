"""The keyboard focus outline stands out (3:1) from every surface a focused control sits on.

Computed from the stylesheet itself: the ``:focus-visible`` outline's colour against every
background colour the stylesheet gives a page surface (filled buttons aside: their outline
is drawn outside them, on the surface around).
"""

from __future__ import annotations

import re

from tests.contrast import contrast, parse_colour, stylesheet_rules

MINIMUM = 3.0  # WCAG 2.2, 1.4.11 non-text contrast and 2.4.13 focus appearance


def _focus_outline() -> tuple[str, str]:
    rules = dict(stylesheet_rules())
    outline = rules[":focus-visible"]["outline"]
    width, style, colour = outline.split(maxsplit=2)
    assert style == "solid"
    return width, colour


def _surfaces() -> dict[str, str]:
    found: dict[str, str] = {}
    for selector, declarations in stylesheet_rules():
        if re.search(r"button|\.primary|\.danger", selector):
            continue
        for name in ("background", "background-color"):
            value = declarations.get(name, "")
            match = re.match(r"(#[0-9a-fA-F]{3,6}|rgba?\([^)]*\))", value)
            if match:  # a selector given two backgrounds (print) keeps both
                key = selector if selector not in found else f"{selector} ({match.group(1)})"
                found[key] = match.group(1)
    return found


def test_focus_outline_is_at_least_3_to_1_against_every_surface() -> None:
    width, colour = _focus_outline()
    assert float(width.removesuffix("px")) >= 2
    surfaces = _surfaces()
    assert {"body", ".card", ".banner.review-now", ".notice", ".error-summary"} <= set(surfaces)
    weak = {
        selector: round(contrast(parse_colour(colour), parse_colour(background)), 2)
        for selector, background in surfaces.items()
        if contrast(parse_colour(colour), parse_colour(background)) < MINIMUM
    }
    assert weak == {}, f"focus outline {colour} is under {MINIMUM}:1 against {weak}"


def test_contrast_is_computed_as_wcag_defines_it() -> None:
    assert round(contrast(parse_colour("#000"), parse_colour("#fff")), 1) == 21.0
    assert round(contrast(parse_colour("#767676"), parse_colour("#ffffff")), 2) == 4.54
    assert contrast(parse_colour("#ffbf47"), parse_colour("#ffffff")) < 3  # the old outline
