"""Member-typed text is cleaned before it is stored."""

from __future__ import annotations

import pytest

from bot.core.errors import TooLong, UserError
from bot.core.text import clean_text


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
