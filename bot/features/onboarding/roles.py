"""Which labels (Discord roles, Matrix power or tags) a member who finished the welcome should hold.

Policy only: the platform adapter turns each `Label` (`bot.core.conversation`) into its own role through
`Conversation.relabel`, falling back to the conventional name when organizers chose none (`newcomer`,
`lang-<code>`, `help-<topic>`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.core.capabilities import HELP_TOPICS
from bot.core.conversation import Label
from bot.core.languages import LANGUAGES

__all__ = ["Label", "LabelChoices", "unwanted", "wanted"]


@dataclass(frozen=True, slots=True)
class LabelChoices:
    """What organizers chose in the setup: the newcomer label and own labels per language or topic."""

    newcomer: Any = None
    languages: Mapping[str, Any] = field(default_factory=dict)
    topics: Mapping[str, Any] = field(default_factory=dict)

    def _label(self, chosen: Any, fallback: str) -> Label:
        return Label(str(chosen) if chosen else None, fallback)

    def language(self, code: str) -> Label:
        """The label of a language."""
        return self._label(self.languages.get(code), f"lang-{code}")

    def topic(self, topic: str) -> Label:
        """The label of a help topic."""
        return self._label(self.topics.get(topic), f"help-{topic}")


def wanted(choices: LabelChoices, language: str, topics: Sequence[str]) -> list[Label]:
    """Newcomer, the member's language and each chosen help topic."""
    return [choices._label(choices.newcomer, "newcomer"), choices.language(language),
            *(choices.topic(topic) for topic in topics)]


def unwanted(choices: LabelChoices, language: str, *, prune_help: bool) -> list[Label]:
    """Labels to take away if held: other languages' and, when the whole set of topics is known
    (`prune_help`), every help topic's (the caller keeps those also wanted)."""
    out = [choices.language(code) for code in LANGUAGES if code != language]
    if prune_help:
        out += [choices.topic(topic) for topic in HELP_TOPICS]
    return out
