"""The personal-data register: every feature declares what it stores about a member.

`/privacy show` lists each section's summary, `/privacy export` gathers every section's data into
one JSON document, and `/privacy delete` removes all of it in one transaction. A feature that stores
anything about a member must register a section here, or its data is invisible to the member.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.core.db import Database, Tx

Exporter = Callable[[Tx, int], Awaitable[dict[str, Any] | list[Any] | None]]
Deleter = Callable[[Tx, int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PrivacySection:
    """What one feature stores about a member, and how to export and delete it.

    `title` and `description` are msgids (marked with `N_`) translated when shown.
    """

    key: str
    title: str
    description: str
    export: Exporter
    delete: Deleter


class PrivacyRegistry:
    """Collects the sections; the `/privacy` commands read and act through it."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._sections: dict[str, PrivacySection] = {}

    def register(self, section: PrivacySection) -> None:
        """Add (or replace, when an extension reloads) a feature's section."""
        self._sections[section.key] = section

    def unregister(self, key: str) -> None:
        """Remove a section (its extension was unloaded)."""
        self._sections.pop(key, None)

    @property
    def sections(self) -> list[PrivacySection]:
        """The registered sections, in registration order."""
        return list(self._sections.values())

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything stored about the member, per section (empty sections left out)."""
        result: dict[str, Any] = {}
        async with self._db.read() as tx:
            for section in self._sections.values():
                data = await section.export(tx, user_id)
                if data:
                    result[section.key] = data
        return result

    async def delete(self, user_id: int) -> list[str]:
        """Delete everything about the member in one transaction; returns the sections that had data."""
        had = list((await self.export(user_id)).keys())
        async with self._db.transaction() as tx:
            for section in self._sections.values():
                await section.delete(tx, user_id)
        return had
