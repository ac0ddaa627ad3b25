"""The event's entry in the platform's own calendar (Discord: a guild scheduled event), as a port.

What the entry should show is derived from the stored event (its next date, or nothing when it is
cancelled or over), so every update is idempotent. A platform without such a calendar has no
`Calendar` (the flows then skip the mirror).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Synced(StrEnum):
    """The outcome of bringing a calendar entry in line."""

    DONE = "done"
    RETRY = "retry"          # the platform failed or did not answer: try again later
    FORBIDDEN = "forbidden"  # the bot lacks the permission: organizers are told
    REFUSED = "refused"      # any other refusal (logged)


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """What the entry shows. `marker` ends its description, so an entry whose id was never stored (a crash
    came in between) is found again instead of made twice."""

    name: str
    description: str
    marker: str
    start: datetime
    end: datetime
    location: str


class Calendar(Protocol):
    """The platform's calendar of the community."""

    async def put(self, community: int, existing: str | None, entry: CalendarEntry) -> tuple[Synced, str | None]:
        """Create or update the entry (`existing`: its stored id); returns the outcome and the entry's id."""

    async def drop(self, community: int, existing: str) -> Synced:
        """Remove the entry (already gone is done)."""
