"""The personal-data register: every feature declares what it stores about a member.

`/privacy show` lists each section's summary, `/privacy export` gathers every section's data into
one JSON document, and `/privacy delete` removes all of it in one transaction. A feature that stores
anything about a member must register a section here, or its data is invisible to the member.

A section's `delete` runs inside that transaction, so it must not wake anything that reads the
database (the scheduler, a cache): what it planned is not committed yet and may still be rolled
back. Such work goes in `after_delete`, which runs once the transaction has committed, and never
when it rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.core.db import Database, Tx

log = logging.getLogger(__name__)

Exporter = Callable[[Tx, int], Awaitable[dict[str, Any] | list[Any] | None]]
Deleter = Callable[[Tx, int], Awaitable[None]]
AfterDelete = Callable[[int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PrivacySection:
    """What one feature stores about a member, and how to export and delete it.

    `title` and `description` are msgids (marked with `N_`) translated when shown. `after_delete`
    (optional) gets the member's id after the deletion has committed, e.g. to wake the scheduler for
    jobs `delete` planned; it is not called when the deletion rolled back.
    """

    key: str
    title: str
    description: str
    export: Exporter
    delete: Deleter
    after_delete: AfterDelete | None = None


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
        """Delete everything about the member in one transaction; returns the sections that had data.

        Each section's `after_delete` runs after the commit. The data is gone by then, so a failing
        hook is logged and does not fail the deletion (whatever it would have woken is durable and
        is picked up at the next start at the latest).
        """
        had = list((await self.export(user_id)).keys())
        sections = list(self._sections.values())  # the ones that deleted, even if one reloads meanwhile
        async with self._db.transaction() as tx:
            for section in sections:
                await section.delete(tx, user_id)
        for section in sections:
            if section.after_delete is None:
                continue
            try:
                await section.after_delete(user_id)
            except Exception:
                log.exception("privacy: the after-delete step of section %s failed", section.key)
        return had
