"""Events and free announcements on Discord: `/event ...`, `/announce ...`, RSVP buttons, the posts.

Thin glue over `bot.features.events.service.EventsService`: resolve the language, call the service,
render, respond. Scheduled posts and reminders are `services.jobs` rows; their handlers here send
with a deterministic nonce (`enforce_nonce`) and store the message id, so a crash between claim and
send, or a re-run at start, never posts twice. A missing channel or permission and a post missed
during downtime are reported to the organizers' channel with "Post now" / "Skip" buttons.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.core import capabilities, places
from bot.core.access import Capability
from bot.core.conversation import Delivery
from bot.core.errors import UserError
from bot.core.i18n import FSI, N_, PDI, Translator
from bot.core.jobs import Job, RetryLater
from bot.core.languages import LANGUAGES
from bot.edge.checks import require, require_guild
from bot.edge.client import GUILD_ONLY, MultinationsBot
from bot.edge.conversation import DiscordConversation
from bot.edge.errors import guarded
from bot.edge.places import place_channel_id
from bot.edge.ui import EMBED_DESCRIPTION_LIMIT, acknowledge_if_busy, clip, respond, user_text
from bot.features.events import planning
from bot.features.events.flows import EventsFlows
from bot.features.events.recurrence import Occurrence
from bot.features.events.repository import Event, Post
from bot.features.events.service import (
    Counts,
    EventChanges,
    EventDraft,
    EventsService,
    parse_fold,
)
from bot.features.events.timeparse import format_local, parse_date

log = logging.getLogger(__name__)

#: A post that meets Discord errors is tried this many times (a minute apart), then organizers are asked.
POST_ATTEMPTS = 8
#: A mirror update Discord did not take is tried this many times, waiting longer each time (about 8 hours).
MIRROR_ATTEMPTS = 12
#: No answer from Discord at all (a timeout, a dropped connection): tried again like a 5xx.
UNREACHABLE = (asyncio.TimeoutError, aiohttp.ClientError, OSError)

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

STATUS_TEXT = {
    "going": N_("Going"),
    "maybe": N_("Maybe"),
    "cant": N_("Can't"),
    "waiting": N_("Waiting list"),
}


class PostUndeliverable(Exception):
    """The channel is gone or the bot may not post there; the organizers were told."""


def _service(interaction: discord.Interaction[Any]) -> EventsService:
    return interaction.client.services.capabilities[capabilities.EVENTS]  # type: ignore[no-any-return]


def _cog(interaction: discord.Interaction[Any]) -> EventsCog:
    cog = interaction.client.get_cog("EventsCog")
    assert isinstance(cog, EventsCog)
    return cog


def when_text(t: Translator, at: datetime, duration_minutes: int) -> tuple[str, str]:
    """(Discord timestamps shown in each reader's own zone, the Norsjö time line in `t`'s language)."""
    unix = int(at.timestamp())
    end = at + timedelta(minutes=duration_minutes)
    local = t.when(at, end)
    return f"<t:{unix}:F> (<t:{unix}:R>)", t._("Norsjö time: {when}", when=local)


def event_embed(t: Translator, event: Event, title: str, description: str, occ: Occurrence, counts: Counts | None,
                *, late: bool = False, cancelled: bool = False) -> discord.Embed:
    """The announcement of one occurrence in one language."""
    title, description = user_text(title), user_text(description)
    heading = t._("Cancelled: {title}", title=title) if cancelled else title
    embed = discord.Embed(title=clip(heading, 256), description=clip(description, EMBED_DESCRIPTION_LIMIT) or None)
    stamps, local = when_text(t, occ.at, event.duration_minutes)
    embed.add_field(name=t._("When"), value=f"{stamps}\n{local}", inline=False)
    if event.place:
        embed.add_field(name=t._("Where"), value=clip(user_text(event.place), 1024), inline=False)
    if event.capacity is not None and counts is not None:
        free = max(event.capacity - counts.going, 0)
        value = t.n_("{n} place left", "{n} places left", free)
        if counts.waiting:
            value += "\n" + t.n_("{n} person on the waiting list", "{n} people on the waiting list", counts.waiting)
        embed.add_field(name=t._("Places"), value=value, inline=False)
    footer = t._("Event {id}", id=event.id)
    if late:
        footer += " · " + t._("Posted late: the bot was offline at the planned time.")
    embed.set_footer(text=footer)
    return embed


class RsvpButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"events:rsvp:(?P<post>\d+):(?P<choice>going|maybe|cant)"):
    """Going / Maybe / Can't on an announcement; works on old messages and after restarts."""

    def __init__(self, post_id: int, choice: str, label: str = "", count: int = 0) -> None:
        style = {"going": discord.ButtonStyle.success, "maybe": discord.ButtonStyle.secondary,
                 "cant": discord.ButtonStyle.secondary}[choice]
        super().__init__(discord.ui.Button(label=f"{label or choice} · {count}", style=style,
                                           custom_id=f"events:rsvp:{post_id}:{choice}"))
        self.post_id = post_id
        self.choice = choice

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> RsvpButton:
        """Rebuild from the custom id."""
        return cls(int(match["post"]), match["choice"])

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Record the answer, refresh the counts on the post, confirm privately."""
        await _cog(interaction).on_rsvp(interaction, self.post_id, self.choice)


class ShowButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"events:show:(?P<post>\d+)"):
    """"In my language": the announcement again, privately, in the presser's language."""

    def __init__(self, post_id: int, label: str = "🌐") -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.primary,
                                           custom_id=f"events:show:{post_id}"))
        self.post_id = post_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> ShowButton:
        """Rebuild from the custom id."""
        return cls(int(match["post"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Show the event privately in the member's language."""
        await _cog(interaction).on_show(interaction, self.post_id)


class DraftButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                  template=r"events:(?P<action>save|discard):(?P<event>\d+)"):
    """Save or discard a previewed event; only its organizer may."""

    def __init__(self, event_id: int, action: str, label: str = "") -> None:
        style = discord.ButtonStyle.success if action == "save" else discord.ButtonStyle.secondary
        super().__init__(discord.ui.Button(label=label or action, style=style,
                                           custom_id=f"events:{action}:{event_id}"))
        self.event_id = event_id
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> DraftButton:
        """Rebuild from the custom id."""
        return cls(int(match["event"]), match["action"])

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Save (plan the posts) or discard the draft."""
        await _cog(interaction).on_draft(interaction, self.event_id, self.action)


class LateButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"events:late:(?P<action>now|skip):(?P<key>[a-z]+:\d+:[a-z]+:(?:\d+:)?\d{12})"):
    """"Post now" / "Skip" under a note to organizers about a missed or undeliverable post."""

    def __init__(self, key: str, action: str, label: str = "") -> None:
        style = discord.ButtonStyle.primary if action == "now" else discord.ButtonStyle.secondary
        super().__init__(discord.ui.Button(label=label or action, style=style,
                                           custom_id=f"events:late:{action}:{key}"))
        self.key = key
        self.action = action

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> LateButton:
        """Rebuild from the custom id."""
        return cls(match["key"], match["action"])

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Organizers only: plan the post again now, or leave it unsent."""
        guild_id = require(interaction, Capability.ORGANIZER)
        service = _service(interaction)
        t = await interaction.client.translator_for(interaction)
        if self.action == "now":
            done = await service.retry_now(self.key, guild_id)
            text = t._("Posting it now.") if done else t._("This was already handled.")
        else:
            done = await service.skip_missed(self.key, guild_id)
            text = t._("Skipped: it will not be posted.") if done else t._("This was already handled.")
        await interaction.response.edit_message(view=None)
        await respond(interaction, text)


class EventsCog(commands.Cog):
    """Events, RSVPs, reminders and free announcements."""

    def __init__(self, bot: MultinationsBot, service: EventsService) -> None:
        self.bot = bot
        self.services = bot.services
        self.service = service
        self._redraw: dict[int, bool] = {}  # post id -> asked again while a redraw runs
        self._background: set[asyncio.Task[None]] = set()
        self._mirror_lock = asyncio.Lock()
        self.flows = EventsFlows(service, bot.services, DiscordConversation(bot))

    async def cog_load(self) -> None:
        """Register the job kinds and re-plan what has nothing pending (reconciliation at start)."""
        jobs = self.services.jobs
        grace = timedelta(minutes=self.services.settings.grace_minutes)
        jobs.register(planning.ANNOUNCE, self.run_announce, grace=grace, on_missed=self.missed_post,
                      max_attempts=POST_ATTEMPTS)
        jobs.register(planning.FREE_POST, self.run_free_post, grace=grace, on_missed=self.missed_post,
                      max_attempts=POST_ATTEMPTS)
        jobs.register(planning.REFILL, self.run_refill, grace=timedelta(days=30))
        await self.flows.start()
        jobs.register(planning.CANCEL_POST, self.run_cancel_post, grace=timedelta(days=7))
        jobs.register(planning.REFRESH, self.run_refresh, grace=timedelta(days=7))
        # A late mirror update is still right: it shows the event as stored when it runs.
        jobs.register(planning.MIRROR, self.run_mirror, grace=timedelta(days=365), max_attempts=MIRROR_ATTEMPTS)
        report = await self.service.reconcile()
        log.info("events reconciled: %d events and %d announcements re-planned, %d posts undelivered",
                 report.replanned_events, report.replanned_announcements, len(report.unposted))

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

    async def cog_unload(self) -> None:
        """Stop handling the job kinds (their rows stay planned)."""
        for kind in (planning.ANNOUNCE, planning.FREE_POST, planning.REFILL,
                     planning.CANCEL_POST, planning.REFRESH, planning.MIRROR):
            self.services.jobs.unregister(kind)
        self.flows.stop()
        for task in list(self._background):
            task.cancel()

    # ----- helpers -------------------------------------------------------------------------------
    async def guild_translator(self, guild_id: int) -> Translator:
        """The guild's default language."""
        return self.services.translator(await self.services.guild_language(guild_id))

    async def tell_organizers(self, guild_id: int, content: str, view: discord.ui.View | None = None, *,
                              nonce: str | None = None) -> bool:
        """Post a note in the organizers' channel (configured, else #organizers). True when it arrived.

        With a `nonce`, a note repeated after a crash is deduplicated by Discord."""
        channel_id = await place_channel_id(self.bot, self.services.places, guild_id, places.ORGANIZERS)
        if channel_id is None:
            log.warning("no organizers channel in guild %s", guild_id)
            return False
        try:
            kwargs: dict[str, Any] = {"view": view} if view is not None else {}
            if nonce is not None:
                kwargs["nonce"] = nonce
            await self.bot.get_partial_messageable(channel_id, guild_id=guild_id).send(clip(content), **kwargs)
        except discord.HTTPException as exc:
            log.warning("could not reach the organizers of guild %s (status %s)", guild_id, exc.status)
            return False
        return True

    def late_view(self, t: Translator, key: str) -> discord.ui.View:
        """"Post now" / "Skip" buttons."""
        view = discord.ui.View(timeout=None)
        view.add_item(LateButton(key, "now", t._("Post now")))
        view.add_item(LateButton(key, "skip", t._("Skip")))
        return view

    def rsvp_view(self, t: Translator, post_id: int, counts: Counts, *, closed: bool = False) -> discord.ui.View | None:
        """The answer buttons with their counts (none on a cancelled post)."""
        if closed:
            return None
        view = discord.ui.View(timeout=None)
        view.add_item(RsvpButton(post_id, "going", t._("Going"), counts.going))
        view.add_item(RsvpButton(post_id, "maybe", t._("Maybe"), counts.maybe))
        view.add_item(RsvpButton(post_id, "cant", t._("Can't"), counts.cant))
        view.add_item(ShowButton(post_id, t._("In my language")))
        return view

    async def render_post(self, event: Event, post: Post, *, late: bool = False, cancelled: bool = False,
                          counts: Counts | None = None) -> tuple[discord.Embed, discord.ui.View | None]:
        """The announcement message of a post, in the event's language (`counts` when just read)."""
        t = self.services.translator(event.language)
        occ = self.service.occurrence_of(event, post.occurrence)
        if counts is None:
            counts = await self.service.counts(event.id, post.occurrence)
        cancelled = cancelled or event.status == "cancelled" or await self.service.is_skipped(event.id,
                                                                                               post.occurrence)
        embed = event_embed(t, event, event.title, event.description, occ, counts, late=late, cancelled=cancelled)
        return embed, self.rsvp_view(t, post.id, counts, closed=cancelled)

    def refresh_soon(self, post_id: int) -> None:
        """Redraw a posted announcement's counts, coalescing a burst of requests into few edits.

        While a redraw is under way, further requests only mark the post as changed again; the
        running redraw then goes round once more with the latest counts. The counts are in the
        database, so a redraw lost to a restart is made good by the next answer.
        """
        if post_id in self._redraw:
            self._redraw[post_id] = True
            return
        self._redraw[post_id] = False
        task = asyncio.create_task(self._redraw_post(post_id), name=f"events:redraw-post-{post_id}")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _redraw_post(self, post_id: int) -> None:
        try:
            while True:
                self._redraw[post_id] = False
                post = await self.service.post(post_id)
                if post is None:
                    return
                event = await self.service.event(post.event_id)
                if event is None:
                    return
                await self.refresh_post(event, post)
                if not self._redraw.get(post_id):
                    return
        except Exception:
            log.exception("redrawing announcement post %s failed", post_id)
        finally:
            self._redraw.pop(post_id, None)

    async def refresh_post(self, event: Event, post: Post, *, cancelled: bool = False) -> str:
        """Edit a posted announcement after a change (a vanished message is not an error).

        'sent'; 'gone' when the message or the permission is gone (nothing to retry); 'failed' when
        Discord was unavailable (worth trying again)."""
        if post.message_id is None or post.channel_id is None:
            return "gone"
        embed, view = await self.render_post(event, post, cancelled=cancelled)
        try:
            await self.bot.get_partial_messageable(post.channel_id).get_partial_message(post.message_id).edit(
                embed=embed, view=view)
        except discord.NotFound:
            log.info("announcement message %s of event %s is gone", post.message_id, event.id)
            return "gone"
        except discord.HTTPException as exc:
            # The change is saved; the post shows it at the next refresh (the next answer or change).
            log.warning("could not refresh the announcement of event %s (status %s)", event.id, exc.status)
            return "failed" if exc.status >= 500 or exc.status == 429 else "gone"
        except UNREACHABLE:
            log.warning("could not refresh the announcement of event %s (no answer)", event.id)
            return "failed"
        return "sent"

    async def refresh_now(self, event: Event, posts: tuple[Post, ...]) -> None:
        """Show a change on the posted announcements now; their planned refresh is then not needed (unless
        Discord failed: the planned row tries again)."""
        results = [await self.refresh_post(event, post) for post in posts]
        if "failed" not in results:
            for key in await self.service.pending_keys(planning.refresh_prefix(event.id)):
                await self.service.notice_handled(key)

    async def run_refresh(self, job: Job) -> None:
        """The safety net of an edit: the posted announcements show the event as stored."""
        event = await self.service.event(int(job.payload["event"]))
        if event is None:
            return
        results = [await self.refresh_post(event, post) for post in await self.service.posted(event.id)]
        if "failed" in results:
            raise RetryLater(timedelta(minutes=2), "discord was unavailable")

    # ----- scheduled work ------------------------------------------------------------------------
    async def run_announce(self, job: Job) -> None:
        """Post one occurrence's announcement, exactly once."""
        event_id, occurrence = int(job.payload["event"]), str(job.payload["occ"])
        event = await self.service.live(event_id, occurrence)
        if event is None:
            return
        channel_id = event.channel_id or await place_channel_id(self.bot, self.services.places, event.guild_id,
                                                                places.ANNOUNCEMENTS)
        post = await self.service.ensure_post(event_id, occurrence, channel_id)
        if post.message_id is None:
            if channel_id is None:
                await self.undeliverable(event.guild_id, job.key, event.title)
            late = job.late or bool(job.payload.get("delayed"))
            embed, view = await self.render_post(event, post, late=late)
            message = await self.send_post(event.guild_id, channel_id, job, event.title, post.nonce,
                                           embed=embed, view=view)
            await self.service.record_posted(post.id, channel_id, message.id, late)
        if event.mirror and await self.sync_mirror(event_id, job.key) == "retry":
            await self.service.plan_mirror(event_id)  # tried again through the job queue
        await self.service.plan(event_id)

    async def send_post(self, guild_id: int, channel_id: int, job: Job, title: str, nonce: str,
                        **kwargs: Any) -> discord.Message:
        """Send with the deterministic nonce; tell organizers about a missing channel or permission, and
        about Discord failing on every attempt (discord.py has already retried 429 and 500/502 itself)."""
        try:
            return await self.bot.get_partial_messageable(channel_id, guild_id=guild_id).send(nonce=nonce, **kwargs)
        except (discord.NotFound, discord.Forbidden):
            await self.undeliverable(guild_id, job.key, title)
        except (discord.HTTPException, *UNREACHABLE) as exc:
            status = exc.status if isinstance(exc, discord.HTTPException) else "nothing"
            if job.attempts < POST_ATTEMPTS:
                raise RetryLater(timedelta(minutes=1), f"discord answered {status}") from None
            t = await self.guild_translator(guild_id)
            await self.tell_organizers(guild_id, t._(
                "I could not post \"{title}\": Discord did not answer properly for several minutes. Please press "
                "\"Post now\" to try again.", title=user_text(title)), self.late_view(t, job.key))
            raise PostUndeliverable(job.key) from None
        raise AssertionError("unreachable")

    async def undeliverable(self, guild_id: int, key: str, title: str) -> None:
        """Tell organizers plainly, then fail the row (so that "Post now" can plan it again)."""
        t = await self.guild_translator(guild_id)
        await self.tell_organizers(guild_id, t._(
            "I could not post \"{title}\": the channel is missing or I am not allowed to write there. "
            "Please check the channel and my permissions, then press \"Post now\".", title=user_text(title)),
            self.late_view(t, key))
        raise PostUndeliverable(key)

    async def missed_post(self, job: Job) -> None:
        """A post found too late after downtime: not posted; organizers choose "Post now" or "Skip"."""
        payload = job.payload
        owner = await self.service.owner_of(payload)
        if owner is None:
            return
        guild_id, title = owner
        t = await self.guild_translator(guild_id)
        await self.tell_organizers(guild_id, t._(
            "The bot was offline when \"{title}\" should have been posted ({when}), and it is now too late to post "
            "it automatically. Post it now, or skip it?", title=user_text(clip(title, 80)),
            when=t.datetime(job.due_at, "short")), self.late_view(t, job.key))
        if "event" in payload:
            await self.service.plan(int(payload["event"]))
        else:
            await self.service.plan_announcement(int(payload["ann"]))

    async def run_free_post(self, job: Job) -> None:
        """Post one free announcement, exactly once."""
        ann_id, occurrence = int(job.payload["ann"]), str(job.payload["occ"])
        try:
            ann = await self.service.announcement(ann_id, await self._guild_of_announcement(ann_id))
        except UserError:
            return
        if ann.status != "active":
            return
        message_id, nonce = await self.service.ensure_free_post(ann_id, occurrence)
        if message_id is None:
            content = render_announcement(ann.texts)
            if job.late or job.payload.get("delayed"):
                t = await self.guild_translator(ann.guild_id)
                content = f"{content}\n\n-# {t._('Posted late: the bot was offline at the planned time.')}"
            message = await self.send_post(ann.guild_id, ann.channel_id, job, clip(ann.texts[0][1], 60), nonce,
                                           content=clip(content))
            await self.service.record_free_post(ann_id, occurrence, message.id)
        await self.service.plan_announcement(ann_id)

    async def _guild_of_announcement(self, ann_id: int) -> int:
        return await self.service.guild_of_announcement(ann_id)

    # ----- the Discord scheduled event ("mirror") -------------------------------------------------------
    # What the mirror should show is derived from the stored event (its next date, or nothing when it is
    # cancelled or over), so every update is idempotent. A change plans an `events.mirror` row in its own
    # transaction; the cog updates the mirror right away and the row is the safety net after a crash, or
    # the retry (RetryLater) while Discord fails. A mirror created just before a crash, whose id was never
    # stored, is found again by the "Event N" line that ends its description, so no second one is made.

    def _mirror_marker(self, event: Event) -> str:
        return self.services.translator(event.language)._("Event {id}", id=event.id)

    def _mirror_fields(self, event: Event, occ: Occurrence) -> dict[str, Any]:
        marker = self._mirror_marker(event)
        description = clip(event.description, 1000 - len(marker) - 2)
        return {
            "name": clip(event.title, 100),
            "description": f"{description}\n\n{marker}" if description else marker,
            "scheduled_start_time": occ.at.isoformat(),
            "scheduled_end_time": (occ.at + timedelta(minutes=event.duration_minutes)).isoformat(),
            "entity_metadata": {"location": clip(event.place or "Norsjö", 100)},
        }

    async def _find_mirror(self, event: Event) -> int | None:
        """A scheduled event this bot made for `event` whose id was not stored (a crash came in between)."""

        def plain(text: str) -> str:  # Discord may drop the bidi isolates around the number
            return text.replace(FSI, "").replace(PDI, "").strip()

        marker = plain(self._mirror_marker(event))
        me = self.bot.user.id if self.bot.user is not None else None
        for data in await self.bot.http.get_scheduled_events(event.guild_id, False):
            if (data.get("creator_id") is not None and int(data["creator_id"]) == me
                    and data.get("entity_type") == 3 and data.get("status") in (1, 2)  # scheduled or active
                    and plain(str(data.get("description") or "")).endswith(marker)):
                return int(data["id"])
        return None

    async def sync_mirror(self, event_id: int, note_key: str) -> str:
        """Bring the Discord scheduled event in line with the stored event.

        'done'; 'retry' when Discord failed or did not answer (5xx, 429 after discord.py's own waiting, a
        timeout); 'forbidden' when the bot lacks Manage Events (organizers are told, once per `note_key`);
        'refused' for any other refusal (logged)."""
        async with self._mirror_lock:  # one update at a time: two creations at once would make two events
            event = await self.service.event(event_id)
            if event is None:
                return "done"
            http = self.bot.http
            try:
                occ = await self.service.mirror_occurrence(event)
                if occ is None:
                    if event.discord_event_id:
                        with contextlib.suppress(discord.NotFound):  # already gone
                            await http.delete_scheduled_event(event.guild_id, event.discord_event_id)
                        await self.service.set_discord_event(event.id, None)
                    return "done"
                fields = self._mirror_fields(event, occ)
                if event.discord_event_id:
                    try:
                        await http.edit_scheduled_event(event.guild_id, event.discord_event_id, **fields)
                        return "done"
                    except discord.NotFound:
                        log.info("the mirror of event %s was removed in Discord; making a new one", event.id)
                found = await self._find_mirror(event)
                if found is not None:
                    await http.edit_scheduled_event(event.guild_id, found, **fields)
                else:
                    data = await http.create_guild_scheduled_event(event.guild_id, privacy_level=2, entity_type=3,
                                                                   **fields)
                    found = int(data["id"])
                await self.service.set_discord_event(event.id, found)
                return "done"
            except discord.Forbidden:
                log.warning("may not mirror event %s to Discord (missing Manage Events)", event.id)
                t = await self.guild_translator(event.guild_id)
                await self.tell_organizers(event.guild_id, t._(
                    "I could not create or update the Discord event for \"{title}\": Discord says I lack the "
                    "Manage Events permission. The announcements and reminders work as usual. Please give my role "
                    "that permission; I will try again at the next change or announcement.",
                    title=user_text(clip(event.title, 80))), nonce=planning.nonce_for(f"mirror-forbidden:{note_key}"))
                return "forbidden"
            except discord.HTTPException as exc:
                if exc.status >= 500 or exc.status == 429:
                    log.warning("could not mirror event %s to Discord yet (status %s)", event.id, exc.status)
                    return "retry"
                log.warning("Discord refused the mirror of event %s (status %s)", event.id, exc.status)
                return "refused"
            except UNREACHABLE:
                log.warning("could not mirror event %s to Discord yet (no answer)", event.id)
                return "retry"

    async def mirror_now(self, event_id: int) -> None:
        """Update the mirror now after a change; its planned row is then not needed (unless Discord failed)."""
        keys = await self.service.pending_keys(planning.mirror_prefix(event_id))
        if not keys:
            return
        if await self.sync_mirror(event_id, keys[-1]) != "retry":
            for key in keys:
                await self.service.notice_handled(key)

    async def run_mirror(self, job: Job) -> None:
        """A planned mirror update (the safety net of a change, or Discord failed before)."""
        if await self.sync_mirror(int(job.payload["event"]), job.key) == "retry":
            raise RetryLater(timedelta(minutes=min(2 ** job.attempts, 60)), "discord was unavailable")

    async def deliver(self, key: str, sending: Any) -> str:
        """Run a planned notice now; its job row (the safety net after a crash) is then not needed."""
        if not await self.service.is_pending(key):
            sending.close()
            return "handled"
        outcome = await sending
        if outcome != "failed":
            await self.service.notice_handled(key)
        return str(outcome)

    async def mark_post_cancelled(self, event: Event, post: Post) -> str:
        """Mark a posted announcement as cancelled and reply under it (once: the reply has a nonce)."""
        if post.channel_id is None or post.message_id is None:
            return "skipped"
        try:
            if await self.refresh_post(event, post, cancelled=True) == "failed":
                return "failed"  # tried again by its job: the mark and the note (the note has a nonce)
            gt = self.services.translator(event.language)
            reference = discord.MessageReference(message_id=post.message_id, channel_id=post.channel_id,
                                                 fail_if_not_exists=False)
            await self.bot.get_partial_messageable(post.channel_id, guild_id=event.guild_id).send(
                gt._("Cancelled: {title}", title=user_text(event.title)), reference=reference,
                nonce=planning.nonce_for(f"cancelnote:{post.id}"))
        except (discord.NotFound, discord.Forbidden) as exc:
            log.warning("could not mark the cancelled post of event %s (status %s)", event.id, exc.status)
            return "gone"
        except discord.HTTPException as exc:
            log.warning("could not mark the cancelled post of event %s yet (status %s)", event.id, exc.status)
            return "failed"
        return "sent"

    async def run_cancel_post(self, job: Job) -> None:
        """The safety net of marking a posted announcement as cancelled."""
        event = await self.service.event(int(job.payload["event"]))
        post = await self.service.post(int(job.payload["post"]))
        if event is None or post is None:
            return
        if await self.mark_post_cancelled(event, post) == "failed":
            raise RetryLater(timedelta(minutes=2), "discord was unavailable")

    # ----- buttons -------------------------------------------------------------------------------
    async def on_rsvp(self, interaction: discord.Interaction[MultinationsBot], post_id: int, choice: str) -> None:
        """Going / Maybe / Can't."""
        guild_id = require_guild(interaction)
        deferred = await acknowledge_if_busy(interaction, update=True)
        post = await self.service.post(post_id)
        if post is None or interaction.message is None or post.message_id != interaction.message.id:
            raise UserError(N_("This button does not belong to this message."))
        outcome = await self.service.rsvp(post_id, guild_id, interaction.user.id, choice)
        if deferred:
            # A burst of answers on one announcement: its counts are redrawn once per round, not
            # once per answer (each member still gets their own confirmation below).
            self.refresh_soon(post.id)
        else:
            embed, view = await self.render_post(outcome.event, post, counts=outcome.counts)
            await interaction.response.edit_message(embed=embed, view=view)
        t = await self.bot.translator_for(interaction)
        title, _ = await self.service.texts(outcome.event, t.code)
        if outcome.status == "going":
            title = user_text(title)
            text = t._("You are going to {title}. See you there!", title=title)
        elif outcome.status == "waiting":
            text = t._("{title} is full. You are number {position} on the waiting list; I will tell you if a "
                       "place frees up.", title=user_text(title), position=t.number(outcome.position))
        elif outcome.status == "maybe":
            text = t._("Noted: maybe.")
        else:
            text = t._("Noted: you can't come. Thank you for telling us.")
        await respond(interaction, text)
        for user_id in outcome.promoted:
            await self.flows.promoted_now(outcome.event.id, outcome.occurrence, user_id)

    async def run_refill(self, job: Job) -> None:
        """After a member's data was deleted: their place goes to the first waiting, who are told."""
        event_id, occurrence = int(job.payload["event"]), str(job.payload["occ"])
        event, promoted = await self.service.refill(event_id, occurrence)
        if event is None or event.status != "active":
            return
        for post in await self.service.posted(event_id):
            if post.occurrence == occurrence:
                await self.refresh_post(event, post)
        for user_id in promoted:
            await self.flows.promoted_now(event_id, occurrence, user_id)

    async def on_show(self, interaction: discord.Interaction[MultinationsBot], post_id: int) -> None:
        """The announcement in the presser's language."""
        guild_id = require_guild(interaction)
        post = await self.service.post(post_id)
        if post is None:
            raise UserError(N_("This event no longer exists."))
        event = await self.service.get(post.event_id, guild_id)
        await self.show_event(interaction, event, post.occurrence)

    async def show_event(self, interaction: discord.Interaction[MultinationsBot], event: Event,
                         occurrence: str | None = None) -> None:
        """One event privately in the member's language (the given or the next occurrence)."""
        t = await self.bot.translator_for(interaction)
        if occurrence is None:
            upcoming = await self.service.next_occurrences(event, limit=1)
            if not upcoming:
                raise UserError(N_("This event has no more dates."))
            occ = upcoming[0]
        else:
            occ = self.service.occurrence_of(event, occurrence)
        title, description = await self.service.texts(event, t.code)
        counts = await self.service.counts(event.id, format_local(occ.local))
        await respond(interaction, embed=event_embed(t, event, title, description, occ, counts,
                                                     cancelled=event.status == "cancelled"))

    async def on_draft(self, interaction: discord.Interaction[MultinationsBot], event_id: int, action: str) -> None:
        """Save or discard a previewed draft."""
        guild_id = require(interaction, Capability.ORGANIZER)
        t = await self.bot.translator_for(interaction)
        if action == "discard":
            await self.service.discard(event_id, guild_id, interaction.user.id)
            await interaction.response.edit_message(content=t._("Discarded. Nothing was saved."), embed=None,
                                                    view=None)
            return
        event = await self.service.activate(event_id, guild_id, interaction.user.id)
        upcoming = await self.service.next_occurrences(event, limit=1)
        first = t._("No dates ahead.")
        if upcoming:
            due = planning.announce_due(upcoming[0].local, upcoming[0].at, event.announce_days, event.announce_time,
                                        event.zone)
            first = t._("The first announcement is planned for {when}.",
                        when=t.datetime(max(due, self.services.clock.now()), "short"))
        await interaction.response.edit_message(
            content=t._("Saved as event {id}.", id=event.id) + " " + first, view=None)
        if event.mirror:
            await self.mirror_now(event.id)

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
        guild_id = require(interaction, Capability.ORGANIZER)
        t = await self.bot.translator_for(interaction)
        draft = EventDraft(
            title=title, date_text=date, time_text=time, language=language or await self.services.guild_language(
                guild_id), description=description, place=place, fold=parse_fold(fold), duration_minutes=duration,
            capacity=capacity, repeat=repeat, until_text=until, channel_id=channel.id if channel else None,
            announce_days=announce_days, announce_time_text=announce_at, reminders_text=reminders, mirror=mirror,
        )
        event, upcoming = await self.service.create_draft(guild_id, interaction.user.id, draft)
        lines = [t._("Preview of \"{title}\". The next dates, in Norsjö time:",
                       title=user_text(event.title))]
        lines += [f"• {t.date(o.at, 'full')}, {t.time(o.at)} (<t:{int(o.at.timestamp())}:F>)" for o in upcoming]
        if event.reminders:
            lines.append(t._("Reminders to those going: {list}", list=t.join(
                t.duration(timedelta(minutes=m)) for m in event.reminders)))
        lines.append(t._("Press Save to plan the announcements, or Discard."))
        view = discord.ui.View(timeout=None)
        view.add_item(DraftButton(event.id, "save", t._("Save")))
        view.add_item(DraftButton(event.id, "discard", t._("Discard")))
        await respond(interaction, "\n".join(lines), view=view)

    @event.command(name="list", description="The next events")
    async def event_list(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """The guild's next occurrences, in the member's language."""
        guild_id = require_guild(interaction)
        await acknowledge_if_busy(interaction)
        t = await self.bot.translator_for(interaction)
        found = await self.service.list_upcoming(guild_id, 10)
        if not found:
            await respond(interaction, t._("No events are planned right now."))
            return
        lines = [t._("The next events:")]
        for event, occ in found:
            title, _ = await self.service.texts(event, t.code)
            lines.append(f"• **{user_text(title)}** ({t._('Event {id}', id=event.id)}): "
                         f"<t:{int(occ.at.timestamp())}:F> · "
                         f"{t.date(occ.at, 'medium')} {t.time(occ.at)}")
        await respond(interaction, "\n".join(lines))

    @event.command(name="show", description="One event in your language")
    @app_commands.describe(event=EVENT_OPTION)
    async def event_show(self, interaction: discord.Interaction[MultinationsBot], event: int) -> None:
        """An event's next date and details."""
        guild_id = require_guild(interaction)
        await self.show_event(interaction, await self.service.get(event, guild_id))

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
        guild_id = require(interaction, Capability.ORGANIZER)
        t = await self.bot.translator_for(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.service.edit(event, guild_id, EventChanges(
            title=title, description=description, place=place, date_text=date, time_text=time, fold=parse_fold(fold),
            duration_minutes=duration, capacity=capacity))
        await self.refresh_now(outcome.event, outcome.posts)
        for user_id, occurrence in outcome.promoted:
            await self.flows.promoted_now(outcome.event.id, occurrence, user_id)
        if outcome.event.mirror:
            await self.mirror_now(outcome.event.id)
        await respond(interaction, t.n_("Saved. {n} posted announcement was updated.",
                                        "Saved. {n} posted announcements were updated.", len(outcome.posts)))

    @event.command(name="cancel", description="Cancel an event or one of its dates (organizers)")
    @app_commands.describe(event=EVENT_OPTION,
                           date="Only this date, e.g. 2026-12-24 (leave empty to cancel the whole event)")
    async def event_cancel(self, interaction: discord.Interaction[MultinationsBot], event: int,
                           date: str | None = None) -> None:
        """Cancel, tell everyone who answered going/maybe/waiting in their language, mark the posts."""
        guild_id = require(interaction, Capability.ORGANIZER)
        t = await self.bot.translator_for(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.service.cancel(event, guild_id, date)
        ev = outcome.event
        for post in outcome.posts:
            await self.deliver(planning.cancel_post_key(post.id), self.mark_post_cancelled(ev, post))
        told = 0
        for user_id, occurrence in outcome.people:
            told += await self.flows.cancel_notice_now(ev, occurrence, user_id) is Delivery.SENT
        if ev.mirror:
            await self.mirror_now(ev.id)
        dates = t.join(t.date(self.service.occurrence_of(ev, o).at) for o in outcome.occurrences) or "-"
        await respond(interaction, t._("Cancelled: {dates}.", dates=dates) + " " + t.n_(
            "{n} person was told by direct message.", "{n} people were told by direct message.", told))

    @event.command(name="translate", description="Title and description in another language (organizers)")
    @app_commands.describe(event=EVENT_OPTION, language="Language of this text", title="Title in that language",
                           description="Description in that language")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def event_translate(self, interaction: discord.Interaction[MultinationsBot], event: int, language: str,
                              title: str, description: str = "") -> None:
        """Store a translation; members reading that language see it."""
        guild_id = require(interaction, Capability.ORGANIZER)
        t = await self.bot.translator_for(interaction)
        await self.service.translate(event, guild_id, language, title, description)
        await respond(interaction, t._("Saved the {language} text.", language=LANGUAGES[language].native_name))

    @event.command(name="attendees", description="Who answered (organizers)")
    @app_commands.describe(event=EVENT_OPTION,
                           date="Which date, e.g. 2026-12-24 (empty: the next one)")
    async def event_attendees(self, interaction: discord.Interaction[MultinationsBot], event: int,
                              date: str | None = None) -> None:
        """Going, maybe, can't and the waiting list for the next (or a given) date."""
        guild_id = require(interaction, Capability.ORGANIZER)
        t = await self.bot.translator_for(interaction)
        ev = await self.service.get(event, guild_id)
        upcoming = await self.service.next_occurrences(
            ev, after=self.services.clock.now() - timedelta(minutes=ev.duration_minutes), limit=200)
        if date:
            day = parse_date(date, self.services.clock.now().astimezone(ev.zone).date())
            upcoming = [o for o in upcoming if o.local.date() == day]
        if not upcoming:
            raise UserError(N_("This event has no more dates."))
        occ = upcoming[0]
        people = await self.service.attendees(ev.id, format_local(occ.local))
        lines = [f"**{user_text(ev.title)}**, {t.date(occ.at, 'full')} {t.time(occ.at)}"]
        for status in ("going", "waiting", "maybe", "cant"):
            names = " ".join(f"<@{uid}>" for uid in people[status]) or "-"
            lines.append(f"{t._(STATUS_TEXT[status])} ({t.number(len(people[status]))}): {names}")
        await respond(interaction, "\n".join(lines))

    @event.command(name="mine", description="Events you answered")
    async def event_mine(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """The member's upcoming answers."""
        guild_id = require_guild(interaction)
        t = await self.bot.translator_for(interaction)
        items = await self.service.mine(guild_id, interaction.user.id)
        if not items:
            await respond(interaction, t._("You have not answered any upcoming event."))
            return
        lines = [t._("Your events:")]
        for item in items:
            title, _ = await self.service.texts(item.event, t.code)
            lines.append(f"• **{user_text(title)}**: <t:{int(item.occurrence.at.timestamp())}:F> · "
                         f"{t.date(item.occurrence.at)} {t.time(item.occurrence.at)} · {t._(STATUS_TEXT[item.status])}")
        await respond(interaction, "\n".join(lines))

    @event.command(name="calendar", description="A calendar file (.ics) for one event or for all")
    @app_commands.describe(event="Only this event (empty: all events)")
    async def event_calendar(self, interaction: discord.Interaction[MultinationsBot], event: int | None = None) -> None:
        """An .ics file in the member's language, times in the configured zone."""
        guild_id = require_guild(interaction)
        t = await self.bot.translator_for(interaction)
        if event is not None:
            events = [await self.service.get(event, guild_id)]
        else:
            seen: dict[int, Event] = {}
            for ev, _occ in await self.service.list_upcoming(guild_id, 100):
                seen.setdefault(ev.id, ev)
            events = list(seen.values())
        if not events:
            await respond(interaction, t._("No events are planned right now."))
            return
        text = await self.service.calendar_file(events, t.code)
        name = f"event-{events[0].id}.ics" if event is not None else "events.ics"
        await respond(interaction, t._("Open the file to add it to your calendar."),
                      file=discord.File(io.BytesIO(text.encode("utf-8")), filename=name))

    @event.command(name="reminders", description="Turn reminders for your events on or off")
    @app_commands.describe(enabled="On or off")
    async def event_reminders(self, interaction: discord.Interaction[MultinationsBot], enabled: bool) -> None:
        """The member's own reminder setting."""
        t = await self.bot.translator_for(interaction)
        await self.service.set_reminders(interaction.user.id, enabled)
        if enabled and not await self.services.prefs.dm_allowed(interaction.user.id):
            await respond(interaction, t._("Reminders are on, but you have not allowed the bot to send you direct "
                                           "messages, so none can reach you yet."))
            return
        await respond(interaction, t._("Reminders are on.") if enabled else t._("Reminders are off."))

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
        guild_id = require(interaction, Capability.ORGANIZER)
        t = await self.bot.translator_for(interaction)
        ann = await self.service.create_announcement(
            guild_id, interaction.user.id, channel.id, date, time,
            language or await self.services.guild_language(guild_id), text, fold=parse_fold(fold), repeat=repeat,
            until_text=until)
        at = self.service.first_time(ann)
        await respond(interaction, t._("Announcement {id} is planned for {when} in {channel}.", id=ann.id,
                                       when=f"{t.date(at, 'full')} {t.time(at)}", channel=f"<#{channel.id}>"))

    @announce.command(name="translate", description="Add the announcement's text in another language")
    @app_commands.describe(announcement=ANNOUNCEMENT_OPTION,
                           language="Language of this text", text="The text (write \\n for a new line)")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def announce_translate(self, interaction: discord.Interaction[MultinationsBot], announcement: int,
                                 language: str, text: str) -> None:
        """Another language in the same post."""
        guild_id = require(interaction, Capability.ORGANIZER)
        t = await self.bot.translator_for(interaction)
        await self.service.add_announcement_text(announcement, guild_id, language, text)
        await respond(interaction, t._("Saved the {language} text.", language=LANGUAGES[language].native_name))

    @announce.command(name="list", description="Planned announcements")
    async def announce_list(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Active announcements with their next time."""
        guild_id = require(interaction, Capability.ORGANIZER)
        t = await self.bot.translator_for(interaction)
        found = await self.service.list_announcements(guild_id)
        if not found:
            await respond(interaction, t._("No announcements are planned."))
            return
        lines = []
        for ann, nxt in found:
            when = f"{t.date(nxt.at)} {t.time(nxt.at)}" if nxt else "-"
            languages = t.join(LANGUAGES[code].native_name for code, _ in ann.texts if code in LANGUAGES)
            preview = user_text(clip(ann.texts[0][1], 60))
            lines.append(f"• {ann.id}: <#{ann.channel_id}> · {when} · {languages} · {preview}")
        await respond(interaction, "\n".join(lines))

    @announce.command(name="preview", description="See an announcement as it will be posted")
    @app_commands.describe(announcement=ANNOUNCEMENT_OPTION)
    async def announce_preview(self, interaction: discord.Interaction[MultinationsBot], announcement: int) -> None:
        """The post, privately."""
        guild_id = require(interaction, Capability.ORGANIZER)
        ann = await self.service.announcement(announcement, guild_id)
        await respond(interaction, render_announcement(ann.texts))

    @announce.command(name="cancel", description="Stop a planned announcement")
    @app_commands.describe(announcement=ANNOUNCEMENT_OPTION)
    async def announce_cancel(self, interaction: discord.Interaction[MultinationsBot], announcement: int) -> None:
        """Nothing more is posted."""
        guild_id = require(interaction, Capability.ORGANIZER)
        t = await self.bot.translator_for(interaction)
        await self.service.cancel_announcement(announcement, guild_id)
        await respond(interaction, t._("Announcement {id} is cancelled.", id=announcement))


def render_announcement(texts: tuple[tuple[str, str], ...]) -> str:
    """One post with every language's text (each headed by the language's own name when several)."""
    if len(texts) == 1:
        return user_text(texts[0][1])
    return "\n\n".join(f"**{LANGUAGES[code].native_name if code in LANGUAGES else code}**\n{user_text(body)}"
                       for code, body in texts)


DYNAMIC_ITEMS = (RsvpButton, ShowButton, DraftButton, LateButton)


async def setup(bot: MultinationsBot) -> None:
    """Extension entry point: the service, its privacy section, the capability, the buttons, the cog."""
    services = bot.services
    service = EventsService(services.db, services.clock, services.jobs, services.settings.zone)
    services.privacy.register(service.privacy_section())
    services.capabilities[capabilities.EVENTS] = service
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(EventsCog(bot, service))


async def teardown(bot: MultinationsBot) -> None:
    """Extension exit point."""
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
    bot.services.privacy.unregister("events")
    bot.services.capabilities.pop(capabilities.EVENTS, None)
