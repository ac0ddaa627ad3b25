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
from urllib.parse import urlsplit

from bot.core.errors import Msg, TooLong, UserError
from bot.core.i18n import N_

# Bidi embeddings/overrides (U+202A-U+202E) and isolates (U+2066-U+2069); zero-width space, word
# joiner, BOM, soft hyphen, and other invisible format characters that are never needed; the tag
# characters (U+E0000-U+E007F, invisible; kept only inside the flags of England, Scotland and Wales);
# the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) and the braille blank (U+2800), which look
# like nothing and are used to fake empty names and texts; interlinear annotation (U+FFF9-U+FFFB).
_STRIP = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200B, 0x2060, 0xFEFF, 0x00AD, 0x180E, 0x2061, 0x2062,
     0x2063, 0x2064, *range(0xE0000, 0xE0080), 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, 0xFFF9, 0xFFFA,
     0xFFFB, 0x034F],
    None,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u3000]+")
# The line and paragraph separators break lines in some clients and not in others.
_LINE_SEPARATORS = re.compile("[\u2028\u2029\u0085]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A subdivision flag: black flag, two to six tag letters or digits, cancel tag.
_TAG_FLAG = re.compile("\U0001F3F4[\U000E0030-\U000E0039\U000E0061-\U000E007A]{2,6}\U000E007F")
_FLAG_MARK = "\ufdd0"  # a noncharacter: never typed, stands in for a flag while the rest is cleaned


def has_lone_surrogate(value: str) -> bool:
    """Whether `value` holds half of a UTF-16 pair (cannot be stored or sent as UTF-8)."""
    return _SURROGATE.search(value) is not None


def strip_surrogates(value: str) -> str:
    """`value` without lone surrogates (for searches, which cannot answer with a refusal)."""
    return _SURROGATE.sub("", value)


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
    if value and has_lone_surrogate(value):
        raise UserError(N_("There is a character in {field} that I cannot read. Please type it again without it."),
                        field=Msg(field))
    text = unicodedata.normalize("NFC", value or "").replace(_FLAG_MARK, "")
    flags = _TAG_FLAG.findall(text)
    text = _TAG_FLAG.sub(_FLAG_MARK, text).translate(_STRIP)
    text = _LINE_SEPARATORS.sub("\n", text.replace("\r\n", "\n").replace("\r", "\n")).replace("\t", " ")
    text = _CONTROL.sub("", text)
    if multiline:
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    else:
        text = _SPACES.sub(" ", text.replace("\n", " ")).strip()
    for flag in flags:
        text = text.replace(_FLAG_MARK, flag, 1)
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


# A masked link as Discord renders it: [text](https://host/path), the address optionally in <>.
_MASKED_LINK = re.compile(r"\[([^\[\]\n]{1,300})\]\(\s*<?(https?://[^\s()<>]+)>?\s*\)")


def link_host(url: str) -> str:
    """The host a link really leads to, as a reader should see it (look-alike letters in punycode)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host.encode("punycode").decode("ascii")


def reveal_link_hosts(text: str) -> str:
    """Every masked link followed by the host it leads to: `[Migrationsverket](https://x.example/)`
    reads "Migrationsverket (x.example)", so a look-alike address cannot hide behind a trusted name.
    A link whose text already is its host (or its address) is left as it is."""

    def show(match: re.Match[str]) -> str:
        label, url = match[1], match[2]
        host = link_host(url)
        if not host:
            return label
        bare = label.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
        if bare in (host, url.lower().removeprefix("https://").removeprefix("http://").rstrip("/")):
            return match[0]
        return f"{match[0]} ({host})"

    return _MASKED_LINK.sub(show, text)
