"""Welcome onboarding on Discord: greetings, the Start button, the step-by-step flow and `/welcome`.

Thin glue: it resolves the member's language, calls `OnboardingService`, renders and responds.
Every button and select is a `DynamicItem` whose custom id names the member it belongs to, so it
works on old messages and after restarts, and refuses presses by anyone else.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import capabilities as caps
from bot.core import places
from bot.core.access import Capability
from bot.core.areas import MAX_AREAS, areas_of
from bot.core.capabilities import HELP_TOPICS, LinkItem
from bot.core.conversation import Message
from bot.core.errors import UserError
from bot.core.i18n import N_, Items, Translator
from bot.core.jobs import Job, RetryLater
from bot.core.languages import LANGUAGES, language_for_discord_locale
from bot.core.places import Place
from bot.core.services import Services
from bot.core.text import clean_text
from bot.edge.checks import require, require_guild
from bot.edge.client import MultinationsBot
from bot.edge.conversation import DiscordConversation
from bot.edge.errors import guarded
from bot.edge.mentions import MESSAGES_PER_FLUSH, greeting_nonce, mention, plan_chunks, render_chunk
from bot.edge.places import place_channel
from bot.edge.translator import render_command
from bot.edge.ui import SafeView, acknowledge_if_busy, clip, language_options, respond, update_message, user_text
from bot.features.onboarding import greeting, roles
from bot.features.onboarding.checklist import FAQ_COMMAND, Checklist, build_items
from bot.features.onboarding.flows import OnboardingFlows
from bot.features.onboarding.model import (
    AREA,
    AREA_OTHER,
    AREA_OTHER_TITLE,
    CONSENT,
    DONE,
    FUNNEL_PATH,
    LANGUAGE,
    MENTOR,
    STAGE_TITLES,
    STEP_TITLES,
    TOPIC_TITLES,
    TOPICS,
    MemberState,
    bits_to_topics,
    topics_to_bits,
)
from bot.features.onboarding.service import (
    FORMER_VOLUNTEER,
    GREET_KIND,
    REDRAW_CARD_KIND,
    SETTLE_KIND,
    WELCOME_START,
    OnboardingService,
)

log = logging.getLogger(__name__)

CONFIG = "onboarding."
#: Languages the Start button and the start-here post are labelled in.
START_LABEL_LANGUAGES = ("sv", "en", "ar", "prs", "so", "ti", "uk")
START_CUSTOM_ID = "onb:start"
FORBIDDEN_CODES = {50013, 50001}
GREET_RETRY = timedelta(seconds=30)
#: Discord work after a finish that failed for a passing reason is tried again this much later.
SETTLE_RETRY = timedelta(minutes=2)
#: A problem a person must fix (a channel the bot cannot post in) is told to organizers at most this often.
NOTICE_EVERY = timedelta(days=1)
#: Joins this recent that the database does not know are recorded at start (lost to a crash or downtime).
JOIN_CATCH_UP = timedelta(hours=1)
#: The longest welcome text and area name organizers may set.
WELCOME_TEXT_LIMIT = 300
AREA_LIMIT = 100


def _cog(interaction: discord.Interaction[Any]) -> OnboardingCog:
    cog = interaction.client.get_cog("OnboardingCog")  # type: ignore[union-attr]
    if cog is None:
        raise RuntimeError("onboarding is not loaded")
    return cog  # type: ignore[return-value]


def language_name(t: Translator, code: str) -> str:
    """A language's name in the reader's language (native name when Babel has none)."""
    return t.locale.languages.get(code) or LANGUAGES[code].native_name if code in LANGUAGES else code


# ----- persistent components ----------------------------------------------------------------------------
class StartButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"onb:start"):
    """The Start button in the start-here channel; opens the flow for whoever presses it."""

    def __init__(self, label: str = "Start") -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.success,
                                           custom_id=START_CUSTOM_ID))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> StartButton:
        """Rebuild from the posted message."""
        return cls()

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Open (or resume) the member's own flow, ephemerally."""
        await _cog(interaction).open_flow(interaction)


class StepButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"onb:step:(?P<user>\d+):(?P<step>[a-z]+):(?P<value>[\w-]+)"):
    """Any button of the flow: an answer, "change", "send by DM", "continue" or "start over"."""

    def __init__(self, user_id: int, step: str, value: str, label: str = "…",
                 style: discord.ButtonStyle = discord.ButtonStyle.secondary) -> None:
        super().__init__(discord.ui.Button(label=clip(label, 80), style=style,
                                           custom_id=f"onb:step:{user_id}:{step}:{value}"))
        self.user_id, self.step, self.value = user_id, step, value

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> StepButton:
        """Rebuild from an old message (works across restarts)."""
        return cls(int(match["user"]), match["step"], match["value"])

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Act for the member the button belongs to."""
        await _cog(interaction).on_step(interaction, self.user_id, self.step, self.value, [])


class StepSelect(discord.ui.DynamicItem[discord.ui.Select[Any]],
                 template=r"onb:pick:(?P<user>\d+):(?P<step>[a-z]+)"):
    """The select menus of the flow: language, help topics, area."""

    def __init__(self, user_id: int, step: str, options: list[discord.SelectOption] | None = None,
                 placeholder: str | None = None, max_values: int = 1) -> None:
        options = options or [discord.SelectOption(label="-", value="-")]
        super().__init__(discord.ui.Select(custom_id=f"onb:pick:{user_id}:{step}", options=options,
                                           placeholder=placeholder, min_values=1,
                                           max_values=min(max_values, len(options))))
        self.user_id, self.step = user_id, step

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Select[Any],
                             match: re.Match[str], /) -> StepSelect:
        """Rebuild from an old message."""
        return cls(int(match["user"]), match["step"])

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Store the picked values for the member the menu belongs to."""
        values = [str(v) for v in (interaction.data or {}).get("values") or []]  # type: ignore[union-attr]
        await _cog(interaction).on_step(interaction, self.user_id, self.step, "pick", values)


class ClaimButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"onb:claim:(?P<user>\d+)"):
    """"I'll say hello" on a volunteer card."""

    def __init__(self, user_id: int, label: str = "…") -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.primary,
                                           custom_id=f"onb:claim:{user_id}"))
        self.user_id = user_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> ClaimButton:
        """Rebuild from the card."""
        return cls(int(match["user"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Claim the newcomer for the pressing volunteer (first press wins)."""
        await _cog(interaction).on_claim(interaction, self.user_id)


DYNAMIC_ITEMS = (StartButton, StepButton, StepSelect, ClaimButton)


class _PendingBefore:
    """The "before" side of a screening that completed while the bot was not running."""

    pending = True


class OnboardingCog(commands.Cog):
    """The welcome: greetings, the flow, the volunteers' queue and the organizers' settings."""

    def __init__(self, bot: MultinationsBot, service: OnboardingService) -> None:
        self.bot = bot
        self.service = service
        self.services: Services = bot.services
        self.flows = OnboardingFlows(service, bot.services, DiscordConversation(bot))

    async def cog_unload(self) -> None:
        """Stop the flows' jobs (rows stay planned)."""
        self.flows.stop()

    async def cog_load(self) -> None:
        """Register the scheduled work that talks to Discord."""
        self.services.jobs.register(GREET_KIND, self._run_greet, grace=greeting.GREETING_WINDOW * 60,
                                    on_missed=self._skip_greet)
        await self.flows.start()
        self.services.jobs.register(SETTLE_KIND, self._run_settle, grace=timedelta(days=7))
        self.services.jobs.register(REDRAW_CARD_KIND, self._run_redraw_card, grace=timedelta(days=365))

    # ----- configuration -------------------------------------------------------------------------------
    async def config(self, guild_id: int, key: str, default: Any = None) -> Any:
        """An onboarding setting of the guild."""
        return await self.services.guild_config.get(guild_id, CONFIG + key, default)

    async def channel(self, guild: discord.Guild, place: Place) -> discord.TextChannel | None:
        """The channel of a place (chosen in the setup, else its conventional name)."""
        return await place_channel(self.bot, self.services.places, guild.id, place)

    async def role(self, guild: discord.Guild, configured: Any, fallback: str) -> discord.Role | None:
        """A configured role id, else the conventional name."""
        found = guild.get_role(int(configured)) if configured else None
        return found or discord.utils.get(guild.roles, name=fallback)

    async def areas(self, guild_id: int) -> list[str]:
        """The areas members may choose from (without "other")."""
        return await areas_of(self.services.guild_config, guild_id)

    async def org_translator(self, guild_id: int) -> Translator:
        """The guild's language, for staff channels."""
        return self.services.translator(await self.services.guild_language(guild_id))

    def guild_id_of(self, interaction: discord.Interaction[Any]) -> int:
        """The guild of the flow (the configured guild when pressed in DMs)."""
        guild_id = interaction.guild_id or self.services.settings.guild_id
        if guild_id is None:
            require_guild(interaction)
        return int(guild_id)  # type: ignore[arg-type]

    async def flow_guild_id(self, interaction: discord.Interaction[Any]) -> int:
        """The guild of the flow, refusing a presser who is not (or no longer) one of its members.

        In the guild Discord vouches for membership; in DMs the configured guild is assumed, so a member
        who left (and was forgotten) could otherwise store answers and be offered to the volunteers.
        """
        guild_id = self.guild_id_of(interaction)
        if interaction.guild_id is None and not await self.is_member(guild_id, interaction.user.id):
            raise UserError(N_("The welcome is for members of the server. If you would like to join again, "
                               "you are welcome: then press Start there."))
        return guild_id

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        """Whether the user is in the guild (the member cache first, then Discord)."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return False
        if guild.get_member(user_id) is not None:
            return True
        try:
            await guild.fetch_member(user_id)
        except discord.NotFound:
            return False
        return True

    # ----- gateway events --------------------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """Record the join at once; the greeting follows in a coalesced message."""
        if member.bot:
            return
        await self.service.record_join(member.guild.id, member.id, pending=bool(member.pending))

    @commands.Cog.listener()
    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """Rules Screening passed: greet now, and give the roles of a flow finished while pending."""
        if after.bot or not before.pending or after.pending:
            return
        state = await self.service.screening_passed(after.guild.id, after.id)
        if state is not None and state.finished:
            language = await self.services.prefs.language(after.id) or "en"
            await self.apply_roles(after, language, state.help_topics)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """Take the member off the volunteers' queue (the core's retention job deletes their data later)."""
        if payload.user.bot:
            return
        await self.service.record_leave(payload.guild_id, payload.user.id)
        state = await self.service.get(payload.guild_id, payload.user.id)
        guild = self.bot.get_guild(payload.guild_id)
        if state is None or guild is None or state.card_message_id is None or state.claimed_by is not None:
            return
        # An unclaimed card stops showing what they shared once they are gone.
        channel = await self.channel(guild, places.VOLUNTEERS)
        if channel is None:
            return
        t = await self.org_translator(guild.id)
        try:
            await channel.get_partial_message(state.card_message_id).edit(
                content=t._("This newcomer has left the server."), view=None)
        except discord.HTTPException:
            log.info("could not update a volunteer card in guild %s", guild.id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Post the Start message in the start-here channel when it is missing."""
        for guild in self.bot.guilds:
            try:
                await self.ensure_start_message(guild)
            except discord.HTTPException:
                log.warning("could not post the start message in guild %s", guild.id)
            await self.catch_up_joins(guild)
            await self.catch_up_screening(guild)

    async def catch_up_joins(self, guild: discord.Guild) -> None:
        """Members who joined shortly before a crash or while the bot was away are recorded (and greeted) now.

        A join is only known from its gateway event; when the process died before the join was committed,
        the member would otherwise never be welcomed.
        """
        since = self.services.clock.now() - JOIN_CATCH_UP
        seen = await self.service.joins_seen_until(guild.id)
        recent = {m.id: m for m in guild.members if not m.bot and m.joined_at is not None and m.joined_at >= since
                  and (seen is None or m.joined_at > seen)}
        if not recent:
            return
        known = await self.service.known(guild.id, list(recent))
        # Together, so that they share one group commit.
        await asyncio.gather(*(self.service.record_join(guild.id, user_id, pending=bool(member.pending))
                               for user_id, member in recent.items() if user_id not in known))

    async def catch_up_screening(self, guild: discord.Guild) -> None:
        """Members who passed Rules Screening while the bot was away are greeted (and given roles) now."""
        for user_id in await self.service.pending_members(guild.id):
            member = guild.get_member(user_id)
            if member is not None and not member.pending:
                await self.on_member_update(_PendingBefore(), member)  # type: ignore[arg-type]

    async def ensure_start_message(self, guild: discord.Guild) -> None:
        """Post the persistent Start button once (its message id is kept in guild_config)."""
        channel = await self.channel(guild, places.START)
        if channel is None:
            return
        stored = await self.config(guild.id, "start_message_id")
        if stored and await self.config(guild.id, "start_message_channel") not in (None, channel.id):
            stored = None  # the start channel moved: post it there
        if stored:
            try:
                await channel.fetch_message(int(stored))
                return
            except discord.NotFound:
                pass
        lines, labels = [], []
        for code in START_LABEL_LANGUAGES:
            t = self.services.translator(code)
            line = t._("Welcome! Press Start to choose your language and get help with your first steps here.")
            if line not in lines:
                lines.append(line)
            label = t._("Start")
            if label not in labels:
                labels.append(label)
        view = SafeView()
        view.add_item(StartButton(label=clip(" · ".join(labels), 80)))
        message = await channel.send(clip("\n".join(lines)), view=view)
        await self.services.guild_config.set(guild.id, CONFIG + "start_message_id", message.id)
        await self.services.guild_config.set(guild.id, CONFIG + "start_message_channel", channel.id)

    # ----- greetings -------------------------------------------------------------------------------------
    async def greeting_header(self, guild: discord.Guild) -> str:
        """The welcome lines in the server's languages (organizers' texts first)."""
        start = await self.channel(guild, places.START)
        where = start.mention if start else "#start-here"
        texts: dict[str, str] = await self.config(guild.id, "welcome_text", {})
        codes = list(await self.config(guild.id, "greeting_languages", list(greeting.DEFAULT_GREETING_LANGUAGES)))
        codes += [code for code in texts if code not in codes]  # a language given its own text is greeted in
        lines: list[str] = []
        for code in codes:
            custom = texts.get(code)
            line = user_text(custom).replace("{channel}", where) if custom else \
                self.services.translator(code)._(greeting.GREETING_LINE, channel=where)
            if line not in lines:
                lines.append(line)
        return clip("\n".join(lines), 1200)

    async def _run_greet(self, job: Job) -> None:
        guild_id = int(job.payload["guild"])
        guild = self.bot.get_guild(guild_id)
        ids = await self.service.ungreeted(guild_id)
        if guild is None or not ids:
            return
        channel = await self.channel(guild, places.WELCOME)
        if channel is None:
            await self.service.mark_greeted(guild_id, ids)
            return
        header = await self.greeting_header(guild)
        chunks = plan_chunks(header, ids)
        if len(chunks) > MESSAGES_PER_FLUSH:
            chunks = chunks[:MESSAGES_PER_FLUSH]
            await self.service.plan_next_greeting(guild_id, job.due_at)
        for chunk in chunks:
            try:
                await channel.send(
                    render_chunk(header, chunk),
                    allowed_mentions=discord.AllowedMentions(users=[discord.Object(uid) for uid in chunk],
                                                             everyone=False, roles=False, replied_user=False),
                    nonce=greeting_nonce(chunk[0]),
                )
            except (discord.Forbidden, discord.NotFound):
                # A person must act (permission or a deleted channel): tell organizers, do not retry; the
                # members can still press Start, so their greeting is skipped rather than sent late.
                log.warning("cannot greet in the welcome channel of guild %s", guild_id)
                await self.tell_channel_problem(guild, channel)
            except discord.HTTPException as exc:
                # discord.py already retried 429 and 5xx; try the rest of the window again later.
                raise RetryLater(GREET_RETRY, "discord unavailable") from exc
            await self.service.mark_greeted(guild_id, chunk)

    async def _skip_greet(self, job: Job) -> None:
        """Greetings found hours late after downtime are not sent (a stale welcome is noise)."""
        guild_id = int(job.payload["guild"])
        ids = await self.service.ungreeted(guild_id)
        if ids:
            await self.service.mark_greeted(guild_id, ids)

    # ----- the flow --------------------------------------------------------------------------------------
    async def open_flow(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Start or resume the presser's own flow (Start button and /welcome start)."""
        guild_id = await self.flow_guild_id(interaction)
        await acknowledge_if_busy(interaction)
        state = await self.service.begin(guild_id, interaction.user.id)
        t = await self.bot.translator_for(interaction)
        if state.returning:
            content, embed, view = self.render_rejoin(t, state)
        elif state.finished and state.step == DONE:
            content, embed, view = await self.render_summary(t, state, interaction)
        else:
            await self.show(interaction, state, edit=False)
            return
        await respond(interaction, content, embed=embed, view=view)

    async def on_step(self, interaction: discord.Interaction[MultinationsBot], user_id: int, step: str,
                      value: str, values: list[str]) -> None:
        """One press or pick in the flow."""
        if interaction.user.id != user_id:
            log.info("refused a press on another member's welcome (user %s, step %s)", interaction.user.id, step)
            t = await self.bot.translator_for(interaction)
            await respond(interaction, t._("This belongs to someone else's welcome. Press Start or use "
                                           "/welcome start to open your own."))
            return
        guild_id = await self.flow_guild_id(interaction)
        svc = self.service
        if step != "dm":
            await acknowledge_if_busy(interaction, update=True)
        if step == LANGUAGE:
            state = await svc.choose_language(guild_id, user_id, values[0] if values else value)
        elif step == CONSENT:
            state = await svc.set_consent(guild_id, user_id, value == "yes")
        elif step == TOPICS:
            state = await svc.set_topics(guild_id, user_id, [v for v in values if v in HELP_TOPICS])
        elif step == AREA:
            state = await svc.set_area(guild_id, user_id, values[0] if values else None)
        elif step == MENTOR:
            state = await svc.set_mentor(guild_id, user_id, value == "yes")
        elif step == "change":
            state = await svc.edit(guild_id, user_id, value)
        elif step == "rejoin":
            if value == "continue":
                state = await svc.continue_saved(guild_id, user_id)
            else:
                state = await svc.start_over(guild_id, user_id)
        elif step == "dm":
            await self.send_checklist_dm(interaction, guild_id, bits_to_topics(int(value) if value.isdigit() else 0))
            return
        elif step == "summary":
            found = await svc.get(guild_id, user_id)
            if found is None:
                raise UserError(N_("Please start the welcome first: press Start or use {command}."),
                                command=WELCOME_START)
            t = await self.bot.translator_for(interaction)
            content, embed, view = await self.render_summary(t, found, interaction)
            await update_message(interaction, content, embed=embed, view=view)
            return
        else:
            raise UserError(N_("Please start the welcome first: press Start or use {command}."),
                            command=WELCOME_START)
        await self.show(interaction, state, edit=True)

    async def show(self, interaction: discord.Interaction[MultinationsBot], state: MemberState, *,
                   edit: bool) -> None:
        """Render the member's current step (finishing when they reached the end)."""
        t = await self.bot.translator_for(interaction)
        afterwards = None
        if state.step == DONE:
            content, embed, view, afterwards = await self.complete(interaction, t, state)
        else:
            content, embed, view = await self.render_step(t, state, interaction)
        if edit:
            await update_message(interaction, content, embed=embed, view=view)
        else:
            await respond(interaction, content, embed=embed, view=view)
        if afterwards is not None:
            await afterwards()

    async def render_step(self, t: Translator, state: MemberState,
                          interaction: discord.Interaction[Any]) -> tuple[str, discord.Embed | None, discord.ui.View]:
        """The question of one step, with its components."""
        uid = state.user_id
        view = SafeView()
        total = 5
        number = {LANGUAGE: 1, CONSENT: 2, TOPICS: 3, AREA: 4, MENTOR: 5}[state.step]
        progress = t._("Step {number} of {total}", number=t.number(number), total=t.number(total))
        if state.step == LANGUAGE:
            stored = await self.services.prefs.language(uid)
            locale = interaction.locale.value if interaction.locale else None
            preselected = stored or language_for_discord_locale(locale)
            view.add_item(StepSelect(uid, LANGUAGE, language_options(preselected),
                                     placeholder="Language · Språk · اللغة · زبان · Luqadda · ቋንቋ · Мова"))
            if preselected:
                view.add_item(StepButton(uid, LANGUAGE, preselected,
                                         t._("Continue in {language}", language=LANGUAGES[preselected].native_name),
                                         discord.ButtonStyle.success))
            text = t._("Welcome! Which language would you like me to use with you?")
        elif state.step == CONSENT:
            view.add_item(StepButton(uid, CONSENT, "yes", t._("Yes, store my answers"), discord.ButtonStyle.success))
            view.add_item(StepButton(uid, CONSENT, "no", t._("No, keep only my language")))
            text = t._(
                "Before we continue, about your privacy. I will ask what you would like help with, where in the "
                "municipality you live and whether you would like a mentor. If you agree, your answers are "
                "stored so that volunteers can welcome you and you can change them later; you can see or delete "
                "them at any time with /privacy. If you do not agree, you still get your roles and your "
                "checklist, and only your language choice is kept. I never ask about your country of origin, "
                "religion or health."
            )
        elif state.step == TOPICS:
            options = [discord.SelectOption(label=t._(TOPIC_TITLES[topic]), value=topic,
                                            default=topic in state.help_topics) for topic in HELP_TOPICS]
            view.add_item(StepSelect(uid, TOPICS, options, placeholder=t._("Choose one or more"),
                                     max_values=len(options)))
            view.add_item(StepButton(uid, TOPICS, "none", t._("Skip")))
            text = t._("What would you like help with? You can choose several.")
        elif state.step == AREA:
            areas = await self.areas(state.guild_id)
            options = [discord.SelectOption(label=clip(area, 100), value=clip(area, 100),
                                            default=area == state.area) for area in areas[:24]]
            options.append(discord.SelectOption(label=t._(AREA_OTHER_TITLE), value=AREA_OTHER,
                                                default=state.area == AREA_OTHER))
            view.add_item(StepSelect(uid, AREA, options, placeholder=t._("Choose a place")))
            view.add_item(StepButton(uid, AREA, "none", t._("Skip")))
            text = t._("Which part of the municipality do you live in? This is optional.")
        else:
            view.add_item(StepButton(uid, MENTOR, "yes", t._("Yes, please"), discord.ButtonStyle.success))
            view.add_item(StepButton(uid, MENTOR, "no", t._("Not now")))
            text = t._("Would you like a mentor: a volunteer who meets you now and then and helps you find your "
                       "way?")
        return f"{progress}\n{text}", None, view

    def render_rejoin(self, t: Translator, state: MemberState) -> tuple[str, None, discord.ui.View]:
        """The choice offered to a member who came back."""
        view = SafeView()
        view.add_item(StepButton(state.user_id, "rejoin", "continue", t._("Continue with my saved answers"),
                                 discord.ButtonStyle.success))
        view.add_item(StepButton(state.user_id, "rejoin", "restart", t._("Start over")))
        return t._("Welcome back! Would you like to continue with your saved answers, or start over?"), None, view

    async def render_summary(self, t: Translator, state: MemberState,
                             interaction: discord.Interaction[Any]) -> tuple[str, None, discord.ui.View]:
        """The member's answers with a "change" button per step."""
        language = await self.services.prefs.language(state.user_id)
        none = t._("not answered")
        lines = [t._("Your welcome answers:"),
                 f"• {t._(STEP_TITLES[LANGUAGE])}: {LANGUAGES[language].native_name if language else none}"]
        if state.consent:
            stored_note = t._("Your answers are stored.")
            lines.append(f"• {t._(STEP_TITLES[CONSENT])}: {stored_note}")
            topics = t.join([t._(TOPIC_TITLES[x]) for x in state.help_topics]) if state.help_topics else none
            lines.append(f"• {t._(STEP_TITLES[TOPICS])}: {topics}")
            lines.append(f"• {t._(STEP_TITLES[AREA])}: {self.area_title(t, state.area) or none}")
            mentor = none if state.wants_mentor is None else (t._("Yes, please") if state.wants_mentor
                                                                else t._("Not now"))
            lines.append(f"• {t._(STEP_TITLES[MENTOR])}: {mentor}")
        else:
            kept_note = t._("Only your language is kept.")
            lines.append(f"• {t._(STEP_TITLES[CONSENT])}: {kept_note}")
        lines.append(t._("Press a button to change an answer."))
        view = SafeView()
        for step in (LANGUAGE, CONSENT, TOPICS, AREA, MENTOR):
            view.add_item(StepButton(state.user_id, "change", step, t._(STEP_TITLES[step])))
        return "\n".join(lines), None, view

    @staticmethod
    def area_title(t: Translator, area: str | None) -> str | None:
        """An area as shown ("other" translated)."""
        if area == AREA_OTHER:
            return t._(AREA_OTHER_TITLE)
        return area

    # ----- the end of the flow ---------------------------------------------------------------------------------
    async def complete(self, interaction: discord.Interaction[MultinationsBot], t: Translator,
                       state: MemberState) -> tuple[str, discord.Embed, discord.ui.View,
                                                    Callable[[], Awaitable[None]]]:
        """Finish: the checklist screen now, and the Discord work (roles, volunteer card) to do after answering."""
        guild_id = state.guild_id
        state, _first = await self.service.finish(guild_id, state.user_id)
        language = t.code
        notes: list[str] = []
        guild = self.bot.get_guild(guild_id)
        member = guild.get_member(state.user_id) if guild else None
        if member is None and isinstance(interaction.user, discord.Member):
            member = interaction.user
        if member is not None and member.pending:
            notes.append(t._("You will get your roles as soon as you have accepted the server rules."))
        if state.wants_mentor:
            notes.append(await self.request_mentor(t, state, language))
        checklist = await self.build_checklist(guild_id, state.help_topics, language)
        embed = self.checklist_embed(t, checklist)
        view = SafeView()
        view.add_item(StepButton(state.user_id, "dm", str(topics_to_bits(state.help_topics)),
                                 t._("Send me this as a direct message"), discord.ButtonStyle.primary))
        view.add_item(StepButton(state.user_id, "summary", "show", t._("See or change my answers")))
        content = "\n".join([t._("All done, welcome! Here are your first steps."), *notes])

        async def afterwards() -> None:
            # Discord requests that may be slow or rate limited: after the member has their answer. The
            # finish planned an after-finish job; it is cancelled only when all of this worked, so a crash
            # or a Discord outage here is made good by the job.
            done = True
            if member is not None and not member.pending:
                done = await self.apply_roles(member, language, state.help_topics, prune_help=bool(state.consent))
            if guild is not None and self.card_owed(state):
                done = await self.post_card(guild, state, language) and done
            if done:
                await self.service.settled(guild_id, state.user_id)

        return content, embed, view, afterwards

    async def request_mentor(self, t: Translator, state: MemberState, language: str) -> str:
        """Ask the mentoring capability for a mentor, and say what happened."""
        mentoring = self.services.capabilities.get(caps.MENTORING)
        if mentoring is None:
            return t._("There is no mentor programme on this server yet; a volunteer will say hello instead.")
        try:
            created = await mentoring.request_from_onboarding(
                state.guild_id, state.user_id, [language],
                state.help_topics if state.consent else [],
                state.area if state.consent and state.area != AREA_OTHER else None,
            )
        except Exception:
            log.exception("mentoring request from onboarding failed")
            return t._("I could not ask for a mentor just now; please try again later with /welcome start.")
        if not created:
            # The mentoring capability creates or refreshes: False means the request already existed.
            return t._("You are already on the waiting list for a mentor; a coordinator will be in touch.")
        return t._("I have asked for a mentor for you. A coordinator will be in touch.")

    async def build_checklist(self, guild_id: int, topics: list[str], language: str) -> Checklist:
        """The member's items plus FAQ entries and events when those features are installed."""
        checklist = Checklist(build_items(topics))
        faq = self.services.capabilities.get(caps.FAQ)
        if faq is not None and topics:
            try:
                checklist.faq = list(await faq.entries_for_topics(topics, language, 5))[:5]
            except Exception:
                log.exception("FAQ entries for the checklist failed")
        events = self.services.capabilities.get(caps.EVENTS)
        if events is not None:
            try:
                checklist.events = list(await events.upcoming(guild_id, language, 3))[:3]
            except Exception:
                log.exception("events for the checklist failed")
        return checklist

    @staticmethod
    def checklist_embed(t: Translator, checklist: Checklist) -> discord.Embed:
        """The checklist as an embed."""
        embed = discord.Embed(title=t._("Your first steps"),
                              description=clip("\n".join(f"☐ {t._(item, command=render_command(FAQ_COMMAND))}"
                                                          for item in checklist.items), 4000))

        def link(item: LinkItem) -> str:
            when = f" ({t.datetime(item.when, 'short')})" if item.when else ""
            # Titles are written by members (organizers, volunteers): shown without markdown or mentions.
            return f"• {user_text(item.title)}{when}: {t.isolate(render_command(item.hint))}"

        if checklist.faq:
            embed.add_field(name=t._("Answers that may help"), value=clip("\n".join(map(link, checklist.faq)), 1024),
                            inline=False)
        if checklist.events:
            embed.add_field(name=t._("Coming up"), value=clip("\n".join(map(link, checklist.events)), 1024),
                            inline=False)
        return embed

    async def send_checklist_dm(self, interaction: discord.Interaction[MultinationsBot], guild_id: int,
                                topics: list[str]) -> None:
        """Opt in to DMs and send the checklist; closed DMs fall back to showing it here."""
        t = await self.bot.translator_for(interaction)
        await self.services.prefs.set_dm_allowed(interaction.user.id, True)
        embed = self.checklist_embed(t, await self.build_checklist(guild_id, topics, t.code))
        try:
            await interaction.user.send(embed=embed)
        except discord.HTTPException:
            await respond(interaction, t._("Here is your checklist again, to keep:"), embed=embed)
            return
        await respond(interaction, t._("I have sent you the checklist in a direct message."))

    async def apply_roles(self, member: discord.Member, language: str, topics: list[str], *,
                          prune_help: bool = False) -> bool:
        """Give newcomer, language and help-topic roles; tell organizers in plain words when Discord refuses.

        The language role of a language the member no longer uses is taken away. With `prune_help`,
        help-topic roles for topics no longer chosen are taken away too (the full set of topics is known
        only when the answers are stored). Returns False when Discord failed for a passing reason (worth
        trying again); refusals a person must fix are told to organizers and count as done.
        """
        guild = member.guild
        choices = roles.LabelChoices(await self.config(guild.id, "newcomer_role"),
                                     await self.config(guild.id, "language_roles", {}),
                                     await self.config(guild.id, "help_roles", {}))
        wanted = [found for label in roles.wanted(choices, language, topics)
                  if (found := await self.role(guild, label.chosen, label.fallback)) is not None]
        held = {role.id for role in member.roles}
        failed: list[discord.Role] = []
        settled = True
        for role in wanted:
            if role.id not in held:
                settled &= await self._change_role(member, role, add=True, failed=failed)
        wanted_ids = {role.id for role in wanted}
        stale = [found for label in roles.unwanted(choices, language, prune_help=prune_help)
                 if (found := await self.role(guild, label.chosen, label.fallback)) is not None
                 and found.id in held and found.id not in wanted_ids]
        for found in stale:
            settled &= await self._change_role(member, found, add=False, failed=failed)
        if failed:
            await self.report_refused_roles(guild, failed, member)
        return settled

    @staticmethod
    async def _change_role(member: discord.Member, role: discord.Role, *, add: bool,
                           failed: list[discord.Role]) -> bool:
        """Give or take one role. Refused roles go to `failed`; False when Discord should be asked again."""
        try:
            if add:
                await member.add_roles(role, reason="welcome finished")
            else:
                await member.remove_roles(role, reason="welcome answers changed")
        except discord.Forbidden:
            failed.append(role)
        except discord.NotFound:
            log.warning("a welcome role or the member is gone in guild %s", member.guild.id)
        except discord.HTTPException:
            log.warning("role %s failed in guild %s", "change" if add else "removal", member.guild.id)
            return False
        return True

    async def report_refused_roles(self, guild: discord.Guild, roles: list[discord.Role],
                                   member: discord.Member) -> None:
        """A plain-words note for organizers about roles the bot could not give (once a day per member)."""
        t = await self.org_translator(guild.id)
        text = t._("I could not give the roles {roles} to {member}: Discord says I lack permission. My own role "
                   "must be above these roles in Server Settings → Roles, and I need the Manage Roles permission. "
                   "Their welcome finished anyway; please give the roles by hand or move my role up.",
                   roles=t.join([role.name for role in roles]), member=member.mention)
        day = int(self.services.clock.now().timestamp()) // 86400
        await self.notify_organizers(guild, text, f"onboarding:roles:{member.id}:{day}")

    async def tell_channel_problem(self, guild: discord.Guild, channel: discord.abc.GuildChannel) -> None:
        """Tell organizers (at most once a day per channel) that the bot cannot post in a channel."""
        key = f"{CONFIG}notice.channel.{channel.id}"
        now = self.services.clock.now()
        last = await self.services.guild_config.get(guild.id, key)
        if last is not None and now.timestamp() - float(last) < NOTICE_EVERY.total_seconds():
            return
        t = await self.org_translator(guild.id)
        text = t._("I cannot post in {channel}: Discord says the channel is gone or I lack permission there. Please "
                   "check that I can see it and send messages in it, or choose another channel with /welcome setup.",
                   channel=channel.mention)
        day = int(now.timestamp()) // 86400
        if await self.notify_organizers(guild, text, f"onboarding:channel:{channel.id}:{day}"):
            await self.services.guild_config.set(guild.id, key, now.timestamp())

    async def notify_organizers(self, guild: discord.Guild, text: str, key: str) -> bool:
        """A plain-words note for the organizers' staff group (one per idempotency `key`). True when delivered."""
        return bool(await self.flows.chat.notify(guild.id, places.ORGANIZERS, Message.of(text), key=key))

    def card_text(self, t: Translator, state: MemberState, language: str, claimed_by: int | None) -> str:
        """What a volunteer card says: only what the member agreed to share."""
        lines = [t._("A newcomer would like a hello: {member}", member=mention(state.user_id)),
                 t._("Speaks: {languages}", languages=language_name(t, language))]
        if state.help_topics:
            lines.append(t._("Would like help with: {topics}",
                             topics=t.join([t._(TOPIC_TITLES[x]) for x in state.help_topics])))
        if state.area:
            lines.append(t._("Area: {area}", area=user_text(self.area_title(t, state.area) or "")))
        if state.wants_mentor:
            lines.append(t._("Would like a mentor."))
        if claimed_by == FORMER_VOLUNTEER:
            lines.append(t._("A volunteer is saying hello."))
        elif claimed_by is not None:
            lines.append(t._("{volunteer} is saying hello.", volunteer=mention(claimed_by)))
        return "\n".join(lines)

    @staticmethod
    def card_owed(state: MemberState) -> bool:
        """Whether a finished member should have a volunteer card that was not posted yet."""
        return bool(state.consent) and state.finished and state.card_message_id is None \
            and state.claimed_by is None and state.left_at is None

    @staticmethod
    def card_nonce(state: MemberState) -> str:
        """Discord deduplicates a card sent twice (a crash between sending and storing its id)."""
        stamp = int(state.finished_at.timestamp()) if state.finished_at else 0
        return f"onbc{_base36(state.user_id)}{_base36(stamp)}"[:25]

    async def post_card(self, guild: discord.Guild, state: MemberState, language: str) -> bool:
        """Post the card in the volunteers' channel. False when Discord failed for a passing reason."""
        channel = await self.channel(guild, places.VOLUNTEERS)
        if channel is None:
            return True
        t = await self.org_translator(guild.id)
        view = SafeView()
        view.add_item(ClaimButton(state.user_id, t._("I'll say hello")))
        try:
            message = await channel.send(clip(self.card_text(t, state, language, None)), view=view,
                                         nonce=self.card_nonce(state))
        except (discord.Forbidden, discord.NotFound):
            log.warning("could not post a volunteer card in guild %s", guild.id)
            await self.tell_channel_problem(guild, channel)
            return True
        except discord.HTTPException:
            log.warning("could not post a volunteer card in guild %s", guild.id)
            return False
        await self.service.set_card(guild.id, state.user_id, message.id)
        return True

    async def _run_settle(self, job: Job) -> None:
        """After a finish whose Discord work was interrupted: roles and the card, once."""
        guild_id, user_id = int(job.payload["guild"]), int(job.payload["user"])
        guild = self.bot.get_guild(guild_id)
        state = await self.service.get(guild_id, user_id)
        if guild is None or state is None or not state.finished or state.left_at is not None:
            return
        language = await self.services.prefs.language(user_id) or "en"
        done = True
        member = guild.get_member(user_id)
        if member is not None and not member.pending:
            done = await self.apply_roles(member, language, state.help_topics, prune_help=bool(state.consent))
        if self.card_owed(state):
            done = await self.post_card(guild, state, language) and done
        if not done:
            raise RetryLater(SETTLE_RETRY, "discord unavailable")

    async def _run_redraw_card(self, job: Job) -> None:
        """After a volunteer's `/privacy delete`: the card she claimed no longer names her."""
        guild_id, user_id = int(job.payload["guild"]), int(job.payload["user"])
        guild = self.bot.get_guild(guild_id)
        state = await self.service.get(guild_id, user_id)
        if guild is None or state is None or state.card_message_id is None:
            return  # the newcomer's own deletion blanks the card
        channel = await self.channel(guild, places.VOLUNTEERS)
        if channel is None:
            return
        language = await self.services.prefs.language(user_id) or "en"
        t = await self.org_translator(guild_id)
        content = self.card_text(t, state, language, state.claimed_by)
        try:
            await channel.get_partial_message(state.card_message_id).edit(content=clip(content), view=None)
        except (discord.NotFound, discord.Forbidden):
            return  # deleted by hand, or no longer ours to edit
        except discord.HTTPException as exc:
            raise RetryLater(GREET_RETRY, "discord unavailable") from exc

    async def on_claim(self, interaction: discord.Interaction[MultinationsBot], newcomer_id: int) -> None:
        """A volunteer claims a card; a second claim is refused politely."""
        guild_id = require(interaction, Capability.VOLUNTEER, Capability.ORGANIZER)
        t = await self.bot.translator_for(interaction)
        result = await self.service.claim(guild_id, newcomer_id, interaction.user.id)
        if not result.claimed:
            if result.claimed_by is None:
                if await self.service.get(guild_id, newcomer_id) is None and interaction.message is not None:
                    # The member deleted their data: the card must not keep showing it.
                    await interaction.response.edit_message(
                        content=(await self.org_translator(guild_id))._(
                            "This newcomer's welcome card is no longer available."), view=None)
                    await interaction.followup.send(
                        t._("This newcomer's welcome card is no longer available."), ephemeral=True)
                    return
                await respond(interaction, t._("This newcomer's welcome card is no longer available."))
            elif result.claimed_by == FORMER_VOLUNTEER:
                await respond(interaction, t._("Thank you! A volunteer has already said they will say hello."))
            else:
                await respond(interaction, t._("Thank you! {volunteer} has already said they will say hello.",
                                               volunteer=mention(result.claimed_by)))
            return
        state = await self.service.get(guild_id, newcomer_id)
        language = await self.services.prefs.language(newcomer_id) or "en"
        t_org = await self.org_translator(guild_id)
        content = self.card_text(t_org, state, language, interaction.user.id) if state else None
        await interaction.response.edit_message(content=clip(content) if content else None, view=None)
        thanks = t._("Thank you! Please say hello to {member}.", member=mention(newcomer_id))
        await interaction.followup.send(thanks, ephemeral=True)

    # ----- commands --------------------------------------------------------------------------------------
    welcome = app_commands.Group(name="welcome", description="Your welcome to the server, and the volunteers' queue")

    @welcome.command(name="start", description="Start your welcome, or see and change your answers")
    async def welcome_start(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Open the flow for the member (ephemeral)."""
        await self.open_flow(interaction)

    @welcome.command(name="queue", description="Newcomers who would like a hello (volunteers)")
    async def welcome_queue(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Unclaimed newcomers, with what they agreed to share."""
        guild_id = require(interaction, Capability.VOLUNTEER, Capability.ORGANIZER)
        t = await self.bot.translator_for(interaction)
        waiting = await self.service.queue(guild_id)
        if not waiting:
            await respond(interaction, t._("Nobody is waiting for a hello right now."))
            return
        lines = [t.n_("{n} newcomer would like a hello:", "{n} newcomers would like a hello:", len(waiting))]
        for state in waiting:
            language = await self.services.prefs.language(state.user_id) or "en"
            topics = t.join([t._(TOPIC_TITLES[x]) for x in state.help_topics]) if state.help_topics else "-"
            lines.append(f"• <@{state.user_id}>: {t.clauses([language_name(t, language), topics])}")
        await respond(interaction, "\n".join(lines))

    @welcome.command(name="stats", description="How many newcomers reached each welcome step (organizers)")
    async def welcome_stats(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """The funnel, aggregates only."""
        guild_id = require(interaction, Capability.ORGANIZER)
        t = await self.bot.translator_for(interaction)
        counts = await self.service.stats(guild_id)
        lines = [t._("Welcome funnel (all time, no names):")]
        previous: int | None = None
        for stage in FUNNEL_PATH:
            count = counts[stage]
            line = f"• {t._(STAGE_TITLES[stage])}: {t.number(count)}"
            if previous:
                lost = max(previous - count, 0)
                line += " " + t._("({lost} fewer than the step before, {percent}%)", lost=t.number(lost),
                                  percent=t.number(round(100 * lost / previous)))
            lines.append(line)
            previous = count
        for stage in ("consented", "declined"):
            lines.append(f"• {t._(STAGE_TITLES[stage])}: {t.number(counts[stage])}")
        await respond(interaction, "\n".join(lines))

    @welcome.command(name="setup", description="Set the welcome channels, roles, areas and texts (organizers)")
    @app_commands.describe(
        welcome_channel="Where new members are greeted",
        start_channel="Where the Start button is posted",
        volunteers_channel="Where volunteers get welcome cards",
        organizers_channel="Where problems are reported to organizers",
        announcements_channel="Where events are announced",
        coordinators_channel="Where mentoring coordinators are told what needs them",
        pairs_channel="Where mentoring pairs get their private threads",
        translators_channel="Where translators hear which FAQ translations need work",
        newcomer_role="The role every newcomer gets",
        areas="Places to choose from, separated by commas",
        language="Language code of the welcome text, e.g. sv or ar",
        welcome_text="The welcome text in that language",
        role_for="A language code (e.g. ar) or help topic (e.g. housing) that gets its own role",
        role="The role given for that language or help topic",
    )
    async def welcome_setup(
        self,
        interaction: discord.Interaction[MultinationsBot],
        welcome_channel: discord.TextChannel | None = None,
        start_channel: discord.TextChannel | None = None,
        volunteers_channel: discord.TextChannel | None = None,
        organizers_channel: discord.TextChannel | None = None,
        announcements_channel: discord.TextChannel | None = None,
        coordinators_channel: discord.TextChannel | None = None,
        pairs_channel: discord.TextChannel | None = None,
        translators_channel: discord.TextChannel | None = None,
        newcomer_role: discord.Role | None = None,
        areas: str | None = None,
        language: str | None = None,
        welcome_text: str | None = None,
        role_for: str | None = None,
        role: discord.Role | None = None,
    ) -> None:
        """Store the given settings (validated first; nothing changes on bad input) and show them all."""
        guild_id = require(interaction, Capability.ORGANIZER)
        changes: dict[str, Any] = {}
        # Everything is checked before anything is stored: a refusal changes nothing.
        if areas is not None:
            parts = [clean_text(part, limit=AREA_LIMIT, field=N_("the places"), required=False)
                     for part in re.split(r"[,;\n]", areas)]
            parts = list(dict.fromkeys(part for part in parts if part and part.lower() != AREA_OTHER))
            if not parts or len(parts) > MAX_AREAS:
                raise UserError(N_("Please give between 1 and 24 places, separated by commas, each at most 100 "
                                   "characters."))
            changes["areas"] = parts
        if welcome_text is not None or language is not None:
            if welcome_text is None or language not in LANGUAGES:
                raise UserError(N_("Please give both a language code (such as sv or ar) and a welcome text of at "
                                   "most 300 characters."))
            cleaned = clean_text(welcome_text, limit=WELCOME_TEXT_LIMIT, field=N_("the welcome text"))
            texts = dict(await self.config(guild_id, "welcome_text", {}))
            texts[language] = cleaned
            changes["welcome_text"] = texts
        chosen = {place: str(channel.id) for place, channel in (
            (places.WELCOME, welcome_channel), (places.START, start_channel), (places.VOLUNTEERS, volunteers_channel),
            (places.ORGANIZERS, organizers_channel), (places.ANNOUNCEMENTS, announcements_channel),
            (places.COORDINATORS, coordinators_channel), (places.PAIRS, pairs_channel),
            (places.TRANSLATORS, translators_channel)) if channel is not None}
        if newcomer_role is not None:
            changes["newcomer_role"] = newcomer_role.id
        if role_for is not None or role is not None:
            key = (role_for or "").strip().lower()
            if role is None or (key not in LANGUAGES and key not in HELP_TOPICS):
                raise UserError(N_("Please give both a role and what it is for: a language code ({languages}) or a "
                                   "help topic ({topics})."),
                                languages=Items(LANGUAGES, "or"), topics=Items(HELP_TOPICS, "or"))
            kind = "language_roles" if key in LANGUAGES else "help_roles"
            mapping = dict(changes.get(kind) or await self.config(guild_id, kind, {}))
            mapping[key] = role.id
            changes[kind] = mapping
        # One transaction: a crash cannot leave half a setup behind.
        await self.services.places.choose(guild_id, chosen,
                                          also={CONFIG + key: value for key, value in changes.items()})
        if places.START in chosen and interaction.guild is not None:
            try:  # the Start button follows to the new channel
                await self.ensure_start_message(interaction.guild)
            except discord.HTTPException:
                log.warning("could not post the start message in guild %s", guild_id)
        t = await self.bot.translator_for(interaction)
        guild = interaction.guild
        saved = changes or chosen
        lines = [t._("Saved.") if saved else t._("Nothing was changed. The current welcome settings:")]
        if guild is not None:
            for place in places.PLACES:
                found = await self.channel(guild, place)
                lines.append(f"• {t._(place.title)}: {found.mention if found else '-'}")
            newcomer = await self.role(guild, await self.config(guild_id, "newcomer_role"), "newcomer")
            role_title = t._("Newcomer role")
            lines.append(f"• {role_title}: {newcomer.mention if newcomer else '-'}")
            mapped = {**await self.config(guild_id, "language_roles", {}),
                      **await self.config(guild_id, "help_roles", {})}
            if mapped:
                own_roles = t._("Own roles (otherwise lang-<code> and help-<topic>)")
                pairs = [f"{key} → <@&{value}>" for key, value in sorted(mapped.items())]
                lines.append(f"• {own_roles}: {t.join(pairs, 'unit')}")
        lines.append(f"• {t._(STEP_TITLES[AREA])}: {user_text(t.join(await self.areas(guild_id)))}")
        await respond(interaction, "\n".join(lines))


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if not value:
            return out


async def setup(bot: MultinationsBot) -> None:
    """Extension entry point: build the service, publish it, register persistent components."""
    services = bot.services
    service = OnboardingService(services.db, services.clock, services.jobs, services.prefs, services.guild_config)
    services.privacy.register(service.privacy_section())
    services.privacy.register(service.hellos_section())
    services.capabilities[caps.ONBOARDING] = service
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    await bot.add_cog(OnboardingCog(bot, service))


async def teardown(bot: MultinationsBot) -> None:
    """Extension exit point."""
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
    bot.services.privacy.unregister("onboarding")
    bot.services.privacy.unregister("onboarding_hellos")
    bot.services.capabilities.pop(caps.ONBOARDING, None)
