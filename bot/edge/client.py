"""The Bot subclass: the Discord edge that wires services, extensions and the error path."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import UserError
from bot.core.i18n import Translator
from bot.core.maintenance import plan_backups, plan_pruning
from bot.core.services import Services
from bot.edge.conversation import route_component
from bot.edge.errors import report_error
from bot.edge.ratelimit import MemberRateLimiter
from bot.edge.translator import CatalogTranslator
from bot.edge.ui import ACKNOWLEDGES_WHEN_BUSY, acknowledge_if_busy, answer_in_time

log = logging.getLogger(__name__)

#: Extensions in load order. Features look each other up at run time, so order is only cosmetic.
DEFAULT_EXTENSIONS: tuple[str, ...] = (
    "cogs.core",
    "cogs.faq",
    "cogs.events",
    "cogs.mentoring",
    "cogs.onboarding",
)


#: How long stopping waits for a running scheduled job before cancelling it (seconds). Docker sends
#: SIGKILL 10 seconds after SIGTERM by default, systemd after 90.
SHUTDOWN_JOB_WAIT = 5.0


def available_extensions(names: Sequence[str] = DEFAULT_EXTENSIONS) -> list[str]:
    """The extensions of `names` that exist in this checkout."""
    import importlib.util

    return [name for name in names if importlib.util.find_spec(name) is not None]

#: Where the bot's slash commands can be used (Discord's `contexts`, which replaces the deprecated
#: `dm_permission`): in the server and in the member's DM with the bot, never in group DMs.
GUILD_AND_BOT_DM = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=False)
#: Commands that act on the server itself (`/event`, `/announce`): only there.
GUILD_ONLY = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)
#: How the bot is installed (Discord's `integration_types`): to the server, not to members' accounts.
GUILD_INSTALL = app_commands.AppInstallationType(guild=True, user=False)

#: More interactions in flight than this and a handler that has real work to do acknowledges first:
#: under a burst every member then sees "thinking" at once instead of waiting for the queue ahead.
#: Below it, the answer is sent directly (one request instead of two). (32 was tried: fewer requests
#: in a busy second, but the first 32 answers then go before everyone's acknowledgement; the runs
#: were too noisy to show a gain.)
BUSY_THRESHOLD = 4
#: More interactions in flight than this is a burst for the cycle collector (`bot.core.collector`): a
#: collection pauses every member in flight, so it waits from a handful on.
BURST_THRESHOLD = 4


class BotTree(app_commands.CommandTree["MultinationsBot"]):
    """Command tree with the single error path, the per-member rate limit, and the first response of
    the commands many members use at once before any of their options is read."""

    async def on_error(
        self, interaction: discord.Interaction[MultinationsBot], error: app_commands.AppCommandError, /
    ) -> None:
        """Every slash-command error ends here."""
        await report_error(interaction, error)

    async def _call(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        with self.client.handling(interaction):
            try:
                # The rate limit first: a member refused gets the polite answer as the first response.
                if not await self.client.check_rate(interaction):
                    return
                if self.client.busy and self.acknowledges_when_busy(interaction):
                    # Under a burst the first response goes before discord.py reads the options, checks
                    # and converts them: every member of the burst sees "thinking" sooner.
                    await acknowledge_if_busy(interaction)
            except Exception as error:  # before discord.py's own error path: ours, or nobody's
                await report_error(interaction, error)
                return
            # discord.py routes only AppCommandError to on_error; a UserError raised by a cog's
            # interaction_check (before the command runs) would otherwise leave the member unanswered.
            try:
                await super()._call(interaction)
            except UserError as error:
                await report_error(interaction, error)

    def acknowledges_when_busy(self, interaction: discord.Interaction[Any]) -> bool:
        """Whether the slash command of the interaction is marked to acknowledge under a burst
        (`extras={ACKNOWLEDGES_WHEN_BUSY: True}`); looked up by name, as cheaply as it can be."""
        if interaction.type is not discord.InteractionType.application_command:
            return False
        data: Any = interaction.data or {}
        node: Any = self.get_command(str(data.get("name", "")))
        options = data.get("options") or ()
        while isinstance(node, app_commands.Group) and options and options[0].get("type") in (1, 2):
            node = node.get_command(str(options[0].get("name", "")))
            options = options[0].get("options") or ()
        return isinstance(node, app_commands.Command) and bool(node.extras.get(ACKNOWLEDGES_WHEN_BUSY))


class MultinationsBot(commands.Bot):
    """The community bot. Construct it with the services built by `build_services`."""

    def __init__(
        self,
        services: Services,
        *,
        extensions: Sequence[str] | None = None,
        rate_limiter: MemberRateLimiter | None = None,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        intents.members = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            # Nobody is pinged unless a send names them explicitly.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=BotTree,
            allowed_contexts=GUILD_AND_BOT_DM,
            allowed_installs=GUILD_INSTALL,
            help_command=None,
            member_cache_flags=discord.MemberCacheFlags.from_intents(intents),
            # Without the presences intent Discord sends a guild's members only when asked: the bot asks at
            # start (and for a guild it joins later), so the catch-up of joins and screenings made while it
            # was away, and everything that reads a member, find them.
            chunk_guilds_at_startup=True,
        )
        self.services = services
        #: Interactions being handled right now; above `busy_threshold` the hot handlers acknowledge
        #: first and answer with a follow-up (see `bot.edge.ui.acknowledge_if_busy`).
        self.in_flight = 0
        self.busy_threshold = BUSY_THRESHOLD
        self.burst_threshold = BURST_THRESHOLD
        self.extension_names = list(extensions) if extensions is not None else available_extensions()
        self.rate_limiter = rate_limiter or MemberRateLimiter()

    async def setup_hook(self) -> None:
        """Load extensions, install the command translator, resume scheduled work."""
        await self.tree.set_translator(CatalogTranslator(self.services.catalogs))
        await self.load_feature_extensions()
        await plan_backups(self.services)
        await plan_pruning(self.services)
        await self.services.jobs.reconcile()
        self.services.waker.start()
        await self.services.waker.reschedule()

    async def load_feature_extensions(self) -> None:
        """Load every configured extension (also used offline by `commands`)."""
        for name in self.extension_names:
            if name not in self.extensions:
                await self.load_extension(name)

    async def close(self) -> None:
        """Stop scheduling before the connection closes, so nothing starts half-way.

        A job already running may finish while Discord can still be reached (at most
        `SHUTDOWN_JOB_WAIT` seconds); one that does not is cancelled and runs again at the next start.
        """
        self.services.waker.shutdown()
        await self.services.jobs.stop(timeout=SHUTDOWN_JOB_WAIT)
        await super().close()

    @contextlib.contextmanager
    def handling(self, interaction: discord.Interaction[Any] | None = None) -> Iterator[None]:
        """Count one interaction as in flight while the block runs; its database work answers in time
        (acknowledges first, or gives up politely) when the database is slow (`bot.edge.ui.answer_in_time`)."""
        if interaction is not None:
            answer_in_time(interaction)
        self.in_flight += 1
        if self.in_flight > self.burst_threshold:
            self.services.collector.burst_began()  # no cycle collection in the middle of a burst
        try:
            yield
        finally:
            self.in_flight -= 1
            if not self.in_flight:
                self.services.collector.burst_ended()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A press or pick on a flow's control goes to its flow (`bot.edge.conversation.route_component`)."""
        await route_component(interaction)

    async def on_ready(self) -> None:
        """Start-up is done: what it loaded is kept out of later cycle collections (`bot.core.collector`)."""
        self.services.collector.ready()

    @property
    def busy(self) -> bool:
        """Whether other interactions are being handled at the same time (a burst)."""
        return self.in_flight > self.busy_threshold

    async def translator_for(self, interaction: discord.Interaction[Any]) -> Translator:
        """The reply language: stored choice, else the client locale, else the guild default, else English."""
        return await self.translator_for_user(
            interaction.user.id,
            interaction_locale=interaction.locale.value if interaction.locale else None,
            guild_id=interaction.guild_id,
        )

    async def translator_for_user(
        self, user_id: int, *, interaction_locale: str | None = None, guild_id: int | None = None
    ) -> Translator:
        """The same rule for a member who is not interacting right now (reminders, DMs)."""
        return await self.services.translator_for_user(user_id, guild_id, platform_locale=interaction_locale)

    async def check_rate(self, interaction: discord.Interaction[Any]) -> bool:
        """Refuse kindly when a member acts faster than the limit; other members are unaffected."""
        if interaction.type is discord.InteractionType.autocomplete:
            return True
        if self.rate_limiter.allow(interaction.user.id, self.services.clock.now()):
            return True
        t = await self.translator_for(interaction)
        if not interaction.response.is_done():
            await interaction.response.send_message(
                t._("You are going a bit fast. Please wait a few seconds and try again."), ephemeral=True
            )
        return False

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        """Gateway event handlers: log with the event name only (never the payload)."""
        log.exception("error in event handler %s", event_method)
