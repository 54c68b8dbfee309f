"""WCAG 2 contrast of two colours, and the colours our stylesheet declares."""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[1] / "static" / "css" / "intake_ai.css"
RGB = tuple[float, float, float]


def parse_colour(text: str) -> RGB:
    """``#rgb``, ``#rrggbb`` or ``rgb(a)(r, g, b[, a])`` as 0-255 channels."""
    text = text.strip()
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
    match = re.fullmatch(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+).*\)", text)
    if not match:
        raise ValueError(f"not a colour: {text!r}")
    red, green, blue = (float(v) for v in match.groups())
    return (red, green, blue)


def _luminance(colour: RGB) -> float:
    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: RGB, two: RGB) -> float:
    """The WCAG contrast ratio, 1 to 21."""
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def stylesheet_rules(css: str | None = None) -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of every rule, ``var(--x)`` resolved from :root."""
    text = re.sub(r"/\*.*?\*/", "", css if css is not None else CSS.read_text(), flags=re.S)
    text = re.sub(r"@media[^{]*\{((?:[^{}]*\{[^{}]*\})*)\s*\}", r"\1", text)  # flatten
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        declarations = {}
        for part in body.split(";"):
            if ":" in part:
                name, value = part.split(":", 1)
                declarations[name.strip()] = value.strip()
        rules.append((selector.strip(), declarations))
    root = next(d for s, d in rules if s == ":root")

    def resolve(value: str) -> str:
        return re.sub(r"var\((--[\w-]+)\)", lambda m: resolve(root[m.group(1)]), value)

    return [(s, {k: resolve(v) for k, v in d.items()}) for s, d in rules]
