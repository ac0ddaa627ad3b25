"""Reading the member's own words for the listed choices, in any of the bot's languages."""

from __future__ import annotations

import pytest

from bot.core.errors import UserError
from bot.core.i18n import Catalogs
from bot.core.languages import CATALOGS
from bot.features.mentoring.model import AVAILABILITY, INTERESTS, TOPIC_LABELS, TOPICS
from bot.features.mentoring.words import fold, vocabulary_of


@pytest.fixture(scope="module")
def interests(catalogs: Catalogs):
    return vocabulary_of(INTERESTS, INTERESTS.get, [catalogs.translator(c) for c in CATALOGS])


def test_codes_labels_in_any_language_and_everyday_words_are_read(interests, catalogs: Catalogs) -> None:
    en = catalogs.translator("en")
    assert interests.read("football, music", "interests", en) == ("football", "music")
    assert interests.read("fotboll", "interests", en) == ("football",)
    assert interests.read("Kubbadda Cagta iyo muusig", "interests", en) == ("football", "music")
    assert interests.read("كرة القدم وموسيقى", "interests", en) == ("football", "music")
    assert interests.read("ሙዚቃ", "interests", en) == ("music",)
    # Every catalog's own label for an interest is read back as that interest.
    for code in CATALOGS:
        label = catalogs.translator(code)._(INTERESTS["cooking"])
        assert interests.read(label, "interests", en) == ("cooking",), code


def test_case_accents_and_arabic_letter_variants_do_not_matter() -> None:
    assert fold("LÄSNING") == fold("lasning")
    assert fold("مدرسة") == fold("مدرسه")
    assert fold("كُرة  القَدم") == fold("كرة القدم")


def test_repeats_are_dropped_and_order_kept(interests, catalogs: Catalogs) -> None:
    en = catalogs.translator("en")
    assert interests.read("music; football, musik", "interests", en) == ("music", "football")
    assert interests.read("", "interests", en) == ()


def test_an_unknown_word_is_refused_naming_the_choices_in_the_readers_language(interests,
                                                                             catalogs: Catalogs) -> None:
    so = catalogs.translator("so")
    with pytest.raises(UserError) as refused:
        interests.read("football, dayuurad", "interests", so)
    assert refused.value.values["value"] == "dayuurad"
    assert so._(INTERESTS["football"]) in refused.value.values["choices"]


def test_topics_and_times_have_words_in_the_newcomers_languages(catalogs: Catalogs) -> None:
    translators = [catalogs.translator(c) for c in CATALOGS]
    topics = vocabulary_of(TOPICS, TOPIC_LABELS.get, translators)
    times = vocabulary_of(AVAILABILITY, AVAILABILITY.get, translators)
    en = catalogs.translator("en")
    assert topics.read("shaqo, ስራሕ, عمل, arbete, робота", "help topics", en) == ("work",)
    assert topics.read("guri, سكن", "help topics", en) == ("housing",)
    assert times.read("fiidkii, helger", "availability", en) == ("evenings", "weekends")
