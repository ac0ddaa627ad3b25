"""How installed features offer things to each other, without importing each other.

A feature publishes an object in `Services.capabilities` under its name when its extension loads;
another feature looks it up at the moment it needs it and behaves sensibly when it is absent.
The protocols below are the contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.conversation import Action, CommandRef

FAQ = "faq"
EVENTS = "events"
MENTORING = "mentoring"
ONBOARDING = "onboarding"

#: The coarse help topics a newcomer can ask about (onboarding) and a mentor can offer (mentoring).
HELP_TOPICS: tuple[str, ...] = (
    "work",
    "housing",
    "swedish",
    "school",
    "healthcare",
    "everyday",
    "social",
)


@dataclass(frozen=True, slots=True)
class LinkItem:
    """Something a checklist can point to: a FAQ entry or an upcoming event, already translated."""

    title: str
    #: The command that opens it, e.g. ("faq", "search") with {"query": "sfi"}; the adapter writes it its way.
    hint: CommandRef
    when: datetime | None = None
    #: The control that opens it for the member, privately and in their language (a FAQ entry:
    #: `faq:open:<slug>`); None when only the command leads there.
    action: Action | None = None


class FaqCapability(Protocol):
    """Published by the FAQ feature."""

    async def entries_for_topics(self, topics: list[str], language: str, limit: int = 5) -> list[LinkItem]:
        """FAQ entries matching onboarding help topics, titled in `language` (with fallback)."""
        ...


class EventsCapability(Protocol):
    """Published by the events feature."""

    async def upcoming(self, guild_id: int, language: str, limit: int = 3) -> list[LinkItem]:
        """The next events of the guild, titled in `language` (with fallback)."""
        ...


class MentoringCapability(Protocol):
    """Published by the mentoring feature."""

    async def request_from_onboarding(
        self,
        guild_id: int,
        user_id: int,
        languages: list[str],
        help_topics: list[str],
        area: str | None,
    ) -> bool:
        """Create (or refresh) a mentoring request for a newcomer who asked for a mentor. True if created."""
        ...
