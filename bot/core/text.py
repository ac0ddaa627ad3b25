"""Cleaning what members type before it is stored: one place for every free-text field.

Removes characters that can hide or reorder text for other readers (bidi overrides and isolates,
zero-width spaces, control characters), normalises to NFC, trims and collapses whitespace, and
enforces a length limit with a translated message. Keeps what languages need: the zero-width
non-joiner of Persian, the joiner of emoji sequences, and the left-to-right/right-to-left marks.
Rendering (escaping markdown and mentions) happens at the Discord edge, not here.
"""

from __future__ import annotations

import re
import unicodedata

from bot.core.errors import Msg, TooLong, UserError
from bot.core.i18n import N_

# Bidi embeddings/overrides (U+202A-U+202E) and isolates (U+2066-U+2069); zero-width space, word
# joiner, BOM, soft hyphen, and other invisible format characters that are never needed.
_STRIP = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x2060, 0xFEFF, 0x00AD, 0x180E, 0x2061, 0x2062,
     0x2063, 0x2064],
    None,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(
    value: str | None,
    *,
    limit: int,
    field: str = N_("this field"),
    multiline: bool = False,
    required: bool = True,
) -> str:
    """The cleaned text, or a polite `UserError`/`TooLong` naming the field (a msgid) and the limit."""
    text = unicodedata.normalize("NFC", value or "").translate(_STRIP)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("", text)
    if multiline:
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    else:
        text = _SPACES.sub(" ", text.replace("\n", " ")).strip()
    if not text:
        if required:
            raise UserError(N_("Please write something in {field}."), field=Msg(field))
        return ""
    if len(text) > limit:
        raise TooLong(
            N_("That is too long for {field}: at most {limit} characters, and this has {length}."),
            field=Msg(field), limit=limit, length=len(text),
        )
    return text
