"""Events and free announcements on Discord: the `/event ...` and `/announce ...` declarations.

Everything else is written once in `bot.features.events`: the commands' handlers
(`commands.EventCommands`, declared in `services.commands`), the presses (RSVP, "in my language",
Save/Discard, "Post now"/"Skip", the series confirmation; routed by their custom ids, which are the
ids older posts carry), the posts, reminders and notices (`flows`, `posts`). This cog keeps what is
Discord's: the slash declarations with their descriptions and choices, autocomplete, acknowledging
slow commands, and the gateway's member-remove event.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.languages import LANGUAGES
from bot.edge.calendar import DiscordCalendar
from bot.edge.client import GUILD_ONLY, MultinationsBot
from bot.edge.commands import run_command
from bot.edge.conversation import DiscordConversation
from bot.edge.ui import ACKNOWLEDGES_WHEN_BUSY
from bot.features.events.flows import EventsFlows
from bot.features.events.service import EventsService
from bot.features.events.timeparse import format_local
from bot.features.install import Installed, install_events, uninstall_events

log = logging.getLogger(__name__)

REPEAT_CHOICES = [
    app_commands.Choice(name="once", value="none"),
    app_commands.Choice(name="weekly", value="weekly"),
    app_commands.Choice(name="every other week", value="biweekly"),
    app_commands.Choice(name="monthly (same weekday)", value="monthly"),
]
FOLD_CHOICES = [
    app_commands.Choice(name="first (summer time)", value="first"),
    app_commands.Choice(name="second (winter time)", value="second"),
]
#: Option descriptions used by several commands (translated through the command translator).
EVENT_OPTION = "The event's number (see /event list)"
ANNOUNCEMENT_OPTION = "The announcement's number (see /announce list)"
LANGUAGE_CHOICES = [app_commands.Choice(name=lang.native_name, value=code) for code, lang in LANGUAGES.items()]
#: The dates offered when cancelling one date: the next few, never years of them.
DATES_OFFERED = 10


class EventsCog(commands.Cog):
    """Events, RSVPs, reminders and free announcements."""

    def __init__(self, bot: MultinationsBot, feature: Installed) -> None:
        self.bot = bot
        self.feature = feature
        self.service: EventsService = feature.service
        self.flows: EventsFlows = feature.flows

    async def cog_load(self) -> None:
        """Start the flows and re-plan what has nothing pending (reconciliation at start)."""
        await self.feature.start()

    async def cog_unload(self) -> None:
        """Stop handling the job kinds (their rows stay planned)."""
        self.flows.stop()

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """A member who left holds no place at dates ahead: the waiting list moves up."""
        if not payload.user.bot:
            await self.service.member_left(payload.guild_id, payload.user.id)

    async def interaction_check(self, interaction: discord.Interaction[MultinationsBot]) -> bool:  # type: ignore[override]
        """Every command here needs the server: refuse direct messages before any option is read."""
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage  # answered politely by the one error path
        return True

    async def date_autocomplete(self, interaction: discord.Interaction[MultinationsBot],
                                current: str) -> list[app_commands.Choice[str]]:
        """The event's next few dates (as typed: 2026-12-24), filtered by what was typed."""
        event_id = getattr(interaction.namespace, "event", None)
        if not isinstance(event_id, int) or interaction.guild_id is None:
            return []
        event = await self.service.event(event_id)
        if event is None or event.guild_id != interaction.guild_id:
            return []
        t = await self.bot.translator_for(interaction)
        upcoming = await self.service.next_occurrences(event, limit=DATES_OFFERED * 3)
        found = []
        for occ in upcoming:
            value = format_local(occ.local)[:10]
            name = f"{t.date(occ.at, 'full')}, {t.time(occ.at)}"
            if current.strip().lower() in (value + " " + name).lower():
                found.append(app_commands.Choice(name=name[:100], value=value))
        return found[:DATES_OFFERED]

    # ----- /event --------------------------------------------------------------------------------
    event = app_commands.Group(name="event", description="Events: plan, join and follow them",
                              guild_only=True, allowed_contexts=GUILD_ONLY)

    @event.command(name="create", description="Plan an event (organizers)")
    @app_commands.describe(
        date="Date in Norsjö, e.g. 2026-12-24 or 24.12.2026",
        time="Start time in Norsjö, e.g. 18:00",
        duration="Length in minutes",
        repeat="Repeat the event",
        until="Last date of the repetition",
        announce_days="Announce this many days before (0: the same day)",
        announce_at="Time of the announcement, e.g. 18:00",
        reminders="Reminders before the start, e.g. 24h, 1h",
        fold="Only on the night the clocks go back: which 02:00-02:59",
        mirror="Also create a Discord event",
        title="Title of the event",
        place="Where it takes place, e.g. the library",
        description="What happens, for whom, what to bring",
        capacity="Most people who can come (empty: no limit)",
        channel="Channel for the announcements (empty: #announcements)",
        language="Language of the title and description",
    )
    @app_commands.choices(repeat=REPEAT_CHOICES, fold=FOLD_CHOICES, language=LANGUAGE_CHOICES)
    async def event_create(
        self, interaction: discord.Interaction[MultinationsBot], title: str, date: str, time: str,
        duration: app_commands.Range[int, 5, 1440] = 90, place: str = "", description: str = "",
        capacity: app_commands.Range[int, 1, 10000] | None = None, repeat: str = "none", until: str | None = None,
        channel: discord.TextChannel | None = None, announce_days: app_commands.Range[int, 0, 30] = 1,
        announce_at: str = "18:00", reminders: str = "24h, 1h", language: str | None = None,
        fold: str | None = None, mirror: bool = False,
    ) -> None:
        """Check the form and show a preview with the next dates; "Save" makes it real."""
        await run_command(interaction, ("event", "create"), title=title, date=date, time=time, duration=duration,
                          place=place, description=description, capacity=capacity, repeat=repeat, until=until,
                          channel=str(channel.id) if channel else None, announce_days=announce_days,
                          announce_at=announce_at, reminders=reminders, language=language, fold=fold, mirror=mirror)

    @event.command(name="list", description="The next events", extras={ACKNOWLEDGES_WHEN_BUSY: True})
    async def event_list(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """The guild's next occurrences, in the member's language."""
        await run_command(interaction, ("event", "list"))

    @event.command(name="show", description="One event in your language")
    @app_commands.describe(event=EVENT_OPTION)
    async def event_show(self, interaction: discord.Interaction[MultinationsBot], event: int) -> None:
        """An event's next date and details."""
        await run_command(interaction, ("event", "show"), event=event)

    @event.command(name="edit", description="Change an event (organizers)")
    @app_commands.describe(
        event=EVENT_OPTION, title="Title of the event",
        description="What happens, for whom, what to bring",
        place="Where it takes place, e.g. the library", date="Date in Norsjö, e.g. 2026-12-24 or 24.12.2026",
        time="Start time in Norsjö, e.g. 18:00", duration="Length in minutes",
        capacity="New number of places (0: no limit)",
        fold="Only on the night the clocks go back: which 02:00-02:59",
    )
    @app_commands.choices(fold=FOLD_CHOICES)
    async def event_edit(
        self, interaction: discord.Interaction[MultinationsBot], event: int, title: str | None = None,
        description: str | None = None, place: str | None = None, date: str | None = None,
        time: str | None = None, duration: app_commands.Range[int, 5, 1440] | None = None,
        capacity: app_commands.Range[int, 0, 10000] | None = None, fold: str | None = None,
    ) -> None:
        """Save the change, then update every posted announcement of dates still ahead."""
        await run_command(interaction, ("event", "edit"), event=event, title=title, description=description,
                          place=place, date=date, time=time, duration=duration, capacity=capacity, fold=fold)

    @event.command(name="cancel", description="Cancel an event or one of its dates (organizers)")
    @app_commands.describe(event=EVENT_OPTION,
                           date="Only this date, e.g. 2026-12-24 (leave empty to cancel the whole event)")
    async def event_cancel(self, interaction: discord.Interaction[MultinationsBot], event: int,
                           date: str | None = None) -> None:
        """Cancel one date, or (after a confirmation for a repeating event) the whole event."""
        await run_command(interaction, ("event", "cancel"), event=event, date=date)

    event_cancel.autocomplete("date")(date_autocomplete)

    @event.command(name="translate", description="Title and description in another language (organizers)")
    @app_commands.describe(event=EVENT_OPTION, language="Language of this text", title="Title in that language",
                           description="Description in that language")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def event_translate(self, interaction: discord.Interaction[MultinationsBot], event: int, language: str,
                              title: str, description: str = "") -> None:
        """Store a translation; members reading that language see it."""
        await run_command(interaction, ("event", "translate"), event=event, language=language, title=title,
                          description=description)

    @event.command(name="attendees", description="Who answered (organizers)")
    @app_commands.describe(event=EVENT_OPTION,
                           date="Which date, e.g. 2026-12-24 (empty: the next one)")
    async def event_attendees(self, interaction: discord.Interaction[MultinationsBot], event: int,
                              date: str | None = None) -> None:
        """Going, maybe, can't and the waiting list for the next (or a given) date."""
        await run_command(interaction, ("event", "attendees"), event=event, date=date)

    event_attendees.autocomplete("date")(date_autocomplete)

    @event.command(name="mine", description="Events you answered")
    async def event_mine(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """The member's upcoming answers."""
        await run_command(interaction, ("event", "mine"))

    @event.command(name="calendar", description="A calendar file (.ics) for one event or for all")
    @app_commands.describe(event="Only this event (empty: all events)")
    async def event_calendar(self, interaction: discord.Interaction[MultinationsBot], event: int | None = None) -> None:
        """An .ics file in the member's language, times in the configured zone."""
        await run_command(interaction, ("event", "calendar"), event=event)

    @event.command(name="reminders", description="Turn reminders for your events on or off")
    @app_commands.describe(enabled="On or off")
    async def event_reminders(self, interaction: discord.Interaction[MultinationsBot], enabled: bool) -> None:
        """The member's own reminder setting."""
        await run_command(interaction, ("event", "reminders"), enabled=enabled)

    # ----- /announce -----------------------------------------------------------------------------
    announce = app_commands.Group(name="announce", description="Free announcements (organizers)",
                                 guild_only=True, allowed_contexts=GUILD_ONLY)

    @announce.command(name="schedule", description="Post a text in a channel at a time, once or repeating")
    @app_commands.describe(text="The text (write \\n for a new line)", date="Date, e.g. 2026-12-24",
                           time="Time in Norsjö, e.g. 18:00", channel="Channel to post in",
                           language="Language of this text", repeat="Repeat the announcement",
                           until="Last date of the repetition",
                           fold="Only on the night the clocks go back: which 02:00-02:59")
    @app_commands.choices(repeat=REPEAT_CHOICES, fold=FOLD_CHOICES, language=LANGUAGE_CHOICES)
    async def announce_schedule(
        self, interaction: discord.Interaction[MultinationsBot], channel: discord.TextChannel, date: str, time: str,
        text: str, language: str | None = None, repeat: str = "none", until: str | None = None,
        fold: str | None = None,
    ) -> None:
        """Plan the announcement; more languages with /announce translate."""
        await run_command(interaction, ("announce", "schedule"), channel=str(channel.id), date=date, time=time,
                          text=text, language=language, repeat=repeat, until=until, fold=fold)

    @announce.command(name="translate", description="Add the announcement's text in another language")
    @app_commands.describe(announcement=ANNOUNCEMENT_OPTION,
                           language="Language of this text", text="The text (write \\n for a new line)")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def announce_translate(self, interaction: discord.Interaction[MultinationsBot], announcement: int,
                                 language: str, text: str) -> None:
        """Another language in the same post."""
        await run_command(interaction, ("announce", "translate"), announcement=announcement, language=language,
                          text=text)

    @announce.command(name="list", description="Planned announcements")
    async def announce_list(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Active announcements with their next time."""
        await run_command(interaction, ("announce", "list"))

    @announce.command(name="preview", description="See an announcement as it will be posted")
    @app_commands.describe(announcement=ANNOUNCEMENT_OPTION)
    async def announce_preview(self, interaction: discord.Interaction[MultinationsBot], announcement: int) -> None:
        """The post, privately."""
        await run_command(interaction, ("announce", "preview"), announcement=announcement)

    @announce.command(name="cancel", description="Stop a planned announcement")
    @app_commands.describe(announcement=ANNOUNCEMENT_OPTION)
    async def announce_cancel(self, interaction: discord.Interaction[MultinationsBot], announcement: int) -> None:
        """Nothing more is posted."""
        await run_command(interaction, ("announce", "cancel"), announcement=announcement)


async def setup(bot: MultinationsBot) -> None:
    """Extension entry point: the service, its privacy section, the capability, the cog."""
    await bot.add_cog(EventsCog(bot, install_events(bot.services, DiscordConversation(bot), DiscordCalendar(bot))))


async def teardown(bot: MultinationsBot) -> None:
    """Extension exit point."""
    uninstall_events(bot.services)


__all__: list[Any] = ["EventsCog", "setup", "teardown"]
