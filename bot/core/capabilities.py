"""How installed features offer things to each other, without importing each other.

A feature publishes an object in `Services.capabilities` under its name when its extension loads;
another feature looks it up at the moment it needs it and behaves sensibly when it is absent.
The protocols below are the contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.core.conversation import Action, CommandRef
from bot.core.i18n import N_

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


#: The command a member runs to ask for a mentor themself.
ASK_FOR_MENTOR = CommandRef(("mentor", "request"))
#: What a mentor request keeps, for the consent step that asks for it (`{command}`: `mentor withdraw`).
MENTOR_REQUEST_KEEPS = N_("A mentor request keeps your languages, the help topics and the part of the "
                          "municipality you chose, until you withdraw it with {command}.")


@dataclass(frozen=True, slots=True)
class MentorConsent:
    """What a member agreed the bot may keep when another feature asks for a mentor on their behalf.

    `keep_request`: a mentor request (a mentoring profile with their languages) may be stored; the
    step that asked must have said so (`MENTOR_REQUEST_KEEPS`). `keep_answers`: their help topics
    and part of the municipality may go into it."""

    keep_request: bool
    keep_answers: bool

    @classmethod
    def of_onboarding(cls, consent: bool | None) -> MentorConsent:
        """Onboarding's consent step: "store my answers" covers the mentor request and its answers; "keep only
        my language" (or no answer) covers neither."""
        return cls(keep_request=bool(consent), keep_answers=bool(consent))


class MentorRequest(StrEnum):
    """The outcome of `request_from_onboarding`. True only when a request was created."""

    CREATED = "created"
    REFRESHED = "refreshed"          # the member already waited: their request was updated
    NOT_CONSENTED = "not_consented"  # nothing stored: the member's consent does not cover a mentor request
    NO_LANGUAGE = "no_language"      # nothing stored: none of the languages is one mentors list

    def __bool__(self) -> bool:
        return self is MentorRequest.CREATED


class MentoringCapability(Protocol):
    """Published by the mentoring feature."""

    async def request_from_onboarding(
        self,
        guild_id: int,
        user_id: int,
        languages: list[str],
        help_topics: list[str],
        area: str | None,
        consent: MentorConsent | None = None,
    ) -> MentorRequest:
        """Create (or refresh) a mentoring request for a newcomer who asked for a mentor.

        The contract: the caller passes what the member consented to (`consent`), and the capability
        verifies it before storing anything. Without `consent.keep_request` (or without `consent`) nothing
        is stored and the answer is `NOT_CONSENTED`: the caller then tells the member so, or asks again
        saying what a request keeps (`MENTOR_REQUEST_KEEPS`). Without `consent.keep_answers` only the
        languages are kept (help topics and area are dropped here, whatever the caller passed)."""
        ...
