"""Slicing a long list into numbered pages for a table on a page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    pages: int
    #: Position (from 1) of the first item shown, and how many there are in all.
    first: int
    total: int

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1


def page_of(items: Sequence[T], size: int, requested: int | None) -> Page[T]:
    """Page ``requested`` (from 1) of ``items``; missing or past the end: the first or last."""
    size = max(1, size)
    pages = max(1, -(-len(items) // size))
    number = min(max(requested or 1, 1), pages)
    start = (number - 1) * size
    return Page(items[start : start + size], number, pages, start + 1, len(items))
