"""Counting what a path through the pages costs the clinician: clicks and keystrokes.

Every interaction of a test goes through an ``Effort``: a click, check or select is one
click; typing text is one click (to focus) and one keystroke per character; a key press is
one keystroke. The figures are printed, so a run shows them beside the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Effort:
    page: Any
    clicks: int = 0
    keystrokes: int = 0
    log: list[str] = field(default_factory=list)

    def click(self, locator: Any) -> None:
        locator.click()
        self.clicks += 1

    def check(self, locator: Any) -> None:
        locator.check()
        self.clicks += 1

    def type(self, locator: Any, text: str) -> None:
        locator.fill(text)
        self.clicks += 1
        self.keystrokes += len(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keystrokes += 1

    def screens(self, selector: str) -> float:
        """How many viewport heights the element takes (how far one scrolls through it)."""
        height = self.page.locator(selector).evaluate("e => e.getBoundingClientRect().height")
        viewport = self.page.viewport_size["height"]
        return round(height / viewport, 1)

    def report(self, path: str) -> str:
        line = f"{path}: {_count(self.clicks, 'click')}, {_count(self.keystrokes, 'keystroke')}"
        self.log.append(line)
        return line


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
