"""Which labels a member who finished the welcome should hold (policy, no platform)."""

from __future__ import annotations

from bot.core.capabilities import HELP_TOPICS
from bot.core.languages import LANGUAGES
from bot.features.onboarding.roles import Label, LabelChoices, unwanted, wanted


def test_a_newcomer_holds_newcomer_their_language_and_their_topics_with_chosen_ids_first() -> None:
    choices = LabelChoices(newcomer=11, languages={"ar": 22}, topics={"housing": 33})
    assert wanted(choices, "ar", ["housing", "work"]) == [
        Label("11", "newcomer"), Label("22", "lang-ar"), Label("33", "help-housing"), Label(None, "help-work")]


def test_other_languages_go_and_topics_only_when_the_whole_set_is_known() -> None:
    choices = LabelChoices()
    assert {label.name for label in unwanted(choices, "sv", prune_help=False)} == {
        f"lang-{code}" for code in LANGUAGES if code != "sv"}
    pruned = {label.name for label in unwanted(choices, "sv", prune_help=True)}
    assert {f"help-{topic}" for topic in HELP_TOPICS} <= pruned and "lang-sv" not in pruned
