"""One registry of the places (channels, rooms) and staff groups every feature posts to.

A place is named once here, with the setting that stores the organizers' choice, the conventional
name a platform adapter falls back to when nothing is chosen, and the title shown in the setup.
Organizers' setup is the one writer (`PlaceRegistry.choose`); `PlaceRegistry.chosen` is the one
reader, and a platform adapter turns what it returns (or the fallback name) into its own place.
Staff groups (organizers, volunteers, coordinators, translators) are places too: on Discord a
channel only they can read, on Matrix a room whose members are the group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.i18n import N_
from bot.core.members import GuildConfig


@dataclass(frozen=True, slots=True)
class Place:
    """A place a feature uses. `key` is the stored setting; `legacy` keys are read when it is unset."""

    name: str
    key: str
    fallback: str
    title: str
    staff: bool = False
    legacy: tuple[str, ...] = ()


WELCOME = Place("welcome", "onboarding.welcome_channel", "welcome", N_("Welcome channel"))
START = Place("start", "onboarding.start_channel", "start-here", N_("Start channel"))
VOLUNTEERS = Place("volunteers", "onboarding.volunteers_channel", "volunteers", N_("Volunteers' channel"),
                   staff=True)
ORGANIZERS = Place("organizers", "onboarding.organizers_channel", "organizers", N_("Organizers' channel"),
                   staff=True, legacy=("events.organizers_channel",))
ANNOUNCEMENTS = Place("announcements", "events.announce_channel", "announcements", N_("Announcements channel"))
COORDINATORS = Place("coordinators", "mentoring.coordinators_channel", "coordinators", N_("Coordinators' channel"),
                     staff=True)
PAIRS = Place("pairs", "mentoring.pairs_channel", "general", N_("Channel of the mentoring pairs' private threads"))
TRANSLATORS = Place("translators", "faq.translators_channel", "translators", N_("Translators' channel"),
                    staff=True)

#: Every place any feature uses, in the order the setup shows them.
PLACES: tuple[Place, ...] = (WELCOME, START, VOLUNTEERS, ORGANIZERS, ANNOUNCEMENTS, COORDINATORS, PAIRS, TRANSLATORS)
BY_NAME: dict[str, Place] = {place.name: place for place in PLACES}


class PlaceRegistry:
    """Where each place is in a guild: what the organizers chose (platform ids as text)."""

    def __init__(self, guild_config: GuildConfig) -> None:
        self._config = guild_config

    async def chosen(self, guild_id: int, place: Place) -> str | None:
        """The platform id the organizers chose for `place`, or None (then the adapter uses the fallback name)."""
        for key in (place.key, *place.legacy):
            value = await self._config.get(guild_id, key)
            if value not in (None, ""):
                return str(value)
        return None

    async def choose(self, guild_id: int, choices: Mapping[Place, str], *,
                     also: Mapping[str, object] | None = None) -> None:
        """The one writer: store the organizers' choices (and other settings of the same setup) in one unit."""
        values: dict[str, object] = dict(also or {})
        for place, platform_id in choices.items():
            values[place.key] = _stored(platform_id)
        await self._config.set_many(guild_id, values)


def _stored(platform_id: str) -> object:
    """Discord's snowflakes were always stored as numbers; keep that so older readers agree."""
    return int(platform_id) if platform_id.isdigit() else platform_id
