"""Mentor matching on Discord: the `/mentor ...` and `/match ...` commands, their options and
autocomplete, and the menu-based profile editor.

Everything that follows a decision (invitations, the pair's private thread, check-ins, notes to
coordinators, ratings) is written once, for every platform, in `bot.features.mentoring.flows` and
reaches Discord through the conversation port (`bot.edge.conversation`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import capabilities
from bot.core.access import Capability
from bot.core.areas import areas_of
from bot.core.errors import UserError
from bot.core.i18n import N_, Translator
from bot.core.text import clean_text
from bot.edge.checks import require, require_guild
from bot.edge.client import MultinationsBot
from bot.edge.conversation import DiscordConversation, DiscordExchange, render_text, render_view
from bot.edge.errors import guarded
from bot.edge.ui import EMBED_DESCRIPTION_LIMIT, clip, respond, update_message
from bot.features.mentoring.editor import MAX_OPTIONS, STATE_PATTERN, Draft, area_value
from bot.features.mentoring.explain import explain, profile_text, score_text, unmatched_text
from bot.features.mentoring.flows import MentoringFlows, rating_controls
from bot.features.mentoring.model import (
    AVAILABILITY,
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
    topic_label,
)
from bot.features.mentoring.repository import Match
from bot.features.mentoring.service import (
    MentoringService,
)

log = logging.getLogger(__name__)

PREVIEW_SHOWN = 40
#: Limits of what members type (lists of codes, a place name, a date, pair numbers), after cleaning.
LIST_LIMIT = 200
AREA_LIMIT = 100
DATE_LIMIT = 40


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


# ----- the cog ----------------------------------------------------------------------------------------
class MentoringCog(commands.Cog):
    """Mentor profiles, matching rounds and the follow-up of each pair."""

    def __init__(self, bot: MultinationsBot, service: MentoringService) -> None:
        self.bot = bot
        self.service = service
        self.flows = MentoringFlows(service, bot.services, DiscordConversation(bot))

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
        """The follow-ups, check-ins, "no mentor yet" notes and the retention sweep are the flows' jobs."""
        await self.flows.start()

    async def cog_unload(self) -> None:
        """Stop handling them (rows stay for the next load)."""
        self.flows.stop()

    mentor = app_commands.Group(name="mentor", description="Be a mentor, or ask for one")
    match = app_commands.Group(name="match", description="Mentor matching (coordinators)")

    # ----- helpers -----------------------------------------------------------------------------------
    async def _show_waiting(self, interaction: discord.Interaction[MultinationsBot]) -> None:
        """Invitations that could not be sent by DM wait here, as private prompts (after any mentoring command)."""
        if interaction.guild_id is None or not interaction.response.is_done():
            return
        await self.flows.show_waiting(await DiscordExchange.of(interaction))

    async def _reply(self, interaction: discord.Interaction[MultinationsBot], content: str | None = None,
                     **kwargs: Any) -> None:
        await respond(interaction, content, **kwargs)
        await self._show_waiting(interaction)

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
        profile = await self.service.profile_from_answers(
            guild_id, interaction.user.id, role, languages=languages, help_=help_, interests=interests, area=area,
            availability=availability, capacity=capacity, adult=adult)
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
        return await areas_of(self.bot.services.guild_config, guild_id)

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
            events = await self.flows.events_text(t, guild_id)
            if events:
                parts.append(render_text(events))
        await self._reply(interaction, "\n\n".join(parts))

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
        if ended.side_of(interaction.user.id) is not None:
            view = render_view(rating_controls(ended.id))
            text = t._("The match has ended. Thank you for the time you gave each other. If you like, rate how it "
                       "went from 1 (poor) to 5 (very good); only totals are reported.")
            await self._reply(interaction, text, view=view)
        else:
            await self._reply(interaction, t._("The match has ended and both people are back in the pool."))
        await self.flows.follow_up_now(ended.id, "ended")

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
            await self.flows.follow_up_now(match.id, "invite")
        t = await self.bot.translator_for(interaction)
        await self._reply(interaction, t.n_("{n} pair is invited. Each person is asked to accept first.",
                                        "{n} pairs are invited. Each person is asked to accept first.", len(invited)))

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
    bot.add_dynamic_items(EditorSelect, EditorButton)
    await bot.add_cog(MentoringCog(bot, service))


async def teardown(bot: MultinationsBot) -> None:
    """Extension exit point."""
    bot.remove_dynamic_items(EditorSelect, EditorButton)
    bot.services.privacy.unregister("mentoring")
    bot.services.capabilities.pop(capabilities.MENTORING, None)
