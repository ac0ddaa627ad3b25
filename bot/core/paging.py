"""Pages of long lists: a page number kept in a button's custom id is all a "Next" press needs.

Plain Python, shared by every feature: `page_of` cuts a list into pages of a fixed size; `pack`
fills pages with rendered blocks up to a character limit (for messages that must stay within a
platform's length limit). A page number out of range (an old button after the list shrank) is
clamped to the nearest page, so an old "Next" never fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: its items, its number (from 0) and how many pages there are."""

    items: list[T]
    number: int
    count: int
    total: int

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 0

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number < self.count - 1


def page_of(items: Sequence[T], number: int, size: int) -> Page[T]:
    """Page `number` (clamped) of `items`, `size` per page; an empty list has one empty page."""
    count = max(1, -(-len(items) // size))
    number = min(max(number, 0), count - 1)
    return Page(list(items[number * size:(number + 1) * size]), number, count, len(items))


def pack(blocks: Sequence[str], limit: int, separator: str = "\n") -> list[list[int]]:
    """The indexes of `blocks` per page, in order, each page's blocks joined within `limit`
    characters. A block longer than `limit` gets a page of its own (the caller clips it)."""
    pages: list[list[int]] = [[]]
    used = 0
    for index, block in enumerate(blocks):
        size = len(block) + (len(separator) if pages[-1] else 0)
        if pages[-1] and used + size > limit:
            pages.append([])
            size, used = len(block), 0
        pages[-1].append(index)
        used += size
    return pages
