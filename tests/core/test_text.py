"""Member-typed text is cleaned before it is stored."""

from __future__ import annotations

import pytest

from bot.core.errors import QUOTE_LIMIT, Msg, TooLong, UserError, Verbatim
from bot.core.text import clean_text, reveal_link_hosts


def test_bidi_overrides_and_zero_width_characters_are_removed() -> None:
    assert clean_text("Lang\u202euage\u200b café\u2066", limit=100) == "Language café"


def test_what_languages_need_is_kept() -> None:
    persian = "می\u200cخواهم"  # the zero-width non-joiner is part of Persian spelling
    assert clean_text(persian, limit=100) == persian
    family = "👨\u200d👩\u200d👧"
    assert clean_text(family, limit=100) == family
    assert clean_text("مرحبا Amal ٣", limit=100) == "مرحبا Amal ٣"


def test_whitespace_is_collapsed_and_empty_text_is_refused() -> None:
    assert clean_text("  a \t  b\n c ", limit=100) == "a b c"
    assert clean_text("a\n\n\n\nb  c", limit=100, multiline=True) == "a\n\nb c"
    for empty in ("", "   ", "\u200b\u202e", None):
        with pytest.raises(UserError):
            clean_text(empty, limit=100)
    assert clean_text(" ", limit=100, required=False) == ""


def test_too_long_text_says_the_limit() -> None:
    with pytest.raises(TooLong) as caught:
        clean_text("x" * 10_000, limit=100)
    assert caught.value.values["limit"] == 100
    assert caught.value.values["length"] == 10_000


def test_control_characters_are_dropped() -> None:
    assert clean_text("a\x00b\x1bc\x7f", limit=10) == "abc"


def test_invisible_tags_fillers_and_line_separators_are_removed() -> None:
    assert clean_text("Sp\U000e0041\U000e0042råk\u3164café\u115f\uffa0\u2800", limit=100) == "Språkcafé"
    assert clean_text("\u3164", limit=100, required=False) == ""
    assert clean_text("one\u2028two\u2029three", limit=100) == "one two three"
    assert clean_text("one\u2028two", limit=100, multiline=True) == "one\ntwo"


def test_the_flags_of_england_scotland_and_wales_keep_their_tags() -> None:
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    assert clean_text(f"From {england} Leeds", limit=100) == f"From {england} Leeds"


def test_a_lone_surrogate_is_refused_politely() -> None:
    with pytest.raises(UserError) as caught:
        clean_text("caf\ud800e", limit=100, field="the title")
    assert caught.value.values["field"] == "the title"
    assert not isinstance(caught.value, TooLong)


def test_a_refusal_quotes_at_most_a_short_piece_of_the_input() -> None:
    error = UserError("I could not read the date {text}.", text="9" * 5000)
    assert len(error.values["text"]) <= QUOTE_LIMIT and error.values["text"].endswith("…")
    assert UserError("x {field}", field=Msg("the title")).values["field"] == "the title"
    assert UserError("x {n}", n=5000).values["n"] == 5000


def test_masked_links_show_the_host_they_lead_to() -> None:
    text = "Apply at [Migrationsverket](https://migrationsverket.se.evil.example/login)."
    assert reveal_link_hosts(text) == (
        "Apply at [Migrationsverket](https://migrationsverket.se.evil.example/login) "
        "(migrationsverket.se.evil.example)."
    )
    # Look-alike letters are shown as what the address really is.
    assert "(xn--" in reveal_link_hosts("[Skatteverket](https://skatteverкet.se/)")
    # A link that already reads as its host, and plain links, stay as they are.
    plain = "See [skatteverket.se](https://skatteverket.se/id) or https://www.1177.se"
    assert reveal_link_hosts(plain) == plain


def test_the_bots_own_lists_in_a_refusal_are_repeated_in_full() -> None:
    choices = ", ".join(f"Area number {n}" for n in range(20))
    assert UserError("Choose from: {choices}.", choices=Verbatim(choices)).values["choices"] == choices
