"""The onboarding flow as a small state machine: steps, topics, funnel stages and areas.

Pure functions only; the service stores the state and the cog renders it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.capabilities import HELP_TOPICS
from bot.core.i18n import N_

LANGUAGE = "language"
CONSENT = "consent"
TOPICS = "topics"
AREA = "area"
MENTOR = "mentor"
DONE = "done"

#: The steps in order; `done` is the end.
STEPS: tuple[str, ...] = (LANGUAGE, CONSENT, TOPICS, AREA, MENTOR, DONE)

#: What each step is called on the "change" buttons and in stats.
STEP_TITLES: dict[str, str] = {
    LANGUAGE: N_("Language"),
    CONSENT: N_("Privacy choice"),
    TOPICS: N_("Help topics"),
    AREA: N_("Area"),
    MENTOR: N_("Mentor"),
    DONE: N_("Finished"),
}

#: The coarse help topics, as shown to members.
TOPIC_TITLES: dict[str, str] = {
    "work": N_("Work"),
    "housing": N_("Housing"),
    "swedish": N_("Swedish lessons (SFI)"),
    "school": N_("School and childcare"),
    "healthcare": N_("Healthcare"),
    "everyday": N_("Everyday life"),
    "social": N_("Meeting people"),
}

#: Villages and parts of Norsjö municipality offered when organizers set nothing else.
#: The last area choice, always offered (translated when shown).
AREA_OTHER = "other"
AREA_OTHER_TITLE = N_("Other / prefer not to say")

#: Funnel stages, in order; each member counts once per stage.
STAGES: tuple[str, ...] = ("joined", "started", "language", "consented", "declined", "topics", "area",
                           "mentor", "finished")
STAGE_TITLES: dict[str, str] = {
    "joined": N_("Joined"),
    "started": N_("Started the welcome"),
    "language": N_("Chose a language"),
    "consented": N_("Agreed to store answers"),
    "declined": N_("Did not agree to store answers"),
    "topics": N_("Answered help topics"),
    "area": N_("Answered area"),
    "mentor": N_("Answered mentor question"),
    "finished": N_("Finished"),
}
#: The stages that form the step-by-step funnel (drop-off is computed along these).
FUNNEL_PATH: tuple[str, ...] = ("joined", "started", "language", "topics", "area", "mentor", "finished")


class StepNotOpen(Exception):
    """An answer for a step the member has not reached yet."""


def stage_bit(stage: str) -> int:
    """The bit of a funnel stage in `reached`."""
    return 1 << STAGES.index(stage)


def next_step(step: str) -> str:
    """The step after `step` (`done` stays `done`)."""
    index = STEPS.index(step)
    return STEPS[min(index + 1, len(STEPS) - 1)]


def after_answer(answered: str, current: str, finished: bool) -> str:
    """Where the flow goes after the member answered `answered` while at `current`.

    A member who already finished returns to the end (they were changing an answer); an answer to
    the current step moves on; an answer to an earlier step (an old message) keeps the current
    step, so the flow resumes exactly where it stopped. Answers to later steps are refused.
    """
    if answered not in STEPS or answered == DONE:
        raise StepNotOpen(answered)
    if finished:
        return DONE
    if STEPS.index(answered) > STEPS.index(current):
        raise StepNotOpen(answered)
    if answered == current:
        return next_step(current)
    return current


def clean_topics(topics: Iterable[str]) -> list[str]:
    """Known topics only, in the canonical order, without repeats."""
    wanted = set(topics)
    return [topic for topic in HELP_TOPICS if topic in wanted]


def topics_to_bits(topics: Iterable[str]) -> int:
    """Topics as a small integer (used in custom ids, never stored)."""
    wanted = set(topics)
    return sum(1 << i for i, topic in enumerate(HELP_TOPICS) if topic in wanted)


def bits_to_topics(bits: int) -> list[str]:
    """The inverse of `topics_to_bits`."""
    return [topic for i, topic in enumerate(HELP_TOPICS) if bits & (1 << i)]


@dataclass(slots=True)
class MemberState:
    """One member's onboarding record in one guild."""

    guild_id: int
    user_id: int
    step: str = LANGUAGE
    consent: bool | None = None
    help_topics: list[str] = field(default_factory=list)
    area: str | None = None
    wants_mentor: bool | None = None
    joined_at: datetime | None = None
    pending: bool = False
    started_at: datetime | None = None
    finished_at: datetime | None = None
    left_at: datetime | None = None
    returning: bool = False
    card_message_id: int | None = None
    claimed_by: int | None = None

    @property
    def finished(self) -> bool:
        """Whether the member reached the end at least once."""
        return self.finished_at is not None
