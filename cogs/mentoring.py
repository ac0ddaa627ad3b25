"""Mentor matching on Discord: `/mentor ...` for members, `/match ...` for coordinators, invitations,
the pair's private thread, check-ins and feedback buttons. Thin glue over `MentoringService`.

What must follow a committed decision (invitations, the pair's thread and introduction, the notes
to coordinators after a decline, an end or a help request) is planned as a `mentoring.followup` job
in the decision's own transaction. The command does the work at once and cancels the row; after a
crash the row runs at start. Every message it sends carries a deterministic nonce, so a re-run
never posts twice. The "no mentor yet" note to a newcomer a round left unmatched is a
`mentoring.unmatched` job planned with the approval and sent only by the job queue.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import capabilities
from bot.core.access import Capability
from bot.core.errors import Msg, UserError, Verbatim
from bot.core.i18n import N_, Translator
from bot.core.jobs import Job, RetryLater
from bot.core.text import clean_text
from bot.edge.checks import require, require_guild
from bot.edge.client import MultinationsBot
from bot.edge.errors import guarded
from bot.edge.ui import EMBED_DESCRIPTION_LIMIT, SafeModal, clip, modal_follows, respond, update_message, user_text
from bot.features.mentoring import retention
from bot.features.mentoring.editor import MAX_OPTIONS, STATE_PATTERN, Draft, area_value
from bot.features.mentoring.explain import explain, profile_text, score_text, unmatched_text
from bot.features.mentoring.model import (
    AREAS_CONFIG_KEY,
    AVAILABILITY,
    DEFAULT_AREAS,
    INTERESTS,
    MAX_CAPACITY,
    MENTOR,
    NEWCOMER,
    SPOKEN_LANGUAGES,
    TOPICS,
    Profile,
    availability_label,
    interest_label,
    language_name,
    parse_codes,
    parse_languages,
    topic_label,
)
from bot.features.mentoring.repository import Match
from bot.features.mentoring.service import (
    CHECKIN_KIND,
    FOLLOWUP_KIND,
    TELL_UNMATCHED_EVERY,
    UNMATCHED_KIND,
    MentoringService,
    followup_key,
)

log = logging.getLogger(__name__)

PREVIEW_SHOWN = 40
#: Limits of what members type (lists of codes, a place name, a date, pair numbers), after cleaning.
LIST_LIMIT = 200
AREA_LIMIT = 100
DATE_LIMIT = 40
#: A follow-up that could not reach Discord (a help request the coordinators' channel refused, a pair thread
#: that could not be looked for) is tried again this often (8 times, then logged as failed).
FOLLOWUP_RETRY = timedelta(minutes=30)
#: A retry looks for the thread an interrupted attempt opened among the archived ones too (Discord archives an
#: idle thread, e.g. while the bot was down): newest first, back to those created this long before the attempt
#: began (clock skew between the bot and Discord), and at most this many.
ARCHIVED_LOOKUP_SLACK = timedelta(minutes=10)
ARCHIVED_LOOKUP_LIMIT = 200

STARTERS = (
    N_("What do you like to do on a free evening?"),
    N_("What was your first week in Norsjö like, or what do you remember of your own first weeks somewhere new?"),
    N_("Which Swedish word or habit surprised you most?"),
)
SAFETY = N_(
    "Safety: meet in public places first (the library, a café, a Multinations event). Never lend or "
    "send money, and do not share passwords, BankID or personal documents. You can end the match at "
    "any time with /mentor end, and a coordinator is in this thread if anything feels wrong."
)
STAGE_LABELS = {"7d": N_("one week"), "1m": N_("one month"), "3m": N_("three months")}


# ----- persistent buttons ---------------------------------------------------------------------------
class AnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=r"mentoring:answer:(?P<match>\d+):(?P<choice>yes|no)"):
    """Accept or decline an invitation; only the two people of the pair may answer."""

    def __init__(self, match_id: int, accept: bool, label: str) -> None:
        super().__init__(discord.ui.Button(
            label=label, style=discord.ButtonStyle.success if accept else discord.ButtonStyle.secondary,
            custom_id=f"mentoring:answer:{match_id}:{'yes' if accept else 'no'}",
        ))
        self.match_id = match_id
        self.accept = accept

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> AnswerButton:
        """Rebuild from an old message."""
        return cls(int(match["match"]), match["choice"] == "yes", item.label or "")

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Record the answer (the service refuses anyone else)."""
        cog = _cog(interaction)
        await cog.answer_invitation(interaction, self.match_id, self.accept)


class CheckinButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                    template=r"mentoring:checkin:(?P<match>\d+):(?P<stage>7d|1m|3m):(?P<answer>met|not_yet|help)"):
    """"Have you met?" Yes / Not yet / I need help."""

    def __init__(self, match_id: int, stage: str, answer: str, label: str) -> None:
        style = discord.ButtonStyle.danger if answer == "help" else discord.ButtonStyle.secondary
        super().__init__(discord.ui.Button(label=label, style=style,
                                           custom_id=f"mentoring:checkin:{match_id}:{stage}:{answer}"))
        self.match_id, self.stage, self.answer = match_id, stage, answer

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> CheckinButton:
        """Rebuild from an old message."""
        return cls(int(match["match"]), match["stage"], match["answer"], item.label or "")

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Store the answer; "I need help" goes only to the coordinators' private channel."""
        await _cog(interaction).answer_checkin(interaction, self.match_id, self.stage, self.answer)


class RateButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"mentoring:rate:(?P<match>\d+):(?P<n>[1-5])"):
    """Optional 1-5 feedback after a match ended; then an optional comment."""

    def __init__(self, match_id: int, rating: int) -> None:
        super().__init__(discord.ui.Button(label=str(rating), style=discord.ButtonStyle.secondary,
                                           custom_id=f"mentoring:rate:{match_id}:{rating}"))
        self.match_id, self.rating = match_id, rating

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> RateButton:
        """Rebuild from an old message."""
        return cls(int(match["match"]), int(match["n"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Store the rating, then offer a comment form."""
        cog = _cog(interaction)
        modal_follows(interaction)  # a slow database gives up in time instead of acknowledging
        await cog.service.rate(self.match_id, interaction.user.id, self.rating)
        t = await interaction.client.translator_for(interaction)
        await interaction.response.send_modal(CommentModal(t, cog.service, self.match_id, self.rating))


class CommentModal(SafeModal):
    """An optional comment with the rating (reported only in aggregate)."""

    def __init__(self, t: Translator, service: MentoringService, match_id: int, rating: int) -> None:
        super().__init__(title=clip(t._("Thank you for your feedback"), 45), custom_id=f"mentoring:comment:{match_id}")
        self.t, self.service, self.match_id, self.rating = t, service, match_id, rating
        self.comment: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=clip(t._("Anything you would like to add? (optional)"), 45), style=discord.TextStyle.paragraph,
            required=False, max_length=500, custom_id="comment",
        )
        self.add_item(self.comment)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Store the comment with the rating."""
        await self.service.rate(self.match_id, interaction.user.id, self.rating, self.comment.value)
        await respond(interaction, self.t._("Thank you. Coordinators only see totals, never who wrote what."))
        await _cog(interaction)._show_waiting(interaction)


# ----- the menu-based profile editor (/mentor profile) --------------------------------------------------
#: Every component of an editor carries the owner and the whole draft (`Draft.encode`) in its custom id.
EDITOR_FIELDS = ("well", "little", "help", "interests", "availability", "area", "capacity")
EDITOR_ACTIONS = ("next", "back", "save", "cancel")
ROLE_CHOICES = [app_commands.Choice(name="volunteer", value="volunteer"),
                app_commands.Choice(name="newcomer", value="newcomer")]


def _editor_id(user_id: int, what: str, draft: Draft) -> str:
    return f"mentoring:pe:{user_id}:{what}:{draft.encode()}"


class EditorSelect(discord.ui.DynamicItem[discord.ui.Select[Any]],
                   template=rf"mentoring:pe:(?P<user>\d+):(?P<field>{'|'.join(EDITOR_FIELDS)}):"
                            rf"(?P<state>{STATE_PATTERN})"):
    """One menu of the profile editor; a pick redraws the editor with the new draft."""

    def __init__(self, user_id: int, field: str, draft: Draft, item: discord.ui.Select[Any]) -> None:
        item.custom_id = _editor_id(user_id, field, draft)
        super().__init__(item)
        self.user_id, self.field, self.draft = user_id, field, draft

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Select[Any],
                             match: re.Match[str], /) -> EditorSelect:
        """Rebuild from the message (the draft is in the id)."""
        return cls(int(match["user"]), match["field"], Draft.decode(match["state"]), item)

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Only the owner may pick; the editor is redrawn with the choice in every id."""
        _editor_owner(interaction, self.user_id)
        draft = self.draft.choose(self.field, self.item.values)
        await _cog(interaction).show_editor(interaction, draft, update=True)


class EditorButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=rf"mentoring:pe:(?P<user>\d+):(?P<action>{'|'.join(EDITOR_ACTIONS)}):"
                            rf"(?P<state>{STATE_PATTERN})"):
    """Next, Back, save or Cancel in the profile editor."""

    def __init__(self, user_id: int, action: str, draft: Draft, label: str) -> None:
        style = {"save": discord.ButtonStyle.success, "next": discord.ButtonStyle.primary}.get(
            action, discord.ButtonStyle.secondary)
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=_editor_id(user_id, action, draft)))
        self.user_id, self.action, self.draft = user_id, action, draft

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Button[Any],
                             match: re.Match[str], /) -> EditorButton:
        """Rebuild from the message (the draft is in the id)."""
        return cls(int(match["user"]), match["action"], Draft.decode(match["state"]), item.label or "")

    @guarded
    async def callback(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Only the owner may press; save checks the draft like the typed commands do."""
        _editor_owner(interaction, self.user_id)
        cog = _cog(interaction)
        if self.action == "cancel":
            t = await interaction.client.translator_for(interaction)
            await update_message(interaction, t._("Nothing was changed."), view=None)
        elif self.action == "save":
            await cog.save_editor(interaction, self.draft)
        elif self.action == "next":
            guild_id = require_guild(interaction)
            # The first step's checks now, so the member does not learn of them only at the end.
            self.draft.to_profile(interaction.user.id, await cog._areas(guild_id), None)
            await cog.show_editor(interaction, replace(self.draft, step=2), update=True)
        else:
            await cog.show_editor(interaction, replace(self.draft, step=1), update=True)


def _editor_owner(interaction: discord.Interaction[MultinationsBot], user_id: int) -> None:
    """Refuse anyone but the member whose editor it is (a replayed custom id)."""
    if interaction.user.id != user_id:
        raise UserError(N_("This button belongs to someone else."))


def editor_view(t: Translator, user_id: int, draft: Draft, areas: list[str]) -> discord.ui.View:
    """The editor's components for its step: at most five rows, at most 25 options a menu."""
    view = discord.ui.View(timeout=None)

    def menu(field: str, placeholder: str, options: list[tuple[str, str, bool]], row: int, *,
             many: bool = True) -> None:
        shown = options[:MAX_OPTIONS]
        select: discord.ui.Select[Any] = discord.ui.Select(
            placeholder=clip(placeholder, 150), min_values=0, max_values=len(shown) if many else 1, row=row,
            options=[discord.SelectOption(label=clip(label, 100), value=value, default=chosen)
                     for value, label, chosen in shown],
        )
        view.add_item(EditorSelect(user_id, field, draft, select))

    def codes(field: str, vocabulary: Any, label: Any) -> list[tuple[str, str, bool]]:
        chosen = set(draft.codes(field))
        return [(code, label(t, code), code in chosen) for code in vocabulary]

    if draft.step == 1:
        menu("well", t._("Languages I speak well"), codes("well", SPOKEN_LANGUAGES, language_name), 0)
        menu("little", t._("Languages I speak a little"), codes("little", SPOKEN_LANGUAGES, language_name), 1)
        menu("help", t._("Help topics"), codes("help", TOPICS, topic_label), 2)
        view.add_item(EditorButton(user_id, "next", draft, clip(t._("Next"), 80)))
        view.add_item(EditorButton(user_id, "cancel", draft, clip(t._("Cancel"), 80)))
        return view
    menu("interests", t._("Interests (optional)"), codes("interests", INTERESTS, interest_label), 0)
    menu("availability", t._("When I am free (optional)"),
         codes("availability", AVAILABILITY, availability_label), 1)
    row = 2
    if areas:
        menu("area", t._("My part of the municipality (optional)"),
             [(area_value(i, area), area, draft.area == i) for i, area in enumerate(areas, start=1)], row,
             many=False)
        row += 1
    if draft.role == MENTOR:
        menu("capacity", t._("How many newcomers I can take"),
             [(str(n), t.number(n), draft.capacity == n) for n in range(1, MAX_CAPACITY + 1)], row, many=False)
    view.add_item(EditorButton(user_id, "back", draft, clip(t._("Back"), 80)))
    view.add_item(EditorButton(user_id, "save", draft, clip(t._("I am 18 or older - save"), 80)))
    view.add_item(EditorButton(user_id, "cancel", draft, clip(t._("Cancel"), 80)))
    return view


def _cog(interaction: discord.Interaction[MultinationsBot]) -> MentoringCog:
    cog = interaction.client.get_cog("MentoringCog")
    assert isinstance(cog, MentoringCog)
    return cog


def _positions(text: str) -> list[int] | None:
    """"all" or "1, 3 4" -> None or [1, 3, 4]."""
    cleaned = clean_text(text, limit=LIST_LIMIT, field=N_("the pair numbers")).lower()
    if cleaned in {"all", "alla", "*"}:
        return None
    numbers = re.findall(r"\d+", cleaned)
    if not numbers or re.sub(r"[\d,\s]", "", cleaned):
        raise UserError(N_("Write pair numbers like 1, 3 or the word all."))
    return list(dict.fromkeys(int(n) for n in numbers))


def _mention(user_id: int) -> str:
    return f"<@{user_id}>"


def pair_thread_name(match_id: int) -> str:
    """The name of a pair's private thread (how a retry recognises the thread an earlier attempt opened)."""
    return f"mentoring-{match_id}"


def _nonce(key: str, user_id: int | None = None) -> str:
    """A deterministic message nonce (Discord keeps at most 25 characters): a re-run does not post twice."""
    return hashlib.sha256(f"{key}|{user_id or ''}".encode()).hexdigest()[:24]


# ----- the cog ----------------------------------------------------------------------------------------
class MentoringCog(commands.Cog):
    """Mentor profiles, matching rounds and the follow-up of each pair."""

    def __init__(self, bot: MultinationsBot, service: MentoringService) -> None:
        self.bot = bot
        self.service = service
        #: One follow-up of a match at a time (the command's own path and a re-run job never overlap).
        self._locks: dict[int, asyncio.Lock] = {}

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """A member who left is not proposed in a round (their profile waits until they are forgotten)."""
        if not payload.user.bot:
            await self.service.member_left(payload.guild_id, payload.user.id)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        """A member who came back is in the pool again."""
        if not member.bot:
            await self.service.member_returned(member.guild.id, member.id)

    async def cog_load(self) -> None:
        """Check-ins, follow-ups, "no mentor yet" notes and the retention sweep are durable jobs."""
        # Rows an older version planned under readable keys get their opaque keys before anything runs.
        await self.service.upgrade_job_keys()
        # A check-in a few days late (after downtime) is still worth sending.
        self.bot.services.jobs.register(CHECKIN_KIND, self.run_checkin, grace=timedelta(days=14))
        # Follow-ups a crash interrupted run after a restart, even much later (nothing else would do them).
        self.bot.services.jobs.register(FOLLOWUP_KIND, self.run_followup, grace=timedelta(days=30))
        # "No mentor yet" after downtime: still worth saying until the next telling would be due anyway.
        self.bot.services.jobs.register(UNMATCHED_KIND, self.run_unmatched, grace=TELL_UNMATCHED_EVERY)
        # Daily retention: a sweep found late after downtime still runs (it only deletes old rows).
        jobs = self.bot.services.jobs
        jobs.register(retention.KIND, self.run_retention, grace=timedelta(days=3650))
        if await jobs.next_of_kind(retention.KIND) is None:
            due = retention.next_run(self.bot.services.clock.now())
            await jobs.schedule(retention.KIND, f"{retention.KIND}:{due.date().isoformat()}", due)

    async def run_retention(self, job: Job) -> None:
        """Delete old match rows and check-in answers, then plan tomorrow's sweep."""
        services = self.bot.services
        now = services.clock.now()
        removed = await retention.sweep(services.db, now, services.settings.mentoring_retention_days)
        log.info("mentoring retention removed %d old rows", removed)
        due = retention.next_run(now)
        await self.bot.services.jobs.schedule(retention.KIND, f"{retention.KIND}:{due.date().isoformat()}", due)

    async def cog_unload(self) -> None:
        """Stop handling check-ins (rows stay for the next load)."""
        self.bot.services.jobs.unregister(CHECKIN_KIND)
        self.bot.services.jobs.unregister(FOLLOWUP_KIND)
        self.bot.services.jobs.unregister(UNMATCHED_KIND)
        self.bot.services.jobs.unregister(retention.KIND)

    mentor = app_commands.Group(name="mentor", description="Be a mentor, or ask for one")
    match = app_commands.Group(name="match", description="Mentor matching (coordinators)")

    # ----- helpers -----------------------------------------------------------------------------------
    async def _t_user(self, user_id: int, guild_id: int | None) -> Translator:
        return await self.bot.translator_for_user(user_id, guild_id=guild_id)

    async def _t_guild(self, guild_id: int) -> Translator:
        return self.bot.services.translator(await self.bot.services.guild_language(guild_id))

    async def _channel(self, guild_id: int, key: str, default_name: str) -> discord.abc.Messageable | None:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return None
        configured = await self.bot.services.guild_config.get(guild_id, key)
        if configured:
            channel = guild.get_channel(int(configured))
            if isinstance(channel, discord.TextChannel):
                return channel
        return discord.utils.get(guild.text_channels, name=default_name)

    async def coordinators_channel(self, guild_id: int) -> discord.abc.Messageable | None:
        """The coordinators' private channel (configured, else #coordinators)."""
        return await self._channel(guild_id, "mentoring.coordinators_channel", "coordinators")

    async def _tell_coordinators(self, guild_id: int, text: str, nonce: str | None = None,
                                 about: tuple[int, ...] = ()) -> bool:
        """Post to the coordinators' channel; False when it is missing or Discord refused.

        `about`: the members the text names; the message is recorded so that deleting one's data edits it.
        """
        channel = await self.coordinators_channel(guild_id)
        if channel is None:
            log.warning("mentoring: no coordinators channel in guild %s", guild_id)
            return False
        try:
            if nonce is None:
                sent = await channel.send(clip(text))
            else:
                sent = await channel.send(clip(text), nonce=nonce)
        except discord.HTTPException as exc:
            log.warning("mentoring: could not post to the coordinators channel of guild %s (HTTP %s, code %s)",
                        guild_id, exc.status, exc.code)
            return False
        if about:
            await self.bot.services.messages.record(guild_id, sent.channel.id, sent.id, about)
        return True

    async def _dm(self, user_id: int, content: str, view: discord.ui.View | None = None,
                  nonce: str | None = None) -> bool:
        """DM a member who allowed it. False when not allowed or not possible.

        With a `nonce` (deterministic per job and member) a re-run after a crash does not send twice.
        """
        if not await self.bot.services.prefs.dm_allowed(user_id):
            return False
        user = self.bot.get_user(user_id)
        if user is None:
            return False
        kwargs: dict[str, Any] = {}
        if view is not None:
            kwargs["view"] = view
        if nonce is not None:
            kwargs["nonce"] = nonce
        try:
            await user.send(clip(content), **kwargs)
        except discord.HTTPException:
            return False
        return True

    async def _show_waiting(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Invitations that could not be sent by DM wait here, as private prompts.

        Shown after any mentoring command or button (one read when nothing waits).
        """
        if interaction.guild_id is None or not interaction.response.is_done():
            return
        for match in await self.service.waiting_invitations(interaction.guild_id, interaction.user.id):
            t = await self.bot.translator_for(interaction)
            content, view = self._invitation(t, match, interaction.user.id)
            await interaction.followup.send(clip(content), view=view, ephemeral=True)

    async def _reply(self, interaction: discord.Interaction[MultinationsBot], content: str | None = None,
                     **kwargs: Any) -> None:
        await respond(interaction, content, **kwargs)
        await self._show_waiting(interaction)

    def _invitation(self, t: Translator, match: Match, user_id: int) -> tuple[str, discord.ui.View]:
        partner = match.partner_of(user_id)
        if match.side_of(user_id) == MENTOR:
            head = t._("A coordinator suggests you as a mentor for {name}.", name=_mention(partner))
        else:
            head = t._("A coordinator suggests {name} as your mentor.", name=_mention(partner))
        text = "\n".join([
            head,
            t._("Why: {reasons}.", reasons=explain(t, match.reasons)),
            t._("If you both accept, you will meet in a private thread with a coordinator. Nothing is shared "
                "before that."),
        ])
        view = discord.ui.View(timeout=None)
        view.add_item(AnswerButton(match.id, True, t._("Accept")))
        view.add_item(AnswerButton(match.id, False, t._("No, thank you")))
        return text, view

    # ----- /mentor ---------------------------------------------------------------------------------------
    async def _save(self, interaction: discord.Interaction[MultinationsBot], role: str, languages: str, help_: str,
                    interests: str | None, area: str | None, availability: str | None, capacity: int,
                    adult: bool) -> None:
        guild_id = require_guild(interaction)
        t = await self.bot.translator_for(interaction)
        # Cleaned first (invisible and bidi characters out, a limit that says itself), then parsed into codes.
        languages = clean_text(languages, limit=LIST_LIMIT, field=N_("languages"))
        help_ = clean_text(help_, limit=LIST_LIMIT, field=N_("help topics"))
        interests = clean_text(interests, limit=LIST_LIMIT, field=N_("interests"), required=False) or None
        availability = clean_text(availability, limit=LIST_LIMIT, field=N_("availability"), required=False) or None
        area = clean_text(area, limit=AREA_LIMIT, field=N_("your part of the municipality"), required=False) or None
        if not adult:
            raise UserError(N_("Mentoring is for adults (18 or older). Please ask a volunteer in the server if "
                               "you would like other help."))
        if area is not None:
            known = {a.casefold(): a for a in await self._areas(guild_id)}
            if area.strip().casefold() not in known:
                raise UserError(N_("Please choose your part of the municipality from the list: {choices}."),
                                choices=Verbatim(", ".join(known.values())))
            area = known[area.strip().casefold()]
        existing = [p for p in await self.service.profiles_of(guild_id, interaction.user.id) if p.role == role]
        profile = Profile(
            interaction.user.id, role, parse_languages(languages),
            help=parse_codes(help_, TOPICS, Msg(N_("help topics"))),
            interests=parse_codes(interests, INTERESTS, Msg(N_("interests"))),
            area=area, availability=parse_codes(availability, AVAILABILITY, Msg(N_("availability"))),
            capacity=capacity, paused_until=existing[0].paused_until if existing else None,
        )
        await self._reply(interaction, await self._store(guild_id, t, profile))

    async def _store(self, guild_id: int, t: Translator, profile: Profile) -> str:
        """Save a checked profile; the confirmation the member reads (typed commands and the editor alike)."""
        created = await self.service.save_profile(guild_id, profile)
        if profile.role == MENTOR:
            head = (t._("Thank you for offering to be a mentor! A coordinator will suggest a newcomer to you; "
                        "you can always say no.") if created else t._("Your mentor profile is updated."))
        else:
            head = (t._("Your request for a mentor is saved. A coordinator matches people regularly; you will be "
                        "asked before anyone is introduced to you.") if created
                    else t._("Your request for a mentor is updated."))
        footer = t._("You can change it with the same command, or remove it with /mentor withdraw.")
        return f"{head}\n\n{profile_text(t, profile)}\n\n{footer}"

    @mentor.command(name="volunteer", description="Offer to be a mentor for a newcomer")
    @app_commands.describe(
        languages="Languages you speak with a level 1-3, e.g. sv:3 en:2",
        help="What you can help with, e.g. work, housing, swedish",
        interests="Your interests, e.g. football, cooking",
        area="Your part of the municipality",
        availability="When you are free: weekdays, evenings, weekends",
        capacity="How many newcomers you can take (1-5)",
        adult="I am 18 or older",
    )
    async def mentor_volunteer(self, interaction: discord.Interaction[MultinationsBot], languages: str, help: str,
                               adult: bool, interests: str | None = None, area: str | None = None,
                               availability: str | None = None,
                               capacity: app_commands.Range[int, 1, MAX_CAPACITY] = 1) -> None:
        """Create or change the member's mentor profile."""
        await self._save(interaction, MENTOR, languages, help, interests, area, availability, capacity, adult)

    @mentor.command(name="request", description="Ask for a mentor who speaks your language")
    @app_commands.describe(
        languages="Languages you speak with a level 1-3, e.g. ar:3 sv:1",
        help="What you would like help with, e.g. work, housing, swedish",
        interests="Your interests, e.g. football, cooking",
        area="Your part of the municipality",
        availability="When you are free: weekdays, evenings, weekends",
        adult="I am 18 or older",
    )
    async def mentor_request(self, interaction: discord.Interaction[MultinationsBot], languages: str, help: str,
                             adult: bool, interests: str | None = None, area: str | None = None,
                             availability: str | None = None) -> None:
        """Create or change the member's request for a mentor."""
        await self._save(interaction, NEWCOMER, languages, help, interests, area, availability, 1, adult)

    @mentor.command(name="profile", description="Make or change your mentoring profile with menus")
    @app_commands.describe(role="A volunteer offers help; a newcomer asks for a mentor")
    @app_commands.choices(role=ROLE_CHOICES)
    async def mentor_profile(self, interaction: discord.Interaction[MultinationsBot], role: str) -> None:
        """Open the menu-based editor, prefilled from the member's profile of that role."""
        guild_id = require_guild(interaction)
        role = MENTOR if role == "volunteer" else NEWCOMER
        existing = [p for p in await self.service.profiles_of(guild_id, interaction.user.id) if p.role == role]
        draft = Draft.from_profile(role, existing[0] if existing else None, await self._areas(guild_id))
        await self.show_editor(interaction, draft, update=False)

    async def show_editor(self, interaction: discord.Interaction[MultinationsBot], draft: Draft, *,
                          update: bool) -> None:
        """Draw the editor at its step: as a new private message, or in place of the pressed one."""
        guild_id = require_guild(interaction)
        t = await self.bot.translator_for(interaction)
        if draft.step == 1:
            text = t._("Step 1 of 2: choose the languages you speak and the help topics, then press Next.")
        else:
            text = t._("Step 2 of 2: the rest is optional. Press the save button when you are done.")
        view = editor_view(t, interaction.user.id, draft, await self._areas(guild_id))
        if update:
            await update_message(interaction, text, view=view)
        else:
            await respond(interaction, text, view=view)

    async def save_editor(self, interaction: discord.Interaction[MultinationsBot], draft: Draft) -> None:
        """Save the editor's draft (the button says the member is 18 or older); the editor becomes the answer."""
        guild_id = require_guild(interaction)
        t = await self.bot.translator_for(interaction)
        existing = [p for p in await self.service.profiles_of(guild_id, interaction.user.id) if p.role == draft.role]
        profile = draft.to_profile(interaction.user.id, await self._areas(guild_id), existing[0] if existing else None)
        await update_message(interaction, await self._store(guild_id, t, profile), view=None)
        await self._show_waiting(interaction)

    async def _areas(self, guild_id: int | None) -> list[str]:
        if guild_id is None:
            return list(DEFAULT_AREAS)
        return list(await self.bot.services.guild_config.get(guild_id, AREAS_CONFIG_KEY, list(DEFAULT_AREAS)))

    @mentor_volunteer.autocomplete("area")
    @mentor_request.autocomplete("area")
    async def _complete_area(self, interaction: discord.Interaction[MultinationsBot],
                             current: str) -> list[app_commands.Choice[str]]:
        wanted = current.strip().casefold()
        return [app_commands.Choice(name=a[:100], value=a[:100]) for a in await self._areas(interaction.guild_id)
                if wanted in a.casefold()][:25]

    @mentor_volunteer.autocomplete("languages")
    @mentor_request.autocomplete("languages")
    async def _complete_languages(self, interaction: discord.Interaction[MultinationsBot],
                                  current: str) -> list[app_commands.Choice[str]]:
        t = await self.bot.translator_for(interaction)
        return _complete(current, {c: language_name(t, c) for c in SPOKEN_LANGUAGES})

    @mentor_volunteer.autocomplete("help")
    @mentor_request.autocomplete("help")
    async def _complete_help(self, interaction: discord.Interaction[MultinationsBot],
                             current: str) -> list[app_commands.Choice[str]]:
        t = await self.bot.translator_for(interaction)
        return _complete(current, {c: topic_label(t, c) for c in TOPICS})

    @mentor_volunteer.autocomplete("interests")
    @mentor_request.autocomplete("interests")
    async def _complete_interests(self, interaction: discord.Interaction[MultinationsBot],
                                  current: str) -> list[app_commands.Choice[str]]:
        t = await self.bot.translator_for(interaction)
        return _complete(current, {c: interest_label(t, c) for c in INTERESTS})

    @mentor_volunteer.autocomplete("availability")
    @mentor_request.autocomplete("availability")
    async def _complete_availability(self, interaction: discord.Interaction[MultinationsBot],
                                     current: str) -> list[app_commands.Choice[str]]:
        t = await self.bot.translator_for(interaction)
        return _complete(current, {c: availability_label(t, c) for c in AVAILABILITY})

    @mentor.command(name="status", description="See your mentoring profile, invitations and match")
    async def mentor_status(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """The member's profiles, open invitations and active matches."""
        guild_id = require_guild(interaction)
        t = await self.bot.translator_for(interaction)
        uid = interaction.user.id
        profiles = await self.service.profiles_of(guild_id, uid)
        active = await self.service.my_matches(guild_id, uid, ("active",))
        invited = await self.service.my_matches(guild_id, uid, ("invited",))
        parts: list[str] = []
        if not profiles and not active:
            parts.append(t._("You have no mentoring profile. Use /mentor request to ask for a mentor, or "
                             "/mentor volunteer to offer to be one."))
        for profile in profiles:
            parts.append(profile_text(t, profile))
        for m in active:
            if m.side_of(uid) == MENTOR:
                parts.append(t._("You are the mentor of {name}.", name=_mention(m.newcomer_id)))
            else:
                parts.append(t._("Your mentor is {name}.", name=_mention(m.mentor_id)))
        for m in invited:
            if m.answer_of(uid) == "accepted":
                parts.append(t._("You accepted an invitation; we are waiting for the other person's answer."))
        waiting = any(p.role == NEWCOMER for p in profiles) and not any(
            m.newcomer_id == uid for m in (*active, *invited))
        if waiting:
            parts.append(t._("We have not found a mentor for you yet. Thank you for your patience: coordinators "
                             "match people regularly."))
            parts.extend(await self._events_lines(t, guild_id))
        await self._reply(interaction, "\n\n".join(parts))

    async def _events_lines(self, t: Translator, guild_id: int) -> list[str]:
        events = self.bot.services.capabilities.get(capabilities.EVENTS)
        if events is None:
            return []
        try:
            items = await events.upcoming(guild_id, t.code, limit=3)
        except Exception:
            log.exception("mentoring: the events capability failed")
            return []
        if not items:
            return []
        lines = [t._("Meanwhile, you are welcome at these events:")]
        lines += [f"• {user_text(item.title)}" + (f" ({t.datetime(item.when, 'short')})" if item.when else "")
                  + f" {item.hint}"
                  for item in items]
        return ["\n".join(lines)]

    @mentor.command(name="pause", description="Pause being a mentor until a date")
    @app_commands.describe(until="The last day of your pause, as YYYY-MM-DD")
    async def mentor_pause(self, interaction: discord.Interaction[MultinationsBot], until: str) -> None:
        """Pause the mentor profile (no new matches) until and including a date."""
        guild_id = require_guild(interaction)
        try:
            day = date.fromisoformat(clean_text(until, limit=DATE_LIMIT, field=N_("the date")))
        except ValueError:
            raise UserError(N_("Please write the date as YYYY-MM-DD, for example 2027-01-31.")) from None
        await self.service.pause(guild_id, interaction.user.id, day)
        t = await self.bot.translator_for(interaction)
        await self._reply(interaction, t._("You are paused until {date}. You will get no new match before then.",
                                           date=t.date(day)))

    @mentor.command(name="resume", description="End your pause and be available again")
    async def mentor_resume(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Clear the pause."""
        guild_id = require_guild(interaction)
        await self.service.pause(guild_id, interaction.user.id, None)
        t = await self.bot.translator_for(interaction)
        await self._reply(interaction, t._("Welcome back! You can be matched again."))

    @mentor.command(name="withdraw", description="Remove your mentoring profile")
    async def mentor_withdraw(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Leave the pool; an active match continues until someone ends it."""
        guild_id = require_guild(interaction)
        await self.service.withdraw(guild_id, interaction.user.id)
        t = await self.bot.translator_for(interaction)
        await self._reply(interaction, t._("Your mentoring profile is removed. You will not be matched. If you have "
                                           "a match now, it continues until one of you ends it with /mentor end."))

    @mentor.command(name="end", description="End your mentoring match")
    @app_commands.describe(partner="The person you were matched with (if you have several)")
    async def mentor_end(self, interaction: discord.Interaction[MultinationsBot],
                         partner: discord.Member | None = None) -> None:
        """End the member's own match (capacity freed, optional feedback)."""
        guild_id = require_guild(interaction)
        uid = interaction.user.id
        active = await self.service.my_matches(guild_id, uid, ("active",))
        if partner is not None:
            active = [m for m in active if m.partner_of(uid) == partner.id]
        if not active:
            raise UserError(N_("You have no active mentoring match to end."))
        if len(active) > 1:
            raise UserError(N_("You have several matches. Choose the person with the partner option."))
        await self._end(interaction, active[0], as_coordinator=False)

    async def _end(self, interaction: discord.Interaction[MultinationsBot], match: Match, *,
                   as_coordinator: bool) -> None:
        ended = await self.service.end(match.id, interaction.user.id, as_coordinator=as_coordinator)
        t = await self.bot.translator_for(interaction)
        view = discord.ui.View(timeout=None)
        if ended.side_of(interaction.user.id) is not None:
            for n in range(1, 6):
                view.add_item(RateButton(ended.id, n))
            text = t._("The match has ended. Thank you for the time you gave each other. If you like, rate how it "
                       "went from 1 (poor) to 5 (very good); only totals are reported.")
            await self._reply(interaction, text, view=view)
        else:
            await self._reply(interaction, t._("The match has ended and both people are back in the pool."))
        await self.follow_up_now(ended.id, "ended")

    # ----- follow-ups: what must happen after a committed decision, exactly once ------------------------
    async def follow_up_now(self, match_id: int, step: str, *extra: Any) -> None:
        """Do a follow-up in the command's own path, then drop its safety-net job row."""
        if await self.follow_up(match_id, step, *extra):
            await self.service.followup_done(match_id, step, *extra)

    async def run_followup(self, job: Job) -> None:
        """A follow-up a crash interrupted (its row was planned with the decision)."""
        payload = job.payload
        extra = [payload[k] for k in ("stage", "user") if k in payload]
        if not await self.follow_up(int(payload["match"]), str(payload["step"]), *extra):
            raise RetryLater(FOLLOWUP_RETRY, f"the {payload['step']} follow-up could not reach Discord")

    async def follow_up(self, match_id: int, step: str, *extra: Any) -> bool:
        """Idempotent: messages carry deterministic nonces, the thread and deliveries are stored.

        False only when a help request could not reach the coordinators, or when a retry of the pair's
        thread could not look for the thread an interrupted attempt opened: the row stays and is retried.
        """
        lock = self._locks.setdefault(match_id, asyncio.Lock())
        async with lock:
            match = await self.service.get(match_id)
            if match is None:
                return True
            if step == "invite":
                if match.state == "invited":
                    await self.deliver_invitation(match)
            elif step == "pair":
                if match.state == "active":
                    return await self.open_thread(match)
            elif step == "declined":
                await self._after_decline(match)
            elif step == "ended":
                await self._after_end(match)
            elif step == "help" and len(extra) == 2:
                return await self._tell_help(match, str(extra[0]), int(extra[1]))
        return True

    async def _after_end(self, match: Match) -> None:
        key = followup_key(match.id, "ended")
        tg = await self._t_guild(match.guild_id)
        await self._tell_coordinators(match.guild_id, tg._("Mentoring match #{id} has ended.", id=match.id),
                                      nonce=_nonce(key))
        if match.thread_id is None:
            return
        thread = self.bot.get_partial_messageable(match.thread_id, guild_id=match.guild_id)
        texts = []
        for uid in dict.fromkeys((match.newcomer_id, match.mentor_id)):
            t = await self._t_user(uid, match.guild_id)
            texts.append(t._("This mentoring match has ended. Thank you both! You may rate it with the buttons "
                             "below (optional, only totals are reported)."))
        view = discord.ui.View(timeout=None)
        for n in range(1, 6):
            view.add_item(RateButton(match.id, n))
        try:
            await thread.send(clip("\n\n".join(dict.fromkeys(texts))), view=view, nonce=_nonce(key, match.thread_id))
        except discord.HTTPException:
            log.warning("mentoring: could not post the end note of match %s", match.id)

    async def _after_decline(self, match: Match) -> None:
        key = followup_key(match.id, "declined")
        tg = await self._t_guild(match.guild_id)
        await self._tell_coordinators(match.guild_id, tg._(
            "Mentoring pair #{id} was declined; both people are back in the pool.", id=match.id), nonce=_nonce(key))
        decliner = match.mentor_id if match.mentor_answer == "declined" else match.newcomer_id
        other = match.partner_of(decliner)
        if match.answer_of(other) == "accepted":
            to = await self._t_user(other, match.guild_id)
            await self._dm(other, to._("The match a coordinator suggested will not go ahead this time. You "
                                       "stay in the pool, and a coordinator will look for another match."),
                           nonce=_nonce(key, other))

    async def _tell_help(self, match: Match, stage: str, user_id: int) -> bool:
        tg = await self._t_guild(match.guild_id)
        return await self._tell_coordinators(match.guild_id, tg._(
            "{name} asked for help with mentoring match #{id} (check-in after {time}). Please contact them "
            "privately.", name=_mention(user_id), id=match.id, time=tg._(STAGE_LABELS.get(stage, stage))),
            nonce=_nonce(followup_key(match.id, "help", stage, user_id)), about=(user_id,))

    # ----- invitations and the pair -------------------------------------------------------------------
    async def deliver_invitation(self, match: Match) -> None:
        """Send each side their invitation by DM, or keep it as a prompt for their next mentoring command.

        A side whose delivery is already stored is skipped; the DM's nonce covers a crash between
        sending it and storing that it was sent.
        """
        key = followup_key(match.id, "invite")
        for uid in (match.newcomer_id, match.mentor_id):
            stored = match.mentor_delivery if uid == match.mentor_id else match.newcomer_delivery
            if stored is not None:
                continue
            t = await self._t_user(uid, match.guild_id)
            content, view = self._invitation(t, match, uid)
            how = "dm" if await self._dm(uid, content, view, nonce=_nonce(key, uid)) else "prompt"
            await self.service.set_delivery(match.id, uid, how)

    async def answer_invitation(self, interaction: discord.Interaction[MultinationsBot], match_id: int,
                                accept: bool) -> None:
        """A button press on an invitation."""
        outcome = await self.service.answer(match_id, interaction.user.id, accept)
        t = await self.bot.translator_for(interaction)
        match = outcome.match
        if outcome.state == "declined":
            text = t._("Thank you for letting us know. You stay in the pool, and this pair will not be suggested "
                       "again.")
        elif outcome.state == "waiting":
            text = t._("Thank you! We are waiting for the other person's answer.")
        else:
            text = t._("Thank you! You both accepted. I am opening a private thread for you with a coordinator.")
        # The invitation (a DM or a private prompt) becomes the answer, without its buttons.
        await interaction.response.edit_message(content=text, view=None)
        if outcome.state == "declined":
            await self.follow_up_now(match.id, "declined")
        elif outcome.state == "active":
            await self.follow_up_now(match.id, "pair")
        await self._show_waiting(interaction)

    async def _find_pair_thread(self, parent: discord.TextChannel, match_id: int, since: datetime) -> int | None:
        """The thread an earlier attempt (begun at `since`) opened for this pair (by name, parent and owner), if any.

        First among the guild's active threads, then among the channel's archived private threads the bot is
        in, newest first, back to the attempt; an archived one is unarchived (members cannot be added to it).
        Raises `discord.HTTPException` when Discord refuses to list or to unarchive.
        """
        me = self.bot.user.id if self.bot.user else None

        def ours(thread: discord.Thread) -> bool:
            return thread.parent_id == parent.id and thread.name == pair_thread_name(match_id) and thread.owner_id == me

        found = [t.id for t in await parent.guild.active_threads() if ours(t)]
        if found:
            log.info("mentoring: reusing the thread an interrupted attempt opened for match %s", match_id)
            return min(found)
        oldest = since - ARCHIVED_LOOKUP_SLACK
        async for thread in parent.archived_threads(private=True, joined=True, limit=ARCHIVED_LOOKUP_LIMIT):
            if thread.created_at is None or thread.created_at < oldest:
                break  # newest first: every further one predates the attempt
            if ours(thread):
                found.append(thread.id)
        if not found:
            return None
        thread_id = min(found)
        await self.bot.http.edit_channel(thread_id, archived=False)
        log.info("mentoring: reusing the archived thread an interrupted attempt opened for match %s", match_id)
        return thread_id

    async def open_thread(self, match: Match) -> bool:
        """The pair's private thread with the coordinator, a bilingual introduction and safety guidelines.

        Resumable: before asking Discord for the thread the bot records that it does (`thread_requested`),
        and the thread id is stored as soon as it exists; a retry after a crash in between finds the
        thread among the guild's active ones or, archived meanwhile, the channel's archived ones and
        reuses it (a reused thread is unarchived first). Adding members is idempotent on Discord's
        side and the introduction carries a deterministic nonce (per thread). False when the retry could
        not look for the earlier thread: the follow-up is tried again later.
        """
        key = followup_key(match.id, "pair")
        thread_id = match.thread_id
        if thread_id is not None:
            # A rerun: Discord may have archived the stored thread since, and refuses to add members to it.
            try:
                await self.bot.http.edit_channel(thread_id, archived=False)
            except discord.HTTPException as exc:
                log.warning("mentoring: could not unarchive the thread of match %s (HTTP %s)", match.id, exc.status)
        else:
            parent = await self._channel(match.guild_id, "mentoring.pairs_channel", "general")
            if not isinstance(parent, discord.TextChannel):
                log.warning("mentoring: no channel for pair threads in guild %s", match.guild_id)
                await self._tell_coordinators(match.guild_id, (await self._t_guild(match.guild_id))._(
                    "I could not open a private thread for mentoring pair #{id}. Please introduce them by hand.",
                    id=match.id), nonce=_nonce(key, 0))
                return True
            if match.thread_requested_at is not None:
                # An earlier attempt asked Discord for the thread and may have died before storing its id.
                try:
                    thread_id = await self._find_pair_thread(parent, match.id, match.thread_requested_at)
                except discord.HTTPException as exc:
                    log.warning("mentoring: could not look for the earlier thread of match %s in guild %s (HTTP %s); "
                                "tried again later", match.id, match.guild_id, exc.status)
                    return False
            if thread_id is None:
                await self.service.thread_requested(match.id)
                try:
                    thread = await parent.create_thread(name=pair_thread_name(match.id),
                                                        type=discord.ChannelType.private_thread, invitable=False)
                except discord.HTTPException:
                    log.warning("mentoring: could not open the thread of match %s", match.id)
                    await self._tell_coordinators(match.guild_id, (await self._t_guild(match.guild_id))._(
                        "I could not open a private thread for mentoring pair #{id}. Please introduce them by hand.",
                        id=match.id), nonce=_nonce(key, 0))
                    return True
                thread_id = thread.id
            await self.service.set_thread(match.id, thread_id)
        try:
            await self.bot.http.add_user_to_thread(thread_id, match.mentor_id)
            await self.bot.http.add_user_to_thread(thread_id, match.newcomer_id)
        except discord.HTTPException:
            log.warning("mentoring: could not add the pair to the thread of match %s", match.id)
            await self._tell_coordinators(match.guild_id, (await self._t_guild(match.guild_id))._(
                "I could not open a private thread for mentoring pair #{id}. Please introduce them by hand.",
                id=match.id), nonce=_nonce(key, 0))
            return True
        if match.approved_by and match.approved_by not in (match.mentor_id, match.newcomer_id):
            try:  # the coordinator who approved the pair (who may have left since)
                await self.bot.http.add_user_to_thread(thread_id, match.approved_by)
            except discord.HTTPException:
                log.warning("mentoring: could not add the coordinator to the thread of match %s", match.id)
        texts = []
        for uid in (match.newcomer_id, match.mentor_id):
            t = await self._t_user(uid, match.guild_id)
            starters = "\n".join(f"• {t._(s)}" for s in STARTERS)
            texts.append("\n".join([
                t._("Welcome, {newcomer} and {mentor}! {newcomer} is new in Norsjö and {mentor} is a local "
                    "volunteer mentor.", newcomer=_mention(match.newcomer_id), mentor=_mention(match.mentor_id)),
                t._("Why you were matched: {reasons}.", reasons=explain(t, match.reasons)),
                t._("Some questions to start with:"),
                starters,
                t._(SAFETY),
            ]))
        intro = "\n\n— — —\n\n".join(dict.fromkeys(texts))
        thread_channel = self.bot.get_partial_messageable(thread_id, guild_id=match.guild_id)
        try:
            sent = await thread_channel.send(clip(intro), nonce=_nonce(key, thread_id),
                                             allowed_mentions=discord.AllowedMentions(
                                                 users=[discord.Object(id=match.mentor_id),
                                                        discord.Object(id=match.newcomer_id)]))
        except discord.HTTPException:
            log.warning("mentoring: could not post the introduction of match %s", match.id)
            return True
        await self.bot.services.messages.record(match.guild_id, thread_id, sent.id,
                                                (match.newcomer_id, match.mentor_id))
        return True

    # ----- check-ins --------------------------------------------------------------------------------------
    async def run_checkin(self, job: Job) -> None:
        """+7 days, +1 month, +3 months: ask each side "Have you met?".

        Every message carries a nonce derived from the job key and the member, so a job that a crash
        left claimed (and that runs again at start) does not ask anyone twice.
        """
        match = await self.service.checkin_target(int(job.payload["match"]))
        if match is None:
            return
        stage = str(job.payload["stage"])
        thread = (self.bot.get_partial_messageable(match.thread_id, guild_id=match.guild_id)
                  if match.thread_id else None)
        for uid in (match.newcomer_id, match.mentor_id):
            t = await self._t_user(uid, match.guild_id)
            text = t._("It has been {time} since your mentoring match started. Have you met?",
                       time=t._(STAGE_LABELS[stage]))
            view = discord.ui.View(timeout=None)
            view.add_item(CheckinButton(match.id, stage, "met", t._("Yes")))
            view.add_item(CheckinButton(match.id, stage, "not_yet", t._("Not yet")))
            view.add_item(CheckinButton(match.id, stage, "help", t._("I need help")))
            if await self._dm(uid, text, view, nonce=_nonce(job.key, uid)):
                continue
            if thread is not None:
                try:
                    sent = await thread.send(f"{_mention(uid)} {text}", view=view,
                                             nonce=_nonce(job.key + ":thread", uid),
                                             allowed_mentions=discord.AllowedMentions(users=[discord.Object(id=uid)]))
                    await self.bot.services.messages.record(match.guild_id, thread.id, sent.id, (uid,))
                    continue
                except discord.HTTPException:
                    log.warning("mentoring: could not post a check-in of match %s", match.id)
            tg = await self._t_guild(match.guild_id)
            await self._tell_coordinators(match.guild_id, tg._(
                "I could not reach {name} for the check-in of mentoring pair #{id} (no DMs, and the pair's thread "
                "is gone). Please contact them.", name=_mention(uid), id=match.id),
                nonce=_nonce(job.key + ":unreached", uid), about=(uid,))

    async def answer_checkin(self, interaction: discord.Interaction[MultinationsBot], match_id: int, stage: str,
                             answer: str) -> None:
        """Store the answer; help requests reach only the coordinators' private channel."""
        match = await self.service.record_checkin(match_id, stage, interaction.user.id, answer)
        t = await self.bot.translator_for(interaction)
        if answer == "met":
            text = t._("Wonderful, thank you! Enjoy your time together.")
        elif answer == "not_yet":
            text = t._("No problem. Maybe suggest a time in your thread? If it does not work out, you can tell us.")
        else:
            text = t._("Thank you for telling us. A coordinator will contact you privately. Your match partner is "
                       "not told.")
        await respond(interaction, text)
        if answer == "help":
            await self.follow_up_now(match.id, "help", stage, interaction.user.id)
        await self._show_waiting(interaction)

    # ----- /match (coordinators) -------------------------------------------------------------------------
    def _render_round(self, t: Translator, proposals: list[Match], unmatched: dict[int, str]) -> str:
        lines: list[str] = []
        if proposals:
            lines.append(t._("Proposed pairs (mentor → newcomer):"))
        for m in proposals[:PREVIEW_SHOWN]:
            manual = " " + t._("(set by hand)") if m.manual else ""
            lines.append(t._("{number}. {mentor} → {newcomer} · {score} points{manual} · {reasons}",
                             number=m.position, mentor=_mention(m.mentor_id), newcomer=_mention(m.newcomer_id),
                             score=score_text(t, m.score), manual=manual, reasons=explain(t, m.reasons)))
        if len(proposals) > PREVIEW_SHOWN:
            lines.append(t._("…and {n} more pairs.", n=len(proposals) - PREVIEW_SHOWN))
        if not proposals:
            lines.append(t._("No pairs can be proposed right now."))
        if unmatched:
            lines.append("")
            lines.append(t.n_("{n} newcomer stays unmatched:", "{n} newcomers stay unmatched:", len(unmatched)))
            for uid, why in list(unmatched.items())[:PREVIEW_SHOWN]:
                lines.append(f"• {_mention(uid)}: {unmatched_text(t, why)}")
        lines.append("")
        lines.append(t._("Approve with /match approve pairs:all (or numbers), drop with /match reject, change with "
                         "/match set or /match swap."))
        return clip("\n".join(lines), EMBED_DESCRIPTION_LIMIT)

    @match.command(name="preview", description="Propose mentor pairs for everyone waiting")
    async def match_preview(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Run a matching round and show the proposals with scores and reasons."""
        guild_id = require(interaction, Capability.COORDINATOR)
        await interaction.response.defer(ephemeral=True, thinking=True)
        t = await self.bot.translator_for(interaction)
        view = await self.service.preview(guild_id, interaction.user.id)
        embed = discord.Embed(title=t._("Matching round"), description=self._render_round(t, view.proposals,
                                                                                            view.unmatched))
        await self._reply(interaction, embed=embed)

    @match.command(name="approve", description="Approve proposed pairs and invite them")
    @app_commands.describe(pairs="Pair numbers such as 1, 3 or the word all")
    async def match_approve(self, interaction: discord.Interaction[MultinationsBot], pairs: str) -> None:
        """Invite the approved pairs; unmatched newcomers are told kindly."""
        guild_id = require(interaction, Capability.COORDINATOR)
        positions = _positions(pairs)
        await interaction.response.defer(ephemeral=True, thinking=True)
        # Newcomers left unmatched are told by `mentoring.unmatched` jobs the approval planned.
        invited, _told = await self.service.approve(guild_id, interaction.user.id, positions)
        for match in invited:
            await self.follow_up_now(match.id, "invite")
        t = await self.bot.translator_for(interaction)
        await self._reply(interaction, t.n_("{n} pair is invited. Each person is asked to accept first.",
                                        "{n} pairs are invited. Each person is asked to accept first.", len(invited)))

    async def run_unmatched(self, job: Job) -> None:
        """Tell a newcomer a round left unmatched that they stay on the list ("no mentor yet").

        The queue claims the row before this runs, and a re-run after a crash between the DM and the
        row's end carries the same nonce, so the newcomer gets it once. Someone matched (or gone) in the
        meantime is not told.
        """
        guild_id, user_id = int(job.payload["guild"]), int(job.payload["user"])
        if not await self.service.still_unmatched(guild_id, user_id):
            return
        t = await self._t_user(user_id, guild_id)
        lines = [t._("We have not found a mentor for you yet. That is not about you: we are waiting for a mentor "
                     "who speaks your language and has time. You stay on the list.")]
        lines += await self._events_lines(t, guild_id)
        await self._dm(user_id, "\n\n".join(lines), nonce=_nonce(job.key, user_id))

    @match.command(name="reject", description="Drop proposed pairs")
    @app_commands.describe(pairs="Pair numbers such as 1, 3 or the word all")
    async def match_reject(self, interaction: discord.Interaction[MultinationsBot], pairs: str) -> None:
        """Drop proposals; the people stay in the pool."""
        guild_id = require(interaction, Capability.COORDINATOR)
        count = await self.service.reject(guild_id, _positions(pairs))
        t = await self.bot.translator_for(interaction)
        await self._reply(interaction, t.n_("{n} proposed pair dropped.", "{n} proposed pairs dropped.", count))

    @match.command(name="set", description="Propose a pair by hand")
    @app_commands.describe(mentor="The mentor", newcomer="The newcomer")
    async def match_set(self, interaction: discord.Interaction[MultinationsBot], mentor: discord.Member,
                        newcomer: discord.Member) -> None:
        """Set a pair by hand (hard rules still apply)."""
        guild_id = require(interaction, Capability.COORDINATOR)
        created = await self.service.set_pair(guild_id, mentor.id, newcomer.id)
        t = await self.bot.translator_for(interaction)
        await self._reply(interaction, self._render_round(t, [created], {}))

    @match.command(name="swap", description="Exchange the mentors of two proposed pairs")
    @app_commands.describe(first="The number of one pair", second="The number of the other pair")
    async def match_swap(self, interaction: discord.Interaction[MultinationsBot], first: int, second: int) -> None:
        """Swap mentors between two proposals."""
        guild_id = require(interaction, Capability.COORDINATOR)
        a, b = await self.service.swap(guild_id, first, second)
        t = await self.bot.translator_for(interaction)
        await self._reply(interaction, self._render_round(t, [a, b], {}))

    @match.command(name="block", description="Never propose this pair (private to coordinators)")
    @app_commands.describe(mentor="The mentor", newcomer="The newcomer")
    async def match_block(self, interaction: discord.Interaction[MultinationsBot], mentor: discord.Member,
                          newcomer: discord.Member) -> None:
        """Add a pair to the do-not-match list."""
        guild_id = require(interaction, Capability.COORDINATOR)
        await self.service.set_excluded(guild_id, mentor.id, newcomer.id, True)
        t = await self.bot.translator_for(interaction)
        await self._reply(interaction, t._("This pair will not be proposed. Only coordinators can see this list."))

    @match.command(name="unblock", description="Take a pair off the do-not-match list")
    @app_commands.describe(mentor="The mentor", newcomer="The newcomer")
    async def match_unblock(self, interaction: discord.Interaction[MultinationsBot], mentor: discord.Member,
                            newcomer: discord.Member) -> None:
        """Remove a pair from the do-not-match list."""
        guild_id = require(interaction, Capability.COORDINATOR)
        await self.service.set_excluded(guild_id, mentor.id, newcomer.id, False)
        t = await self.bot.translator_for(interaction)
        await self._reply(interaction, t._("This pair may be proposed again."))

    @match.command(name="end", description="End a mentoring match as coordinator")
    @app_commands.describe(mentor="The mentor", newcomer="The newcomer")
    async def match_end(self, interaction: discord.Interaction[MultinationsBot], mentor: discord.Member,
                        newcomer: discord.Member) -> None:
        """End a pair's match; both return to the pool."""
        guild_id = require(interaction, Capability.COORDINATOR)
        found = [m for m in await self.service.my_matches(guild_id, mentor.id, ("active",))
                 if m.newcomer_id == newcomer.id and m.mentor_id == mentor.id]
        if not found:
            raise UserError(N_("These two people have no active match."))
        await self._end(interaction, found[0], as_coordinator=True)

    @match.command(name="stats", description="Mentoring totals: pool, matches, check-ins")
    async def match_stats(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Aggregates only: no names."""
        guild_id = require(interaction, Capability.COORDINATOR)
        t = await self.bot.translator_for(interaction)
        s = await self.service.stats(guild_id)
        none = t._("not yet known")

        def days(value: float | None) -> str:
            return none if value is None else t.n_("{n} day", "{n} days", round(value), n=t.number(round(value, 1)))

        lines = [
            t._("Mentors: {total} ({paused} paused, {free} free places)", total=t.number(s["mentors"]),
                paused=t.number(s["mentors_paused"]), free=t.number(s["free_places"])),
            t._("Newcomers waiting: {n} (waiting on average {days})", n=t.number(s["newcomers_waiting"]),
                days=days(s["waiting_days_avg"])),
            t._("Proposed: {proposed} · invited: {invited} · active pairs: {active}",
                proposed=t.number(s["proposed"]), invited=t.number(s["invited"]), active=t.number(s["active"])),
            t._("Matched so far: {matched} (time from request to match on average {days}) · ended: {ended} · "
                "declined: {declined}", matched=t.number(s["matched_total"]), days=days(s["wait_to_match_days_avg"]),
                ended=t.number(s["ended_total"]), declined=t.number(s["declined_total"])),
            t._("Check-in answers: met {met} · not yet {not_yet} · asked for help {help}",
                met=t.number(s["checkins"]["met"]), not_yet=t.number(s["checkins"]["not_yet"]),
                help=t.number(s["checkins"]["help"])),
            t._("Feedback: {count} ratings, average {average} of 5", count=t.number(s["rating_count"]),
                average=none if s["rating_avg"] is None else t.number(round(s["rating_avg"], 1))),
        ]
        await self._reply(interaction, "\n".join(lines))


def _complete(current: str, labels: dict[str, str]) -> list[app_commands.Choice[str]]:
    """Complete the last item of a comma-separated list of codes, showing translated labels."""
    head, sep, last = current.rpartition(",")
    prefix = f"{head}{sep} " if sep else ""
    token = last.strip().lower()
    code_part = token.partition(":")[0]
    choices = []
    for code, label in labels.items():
        if not code_part or code.startswith(code_part) or code_part in label.lower():
            value = (prefix + code).strip()
            choices.append(app_commands.Choice(name=clip(f"{code} · {label}", 100), value=clip(value, 100)))
        if len(choices) == 25:
            break
    return choices


async def setup(bot: MultinationsBot) -> None:
    """Extension entry point: the service, its privacy section, the capability and the buttons."""
    services = bot.services
    service = MentoringService(services.db, services.clock, services.jobs, services.guild_config,
                               zone=services.settings.zone)
    services.privacy.register(service.privacy_section())
    services.capabilities[capabilities.MENTORING] = service
    bot.add_dynamic_items(AnswerButton, CheckinButton, RateButton, EditorSelect, EditorButton)
    await bot.add_cog(MentoringCog(bot, service))


async def teardown(bot: MultinationsBot) -> None:
    """Extension exit point."""
    bot.remove_dynamic_items(AnswerButton, CheckinButton, RateButton, EditorSelect, EditorButton)
    bot.services.privacy.unregister("mentoring")
    bot.services.capabilities.pop(capabilities.MENTORING, None)
