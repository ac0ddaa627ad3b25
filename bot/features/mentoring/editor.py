"""The state of the menu-based profile editor (`/mentor profile`), kept in the components' custom ids.

An editor is an ephemeral message with select menus and buttons. Everything chosen so far travels in
every component's custom id as a short text (bit masks over the fixed vocabularies), so a press after
a restart finds the same choices, and no draft is stored. The editor has two steps because Discord
allows five rows per message: (1) languages and help topics, (2) interests, availability, area and,
for mentors, capacity, with the save button.

Masks are positions in `SPOKEN_LANGUAGES`, `TOPICS`, `INTERESTS` and `AVAILABILITY`; the area is its
position (plus one; 0 for none) in the guild's list of areas. Plain Python (no Discord).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from bot.core.conversation import CommandRef
from bot.core.errors import UserError
from bot.core.i18n import N_, Items
from bot.features.mentoring.model import (
    AVAILABILITY,
    INTERESTS,
    MAX_CAPACITY,
    MENTOR,
    NEWCOMER,
    SPOKEN_LANGUAGES,
    TOPICS,
    Profile,
)

#: The levels the two language menus stand for; a language kept from a profile at level 2 stays 2.
WELL, GOOD, LITTLE = 3, 2, 1
#: Discord's limits for one message and one select menu.
MAX_ROWS, MAX_OPTIONS = 5, 25

STATE_PATTERN = r"[mn][12](?:\.[0-9a-f]{1,8}){6}\.\d{1,3}(?:~[0-9a-f]{2})?\.\d"
_STATE = re.compile(rf"^{STATE_PATTERN}$")


def area_check(name: str) -> int:
    """A one-byte fingerprint of an area's name: a draft holds the area's position in the guild's
    list, and the fingerprint tells when organizers changed the list under an open editor."""
    return zlib.crc32(name.casefold().encode("utf-8")) & 0xFF


def area_value(position: int, name: str) -> str:
    """The select-menu value of the area at `position` (1-based)."""
    return f"{position}~{area_check(name):02x}"


def _mask(codes: Iterable[str], vocabulary: Sequence[str]) -> int:
    known = list(vocabulary)
    out = 0
    for code in codes:
        if code in known:
            out |= 1 << known.index(code)
    return out


def _codes(mask: int, vocabulary: Sequence[str]) -> tuple[str, ...]:
    return tuple(code for i, code in enumerate(vocabulary) if mask >> i & 1)


@dataclass(frozen=True, slots=True)
class Draft:
    """What a member has chosen so far in the editor."""

    role: str
    step: int = 1
    well: int = 0
    little: int = 0
    kept_good: int = 0
    help: int = 0
    interests: int = 0
    availability: int = 0
    area: int = 0
    area_check: int = 0
    capacity: int = 1

    # ----- the custom-id form -----------------------------------------------------------------------
    def encode(self) -> str:
        """A short text for custom ids (at most about 60 characters)."""
        role = "m" if self.role == MENTOR else "n"
        masks = (self.well, self.little, self.kept_good, self.help, self.interests, self.availability)
        area = f"{self.area}~{self.area_check:02x}" if self.area else "0"
        return f"{role}{self.step}." + ".".join(f"{m:x}" for m in masks) + f".{area}.{self.capacity}"

    @classmethod
    def decode(cls, text: str) -> Draft:
        """The draft from `encode`'s text; a malformed one is refused politely."""
        if not _STATE.match(text):
            raise UserError(N_("This editor is out of date. Please open it again with {command}."),
                            command=CommandRef(("mentor", "profile")))
        head, *parts = text.split(".")
        masks = [int(p, 16) for p in parts[:6]]
        position, _, check = parts[6].partition("~")
        return cls(
            role=MENTOR if head[0] == "m" else NEWCOMER, step=int(head[1]),
            well=masks[0], little=masks[1], kept_good=masks[2], help=masks[3], interests=masks[4],
            availability=masks[5], area=int(position), area_check=int(check or "0", 16),
            capacity=min(max(int(parts[7]), 1), MAX_CAPACITY),
        )

    # ----- from and to profiles -----------------------------------------------------------------------
    @classmethod
    def from_profile(cls, role: str, profile: Profile | None, areas: Sequence[str]) -> Draft:
        """A draft prefilled from the member's profile of that role (empty without one)."""
        if profile is None:
            return cls(role=role)
        well = [c for c, lvl in profile.languages.items() if lvl >= GOOD]
        good = [c for c, lvl in profile.languages.items() if lvl == GOOD]
        little = [c for c, lvl in profile.languages.items() if lvl < GOOD]
        folded = {a.casefold(): i for i, a in enumerate(areas)}
        area = folded.get(profile.area.casefold(), -1) + 1 if profile.area else 0
        check = area_check(areas[area - 1]) if area else 0
        return cls(
            role=role, well=_mask(well, SPOKEN_LANGUAGES), little=_mask(little, SPOKEN_LANGUAGES),
            kept_good=_mask(good, SPOKEN_LANGUAGES), help=_mask(profile.help, TOPICS),
            interests=_mask(profile.interests, INTERESTS), availability=_mask(profile.availability, AVAILABILITY),
            area=area, area_check=check, capacity=min(max(profile.capacity, 1), MAX_CAPACITY),
        )

    def languages(self) -> dict[str, int]:
        """Code -> level: "well" wins over "a little"; a language the profile had at level 2 keeps it."""
        out = dict.fromkeys(_codes(self.little, SPOKEN_LANGUAGES), LITTLE)
        for code in _codes(self.well, SPOKEN_LANGUAGES):
            out[code] = GOOD if self.kept_good >> SPOKEN_LANGUAGES.index(code) & 1 else WELL
        return out

    def codes(self, field: str) -> tuple[str, ...]:
        """The chosen codes of one menu: well, little, help, interests or availability."""
        vocabulary = _VOCABULARIES[field]
        return _codes(getattr(self, field), vocabulary)

    def choose(self, field: str, values: Iterable[str]) -> Draft:
        """The draft with one menu's new choice (unknown values ignored)."""
        values = list(values)
        if field == "area":
            position, _, check = (values[0] if values else "").partition("~")
            if not position.isdigit() or len(check) != 2:
                return replace(self, area=0, area_check=0)
            return replace(self, area=int(position), area_check=int(check, 16))
        if field == "capacity":
            number = int(values[0]) if values and values[0].isdigit() else 1
            return replace(self, capacity=min(max(number, 1), MAX_CAPACITY))
        return replace(self, **{field: _mask(values, _VOCABULARIES[field])})

    def to_profile(self, user_id: int, areas: Sequence[str], existing: Profile | None) -> Profile:
        """The profile to save; at least one language and one help topic are required."""
        languages = self.languages()
        if not languages:
            raise UserError(N_("Please choose at least one language you speak."))
        help_ = self.codes("help")
        if not help_:
            raise UserError(N_("Please choose at least one help topic."))
        area: str | None = None
        if self.area:
            if self.area > len(areas) or area_check(areas[self.area - 1]) != self.area_check:
                raise UserError(N_("Please choose your part of the municipality from the list: {choices}."),
                                choices=Items(areas, "or"))
            area = areas[self.area - 1]
        return Profile(
            user_id, self.role, languages, help=help_, interests=self.codes("interests"), area=area,
            availability=self.codes("availability"), capacity=self.capacity if self.role == MENTOR else 1,
            paused_until=existing.paused_until if existing else None,
        )


_VOCABULARIES: dict[str, Sequence[str]] = {
    "well": SPOKEN_LANGUAGES, "little": SPOKEN_LANGUAGES, "help": TOPICS,
    "interests": tuple(INTERESTS), "availability": tuple(AVAILABILITY),
}
