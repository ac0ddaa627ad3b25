"""Mentoring's commands, declared once for every platform (`/mentor ...`, `/match ...` on Discord,
`!mentor ...` on Matrix), with their handlers over the port.

A handler takes what a member would type: member options as `UserRef`, lists as text in their own
words (`bot.features.mentoring.words`), pair numbers as "1, 3" or "all". Who may run `/match` is the
declaration's `needs` (checked once, in `Commands.run`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from bot.core.access import Capability
from bot.core.areas import areas_of
from bot.core.commands import Call, Kind, Param
from bot.core.conversation import Card, Exchange, Message, Parts, Text, UserRef
from bot.core.errors import UserError
from bot.core.i18n import N_, Translator
from bot.core.languages import CATALOGS
from bot.core.notices import allow_button
from bot.core.text import clean_text
from bot.features.mentoring.editor import Draft
from bot.features.mentoring.explain import explain, profile_text, score_text, unmatched_text
from bot.features.mentoring.model import (
    AVAILABILITY,
    INTERESTS,
    MAX_CAPACITY,
    MENTOR,
    NEWCOMER,
    TOPIC_LABELS,
    TOPICS,
    Profile,
)
from bot.features.mentoring.repository import Match
from bot.features.mentoring.words import Vocabulary, vocabulary_of

if TYPE_CHECKING:
    from bot.features.mentoring.flows import MentoringFlows

FEATURE = "mentoring"
#: How many proposals a round shows (the rest are counted).
PREVIEW_SHOWN = 40
#: Limits of what members type (lists, a place name, a date, pair numbers), after cleaning.
LIST_LIMIT = 200
AREA_LIMIT = 100
DATE_LIMIT = 40

#: The label is the choice's name, translated with the "command choice" context like the slash command's.
ROLE_CHOICES = (("volunteer", "volunteer"), ("newcomer", "newcomer"))
COORDINATORS = (Capability.COORDINATOR,)


def positions(text: str) -> list[int] | None:
    """"all" or "1, 3 4" -> None or [1, 3, 4]."""
    cleaned = clean_text(text, limit=LIST_LIMIT, field=N_("the pair numbers")).lower()
    if cleaned in {"all", "alla", "*"}:
        return None
    numbers = re.findall(r"\d+", cleaned)
    if not numbers or re.sub(r"[\d,\s]", "", cleaned):
        raise UserError(N_("Write pair numbers like 1, 3 or the word all."))
    return list(dict.fromkeys(int(n) for n in numbers))


def member_id(ref: UserRef) -> int:
    """The stored id of a member option."""
    if not ref.id.isdigit():
        raise UserError(N_("I could not find the member “{value}”."), value=ref.id)
    return int(ref.id)


class MentoringCommands:
    """The handlers of `/mentor` and `/match`."""

    def __init__(self, flows: MentoringFlows) -> None:
        self.flows = flows
        self.service = flows.service
        self.services = flows.services
        self._vocabularies: dict[str, Vocabulary] = {}

    # ----- declarations --------------------------------------------------------------------------------
    def declare(self) -> None:
        """Declare every command of the feature."""
        d = self.services.commands.declare
        profile_params = (
            Param("languages", max_length=LIST_LIMIT), Param("help", max_length=LIST_LIMIT),
            Param("adult", Kind.BOOLEAN), Param("interests", required=False, max_length=LIST_LIMIT),
            Param("area", required=False, max_length=AREA_LIMIT),
            Param("availability", required=False, max_length=LIST_LIMIT),
        )
        d(FEATURE, ("mentor", "volunteer"), N_("Offer to be a mentor for a newcomer"), self.volunteer,
          params=(*profile_params, Param("capacity", Kind.INTEGER, required=False, min_value=1,
                                         max_value=MAX_CAPACITY)))
        d(FEATURE, ("mentor", "request"), N_("Ask for a mentor who speaks your language"), self.request,
          params=profile_params)
        d(FEATURE, ("mentor", "profile"), N_("Make or change your mentoring profile with menus"), self.profile,
          params=(Param("role", choices=ROLE_CHOICES),))
        d(FEATURE, ("mentor", "status"), N_("See your mentoring profile, invitations and match"), self.status)
        d(FEATURE, ("mentor", "pause"), N_("Pause being a mentor until a date"), self.pause,
          params=(Param("until", max_length=DATE_LIMIT),))
        d(FEATURE, ("mentor", "resume"), N_("End your pause and be available again"), self.resume)
        d(FEATURE, ("mentor", "withdraw"), N_("Remove your mentoring profile"), self.withdraw)
        d(FEATURE, ("mentor", "end"), N_("End your mentoring match"), self.end,
          params=(Param("partner", Kind.MEMBER, required=False),))
        pair = (Param("mentor", Kind.MEMBER), Param("newcomer", Kind.MEMBER))
        numbers = (Param("pairs", max_length=LIST_LIMIT),)
        d(FEATURE, ("match", "preview"), N_("Propose mentor pairs for everyone waiting"), self.preview,
          needs=COORDINATORS)
        d(FEATURE, ("match", "approve"), N_("Approve proposed pairs and invite them"), self.approve, params=numbers,
          needs=COORDINATORS)
        d(FEATURE, ("match", "reject"), N_("Drop proposed pairs"), self.reject, params=numbers, needs=COORDINATORS)
        d(FEATURE, ("match", "set"), N_("Propose a pair by hand"), self.set_pair, params=pair, needs=COORDINATORS)
        d(FEATURE, ("match", "swap"), N_("Exchange the mentors of two proposed pairs"), self.swap,
          params=(Param("first", Kind.INTEGER), Param("second", Kind.INTEGER)), needs=COORDINATORS)
        d(FEATURE, ("match", "block"), N_("Never propose this pair (private to coordinators)"), self.block,
          params=pair, needs=COORDINATORS)
        d(FEATURE, ("match", "unblock"), N_("Take a pair off the do-not-match list"), self.unblock, params=pair,
          needs=COORDINATORS)
        d(FEATURE, ("match", "end"), N_("End a mentoring match as coordinator"), self.end_as_coordinator,
          params=pair, needs=COORDINATORS)
        d(FEATURE, ("match", "stats"), N_("Mentoring totals: pool, matches, check-ins"), self.stats,
          needs=COORDINATORS)

    # ----- helpers ---------------------------------------------------------------------------------------
    def _t(self, turn: Exchange) -> Translator:
        return self.services.translator(turn.language)

    def vocabulary(self, name: str) -> Vocabulary:
        """The choices of a list option, readable in every language (built once)."""
        if name not in self._vocabularies:
            translators = [self.services.translator(code) for code in CATALOGS]
            if name == "interests":
                self._vocabularies[name] = vocabulary_of(INTERESTS, INTERESTS.get, translators)
            elif name == "help":
                self._vocabularies[name] = vocabulary_of(TOPICS, TOPIC_LABELS.get, translators)
            else:
                self._vocabularies[name] = vocabulary_of(AVAILABILITY, AVAILABILITY.get, translators)
        return self._vocabularies[name]

    async def areas(self, guild_id: int | None) -> list[str]:
        """The community's parts of the municipality."""
        return await areas_of(self.services.guild_config, guild_id)

    def _codes(self, name: str, text: str | None, what: str, t: Translator, *, required: bool = False) -> str | None:
        cleaned = clean_text(text, limit=LIST_LIMIT, field=what, required=required) or None
        if cleaned is None:
            return None
        return " ".join(self.vocabulary(name).read(cleaned, what, t)) or None

    async def stored_text(self, turn: Exchange, profile: Profile) -> Message:
        """Save a checked profile; the confirmation the member reads (typed commands and the editor alike).

        When the bot may not write to the member directly it says where invitations will wait, and
        offers the one press that allows direct messages."""
        guild_id = turn.community
        assert guild_id is not None
        t = self._t(turn)
        created = await self.service.save_profile(guild_id, profile)
        if profile.role == MENTOR:
            head = (t._("Thank you for offering to be a mentor! A coordinator will suggest a newcomer to you; "
                        "you can always say no.") if created else t._("Your mentor profile is updated."))
        else:
            head = (t._("Your request for a mentor is saved. A coordinator matches people regularly; you will be "
                        "asked before anyone is introduced to you.") if created
                    else t._("Your request for a mentor is updated."))
        parts = Parts()
        lines = [head, profile_text(t, profile),
                 t._("You can change it with the same command, or remove it with {command}.",
                     command=parts.command("mentor", "withdraw", shown_in=t.code))]
        controls = ()
        if not await self.services.notices.can_write(int(turn.user.id)):
            lines.append(t._("I may not write to you directly yet, so an invitation will wait for you: I show it "
                             "the next time you use the bot here, and {command} lists it. Press the button to get "
                             "it as a direct message instead.", command=parts.command("mentor", "status",
                                                                                       shown_in=t.code)))
            controls = (allow_button(t),)
        return Message(parts.text("\n\n".join(lines)), controls=controls)

    # ----- /mentor ------------------------------------------------------------------------------------------
    async def _save(self, turn: Exchange, call: Call, role: str, capacity: int) -> None:
        guild_id = turn.community
        assert guild_id is not None
        t = self._t(turn)
        # Cleaned first (invisible and bidi characters out, a limit that says itself), then read into codes.
        languages = clean_text(call["languages"], limit=LIST_LIMIT, field=N_("languages"))
        help_ = self._codes("help", call["help"], N_("help topics"), t, required=True)
        if help_ is None:
            raise UserError(N_("Please choose at least one help topic."))
        area = clean_text(call.get("area"), limit=AREA_LIMIT, field=N_("your part of the municipality"),
                          required=False) or None
        profile = await self.service.profile_from_answers(
            guild_id, int(turn.user.id), role, languages=languages, help_=help_,
            interests=self._codes("interests", call.get("interests"), N_("interests"), t), area=area,
            availability=self._codes("availability", call.get("availability"), N_("availability"), t),
            capacity=capacity, adult=bool(call["adult"]))
        await turn.answer(await self.stored_text(turn, profile))

    async def volunteer(self, turn: Exchange, call: Call) -> None:
        """Create or change the member's mentor profile."""
        await self._save(turn, call, MENTOR, int(call.get("capacity", 1)))

    async def request(self, turn: Exchange, call: Call) -> None:
        """Create or change the member's request for a mentor."""
        await self._save(turn, call, NEWCOMER, 1)

    async def profile(self, turn: Exchange, call: Call) -> None:
        """Open the menu-based editor, prefilled from the member's profile of that role."""
        guild_id = turn.community
        role = MENTOR if call["role"] == "volunteer" else NEWCOMER
        existing = [p for p in await self.service.profiles_of(guild_id, int(turn.user.id)) if p.role == role]  # type: ignore[arg-type]
        draft = Draft.from_profile(role, existing[0] if existing else None, await self.areas(guild_id))
        await turn.answer(await self.flows.editor.screen(turn, draft))

    async def status(self, turn: Exchange, call: Call) -> None:
        """The member's profiles and everything that waits for them: invitations, their pair, check-ins."""
        await turn.answer(await self.flows.status(turn))

    async def pause(self, turn: Exchange, call: Call) -> None:
        """Pause the mentor profile (no new matches) until and including a date."""
        try:
            day = date.fromisoformat(clean_text(call["until"], limit=DATE_LIMIT, field=N_("the date")))
        except ValueError:
            raise UserError(N_("Please write the date as YYYY-MM-DD, for example 2027-01-31.")) from None
        await self.service.pause(turn.community, int(turn.user.id), day)  # type: ignore[arg-type]
        t = self._t(turn)
        await turn.answer(Message.of(t._("You are paused until {date}. You will get no new match before then.",
                                         date=t.date(day))))

    async def resume(self, turn: Exchange, call: Call) -> None:
        """Clear the pause."""
        await self.service.pause(turn.community, int(turn.user.id), None)  # type: ignore[arg-type]
        await turn.answer(Message.of(self._t(turn)._("Welcome back! You can be matched again.")))

    async def withdraw(self, turn: Exchange, call: Call) -> None:
        """Leave the pool; an active match continues until someone ends it."""
        await self.service.withdraw(turn.community, int(turn.user.id))  # type: ignore[arg-type]
        t = self._t(turn)
        parts = Parts()
        await turn.answer(Message(parts.text(t._(
            "Your mentoring profile is removed. You will not be matched. If you have a match now, it continues "
            "until one of you ends it with {command}.", command=parts.command("mentor", "end", shown_in=t.code)))))

    async def end(self, turn: Exchange, call: Call) -> None:
        """End the member's own match (capacity freed, optional feedback)."""
        uid = int(turn.user.id)
        active = await self.service.my_matches(turn.community, uid, ("active",))  # type: ignore[arg-type]
        partner = call.get("partner")
        if partner is not None:
            active = [m for m in active if m.partner_of(uid) == member_id(partner)]
        if not active:
            raise UserError(N_("You have no active mentoring match to end."))
        if len(active) > 1:
            raise UserError(N_("You have several matches. Choose the person with the partner option."))
        await self.flows.end(turn, active[0], as_coordinator=False)

    # ----- /match (coordinators) ---------------------------------------------------------------------------
    def round_text(self, t: Translator, proposals: list[Match], unmatched: dict[int, str]) -> Text:
        """Proposals with scores and reasons, and who stays unmatched and why."""
        parts = Parts()
        lines: list[str] = []
        if proposals:
            lines.append(t._("Proposed pairs (mentor → newcomer):"))
        for m in proposals[:PREVIEW_SHOWN]:
            manual = " " + t._("(set by hand)") if m.manual else ""
            lines.append(t._("{number}. {mentor} → {newcomer} · {score} points{manual} · {reasons}",
                             number=m.position, mentor=parts.mention(m.mentor_id),
                             newcomer=parts.mention(m.newcomer_id), score=score_text(t, m.score), manual=manual,
                             reasons=explain(t, m.reasons)))
        if len(proposals) > PREVIEW_SHOWN:
            lines.append(t._("…and {n} more pairs.", n=len(proposals) - PREVIEW_SHOWN))
        if not proposals:
            lines.append(t._("No pairs can be proposed right now."))
        if unmatched:
            lines.append("")
            lines.append(t.n_("{n} newcomer stays unmatched:", "{n} newcomers stay unmatched:", len(unmatched)))
            for uid, why in list(unmatched.items())[:PREVIEW_SHOWN]:
                lines.append(f"• {parts.mention(uid)}: {unmatched_text(t, why)}")
        lines.append("")
        lines.append(t._("Approve with {approve} (or numbers), drop with {reject}, change with {set} or {swap}.",
                         approve=parts.command("match", "approve", shown_in=t.code, pairs="all"),
                         reject=parts.command("match", "reject", shown_in=t.code),
                         set=parts.command("match", "set", shown_in=t.code),
                         swap=parts.command("match", "swap", shown_in=t.code)))
        return parts.text("\n".join(lines))

    async def preview(self, turn: Exchange, call: Call) -> None:
        """Run a matching round and show the proposals with scores and reasons."""
        t = self._t(turn)
        view = await self.service.preview(turn.community, int(turn.user.id))  # type: ignore[arg-type]
        await turn.answer(Message(card=Card(t._("Matching round"), self.round_text(t, view.proposals,
                                                                                     view.unmatched))))

    async def approve(self, turn: Exchange, call: Call) -> None:
        """Invite the approved pairs; unmatched newcomers are told kindly."""
        chosen = positions(call["pairs"])
        # Newcomers left unmatched are told by `mentoring.unmatched` jobs the approval planned.
        invited, _told = await self.service.approve(turn.community, int(turn.user.id), chosen)  # type: ignore[arg-type]
        for match in invited:
            await self.flows.follow_up_now(match.id, "invite")
        t = self._t(turn)
        await turn.answer(Message.of(t.n_("{n} pair is invited. Each person is asked to accept first.",
                                          "{n} pairs are invited. Each person is asked to accept first.",
                                          len(invited))))

    async def reject(self, turn: Exchange, call: Call) -> None:
        """Drop proposals; the people stay in the pool."""
        count = await self.service.reject(turn.community, positions(call["pairs"]))  # type: ignore[arg-type]
        await turn.answer(Message.of(self._t(turn).n_("{n} proposed pair dropped.", "{n} proposed pairs dropped.",
                                                      count)))

    async def set_pair(self, turn: Exchange, call: Call) -> None:
        """Set a pair by hand (hard rules still apply)."""
        created = await self.service.set_pair(turn.community, member_id(call["mentor"]),  # type: ignore[arg-type]
                                              member_id(call["newcomer"]))
        await turn.answer(Message(self.round_text(self._t(turn), [created], {})))

    async def swap(self, turn: Exchange, call: Call) -> None:
        """Swap mentors between two proposals."""
        a, b = await self.service.swap(turn.community, int(call["first"]), int(call["second"]))  # type: ignore[arg-type]
        await turn.answer(Message(self.round_text(self._t(turn), [a, b], {})))

    async def block(self, turn: Exchange, call: Call) -> None:
        """Add a pair to the do-not-match list."""
        await self.service.set_excluded(turn.community, member_id(call["mentor"]),  # type: ignore[arg-type]
                                        member_id(call["newcomer"]), True)
        await turn.answer(Message.of(self._t(turn)._(
            "This pair will not be proposed. Only coordinators can see this list.")))

    async def unblock(self, turn: Exchange, call: Call) -> None:
        """Remove a pair from the do-not-match list."""
        await self.service.set_excluded(turn.community, member_id(call["mentor"]),  # type: ignore[arg-type]
                                        member_id(call["newcomer"]), False)
        await turn.answer(Message.of(self._t(turn)._("This pair may be proposed again.")))

    async def end_as_coordinator(self, turn: Exchange, call: Call) -> None:
        """End a pair's match; both return to the pool."""
        mentor, newcomer = member_id(call["mentor"]), member_id(call["newcomer"])
        found = [m for m in await self.service.my_matches(turn.community, mentor, ("active",))  # type: ignore[arg-type]
                 if m.newcomer_id == newcomer and m.mentor_id == mentor]
        if not found:
            raise UserError(N_("These two people have no active match."))
        await self.flows.end(turn, found[0], as_coordinator=True)

    async def stats(self, turn: Exchange, call: Call) -> None:
        """Aggregates only: no names."""
        t = self._t(turn)
        s = await self.service.stats(turn.community)  # type: ignore[arg-type]
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
        await turn.answer(Message.of("\n".join(lines)))
