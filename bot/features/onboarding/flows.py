"""Onboarding's conversations written once for every platform (they speak only through the port).

The welcome is a small state machine (`model`), stored by the service and shown step by step
(`steps`): a member's turn (Start, a press, a pick, `/welcome start`) reaches `open` or the routed
handlers here; what a platform sees of it is a `Message` with choices and buttons. Outside a turn:
the coalesced greeting of joins, the after-finish settle (labels and the volunteer card), the one
reminder, the card redrawn or blanked after a deletion.

Entry points for a platform adapter (Discord's cog calls the same ones from its gateway listeners):
`install(services, chat)` builds the welcome, `await flows.start()` starts it; then `member_joined`,
`screening_passed`, `member_left`, `catch_up_joins`, `ensure_start`, and `open(turn)` for a member's
own start (what the Start button and `/welcome start` do); a member's presses go through
`services.routes` (feature `onb`), commands through `services.commands` (`welcome start|queue|stats|setup`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.core import capabilities as caps
from bot.core import places
from bot.core.access import Capability
from bot.core.areas import areas_of
from bot.core.capabilities import HELP_TOPICS, LinkItem
from bot.core.commands import STAFF_NAMES
from bot.core.conversation import (
    Action,
    Conversation,
    Delivery,
    Exchange,
    Mention,
    Message,
    MessageRef,
    Parts,
    PlaceLink,
    PlaceRef,
    Plain,
    Said,
    Text,
    UserRef,
)
from bot.core.errors import NotAllowed, UserError
from bot.core.flows import Answer
from bot.core.i18n import N_, Translator
from bot.core.jobs import Job, RetryLater
from bot.core.outbox import send_key
from bot.core.services import Services
from bot.features.onboarding import greeting, roles, steps
from bot.features.onboarding.checklist import Checklist, build_items
from bot.features.onboarding.model import (
    AREA,
    AREA_OTHER,
    CONSENT,
    DONE,
    LANGUAGE,
    MENTOR,
    TOPICS,
    MemberState,
    bits_to_topics,
)
from bot.features.onboarding.service import (
    BLANK_CARD_KIND,
    FORMER_VOLUNTEER,
    GREET_KIND,
    REDRAW_CARD_KIND,
    REMIND_KIND,
    SETTLE_KIND,
    WELCOME_START,
    OnboardingService,
)

log = logging.getLogger(__name__)

#: A card edit the platform did not answer is tried again this much later.
BLANK_CARD_RETRY = timedelta(seconds=30)
#: A greeting or a card redraw the platform did not take is tried again this much later.
GREET_RETRY = timedelta(seconds=30)
#: Work after a finish that failed for a passing reason is tried again this much later.
SETTLE_RETRY = timedelta(minutes=2)
#: A problem a person must fix (a channel the bot cannot post in) is told to organizers at most this often.
NOTICE_EVERY = timedelta(days=1)
#: Settings of the welcome in guild_config.
CONFIG = "onboarding."
#: The languages the Start post is written in.
START_LANGUAGES = ("sv", "en", "ar", "prs", "so", "ti", "uk")
#: A greeting's lines above the mentions stop at this many characters (organizers' texts are long enough).
GREETING_HEADER_CHARS = 1200

#: Splits the members to greet into messages under a header; the platform adapter knows what fits.
Chunker = Callable[[Text, Sequence[int]], list[list[int]]]


def one_hundred_a_message(header: Text, user_ids: Sequence[int]) -> list[list[int]]:
    """The chunker for a platform without a tight message limit: a hundred members a message."""
    return [list(user_ids[i:i + 100]) for i in range(0, len(user_ids), 100)]


class OnboardingFlows:
    """Onboarding's flows over the conversation port."""

    def __init__(self, service: OnboardingService, services: Services, chat: Conversation, *,
                 greet_chunks: Chunker = one_hundred_a_message, greet_per_flush: int = 5,
                 message_exists: Callable[[MessageRef], Awaitable[bool]] | None = None) -> None:
        """`greet_chunks` and `greet_per_flush`: how many members one greeting names and how many greetings
        the platform takes at once; `message_exists`: whether a posted message is still there (the Start
        post is posted again when it is not)."""
        self.service = service
        self.services = services
        self.chat = chat
        self.message_exists = message_exists
        self.greet_chunks = greet_chunks
        self.greet_per_flush = greet_per_flush

    async def start(self) -> None:
        """Handle the welcome's jobs, route its controls and declare its commands."""
        from bot.features.onboarding.commands import declare

        jobs = self.services.jobs
        jobs.register(GREET_KIND, self.run_greet, grace=greeting.GREETING_WINDOW * 60, on_missed=self.skip_greet)
        jobs.register(REMIND_KIND, self.run_remind, grace=None)
        jobs.register(SETTLE_KIND, self.run_settle, grace=timedelta(days=7))
        jobs.register(REDRAW_CARD_KIND, self.run_redraw_card, grace=timedelta(days=365))
        self.services.outbox.register(BLANK_CARD_KIND, self.run_blank_card, grace=timedelta(days=365),
                                      retry=BLANK_CARD_RETRY)
        routes = self.services.routes
        routes.add(steps.FEATURE, "start", self.on_start)
        routes.add(steps.FEATURE, "step", self.on_step)
        routes.add(steps.FEATURE, "pick", self.on_pick)
        routes.add(steps.FEATURE, "claim", self.on_claim)
        declare(self)

    def stop(self) -> None:
        """Stop handling them (rows stay planned)."""
        for kind in (GREET_KIND, REMIND_KIND, SETTLE_KIND, REDRAW_CARD_KIND):
            self.services.jobs.unregister(kind)
        self.services.outbox.unregister(BLANK_CARD_KIND)
        self.services.routes.remove_feature(steps.FEATURE)
        self.services.commands.remove_feature("onboarding")

    # ----- settings -----------------------------------------------------------------------------------
    async def config(self, guild_id: int, key: str, default: Any = None) -> Any:
        """An onboarding setting of the guild."""
        return await self.services.guild_config.get(guild_id, CONFIG + key, default)

    async def language(self, turn: Exchange) -> str:
        """The member's language now: what they chose (maybe in this very turn), else the turn's."""
        return await self.services.prefs.language(int(turn.user.id)) or turn.language

    async def translator(self, turn: Exchange) -> Translator:
        """The member's translator now."""
        return self.services.translator(await self.language(turn))

    # ----- the platform's events ---------------------------------------------------------------------
    async def member_joined(self, community: int, user: UserRef, *, pending: bool = False) -> None:
        """A member joined (Discord: GUILD_MEMBER_ADD; Matrix: a join to the space). Recorded at once; the
        greeting follows in a coalesced message. `pending`: they must accept the rules first (Discord's
        Rules Screening); they are greeted and given labels once `screening_passed`."""
        await self.service.record_join(community, int(user.id), pending=pending)

    async def catch_up_joins(self, community: int, members: Iterable[tuple[UserRef, datetime, bool]],
                             since: datetime) -> None:
        """Members (user, joined at, pending) who joined after `since` while the bot was away or shortly before
        a crash are recorded (and greeted) now; those already known, or before the newest recorded join, not."""
        seen = await self.service.joins_seen_until(community)
        recent = {int(user.id): pending for user, joined_at, pending in members
                  if joined_at >= since and (seen is None or joined_at > seen)}
        if not recent:
            return
        known = await self.service.known(community, list(recent))
        # All in one group commit, with one waiter (not a task per member).
        await self.service.record_joins(community, [(user_id, pending) for user_id, pending in recent.items()
                                                    if user_id not in known])

    async def screening_passed(self, community: int, user: UserRef) -> None:
        """The member accepted the rules: greeted now, and given the labels of a welcome finished meanwhile."""
        state = await self.service.screening_passed(community, int(user.id))
        if state is not None and state.finished:
            language = await self.services.prefs.language(int(user.id)) or "en"
            await self.apply_labels(community, int(user.id), language, state.help_topics)

    async def member_left(self, community: int, user: UserRef) -> None:
        """Off the volunteers' queue; an unclaimed card stops showing what they shared. (Their data is deleted
        by the core's retention later.)"""
        user_id = int(user.id)
        await self.service.record_leave(community, user_id)
        state = await self.service.get(community, user_id)
        if state is None or state.card_message_id is None or state.claimed_by is not None:
            return
        place = await self.chat.locate(community, places.VOLUNTEERS)
        if place is None:
            return
        t = await self.services.guild_translator(community)
        outcome = await self.chat.edit(MessageRef(place, str(state.card_message_id)),
                                       Message.of(t._("This newcomer has left the server.")))
        if outcome is not Delivery.SENT:
            log.info("could not update a volunteer card in guild %s (%s)", community, outcome.value)

    async def ensure_start(self, community: int) -> None:
        """Post the Start message in the start place once (its id is kept; posted again when it is gone)."""
        place = await self.chat.locate(community, places.START)
        if place is None:
            return
        stored = await self.config(community, "start_message_id")
        if stored and await self.config(community, "start_message_channel") not in (None, place.stored):
            stored = None  # the start channel moved: post it there
        if stored and (self.message_exists is None or await self.message_exists(MessageRef(place, str(stored)))):
            return
        ref = await self.chat.post(community, place, steps.start_message(self.services.translator, START_LANGUAGES))
        if ref is None:
            log.warning("could not post the start message in guild %s", community)
            return
        await self.services.guild_config.set(community, CONFIG + "start_message_id",
                                             int(ref.id) if ref.id.isdigit() else ref.id)
        await self.services.guild_config.set(community, CONFIG + "start_message_channel", place.stored)

    # ----- greetings ---------------------------------------------------------------------------------
    async def greeting_header(self, community: int) -> Text:
        """The welcome lines in the server's languages (organizers' texts first), without repeats."""
        start = await self.chat.locate(community, places.START)
        texts: dict[str, str] = await self.config(community, "welcome_text", {})
        codes = list(await self.config(community, "greeting_languages", list(greeting.DEFAULT_GREETING_LANGUAGES)))
        codes += [code for code in texts if code not in codes]  # a language given its own text is greeted in
        lines: dict[str, Text] = {}
        length = 0
        for code in codes:
            custom = texts.get(code)
            if custom:
                line = Text()
                for number, piece in enumerate(custom.split("{channel}")):
                    if number:
                        line += Text((_place(start),))
                    line += Text((Said(piece),)) if piece else Text()
            else:
                parts = Parts()
                line = parts.text(self.services.translator(code)._(
                    greeting.GREETING_LINE, channel=parts.place(start) if start else "#start-here"))
            if str(line) in lines or length + len(str(line)) > GREETING_HEADER_CHARS:
                continue
            lines[str(line)] = line
            length += len(str(line)) + 1
        out = Text()
        for number, line in enumerate(lines.values()):
            out += ("\n" if number else "") + line
        return out

    async def run_greet(self, job: Job) -> None:
        """Greet the joins of one window in as few messages as the platform takes at once."""
        guild_id = int(job.payload["guild"])
        ids = await self.service.ungreeted(guild_id)
        if not ids:
            return
        place = await self.chat.locate(guild_id, places.WELCOME)
        if place is None:
            await self.service.mark_greeted(guild_id, ids)
            return
        header = await self.greeting_header(guild_id)
        chunks = self.greet_chunks(header, ids)
        if len(chunks) > self.greet_per_flush:
            chunks = chunks[:self.greet_per_flush]
            await self.service.plan_next_greeting(guild_id, job.due_at)
        for chunk in chunks:
            users = [UserRef.of(uid) for uid in chunk]
            text = header + "\n"
            for number, user in enumerate(users):
                text += (" " if number else "") + Text((Mention(user),))
            posted = await self.chat.publish(guild_id, place, Message(text, ping=tuple(users)),
                                             key=send_key(f"onboarding:greet:{guild_id}", chunk[0]))
            if posted.outcome is Delivery.FAILED:
                raise RetryLater(GREET_RETRY, "platform unavailable")
            if posted.outcome is Delivery.CLOSED:
                # A person must act (permission or a deleted channel): organizers are told, nothing is retried;
                # the members can still press Start, so their greeting is skipped rather than sent late.
                log.warning("cannot greet in the welcome channel of guild %s", guild_id)
                await self.tell_channel_problem(guild_id, place)
            await self.service.mark_greeted(guild_id, chunk)

    async def skip_greet(self, job: Job) -> None:
        """Greetings found hours late after downtime are not sent (a stale welcome is noise)."""
        guild_id = int(job.payload["guild"])
        ids = await self.service.ungreeted(guild_id)
        if ids:
            await self.service.mark_greeted(guild_id, ids)

    # ----- the member's turns ------------------------------------------------------------------------
    async def community_of(self, turn: Exchange) -> int:
        """The community of the welcome, refusing someone who is not (or no longer) one of its members."""
        community = turn.community
        if community is None:
            raise UserError(N_("This only works in the server, not in direct messages."))
        if not await self.chat.is_member(community, turn.user):
            raise UserError(N_("The welcome is for members of the server. If you would like to join again, "
                               "you are welcome: then press Start there."))
        return community

    async def open(self, turn: Exchange) -> None:
        """Start or resume the member's own welcome (Start, `/welcome start`, a Matrix join prompt)."""
        community = await self.community_of(turn)
        state = await self.service.begin(community, int(turn.user.id))
        t = await self.translator(turn)
        owner = steps.owner_of(turn.user)
        if state.returning:
            await turn.answer(steps.rejoin_message(t, owner))
        elif state.finished and state.step == DONE:
            await turn.answer(steps.summary_message(t, state, await self.services.prefs.language(state.user_id),
                                                    owner))
        else:
            await self.show(turn, state, replace=False)

    async def on_start(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """The Start button."""
        await self.open(turn)

    async def _mine(self, turn: Exchange, action: Action) -> bool:
        if action.args and action.args[0] == steps.owner_of(turn.user):
            return True
        log.info("refused a press on another member's welcome (user %s)", turn.user.id)
        parts = Parts()
        await turn.answer(Message(parts.text((await self.translator(turn))._(
            "This belongs to someone else's welcome. Press Start or use {command} to open your own.",
            command=parts.command("welcome", "start", shown_in=turn.language)))))
        return False

    async def on_pick(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """A choice of the flow (language, help topics, area)."""
        if len(action.args) != 2 or not await self._mine(turn, action):
            return
        await self.answer_step(turn, action.args[1], "pick", list(answer.values))

    async def on_step(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """A button of the flow."""
        if len(action.args) != 3 or not await self._mine(turn, action):
            return
        await self.answer_step(turn, action.args[1], action.args[2], [])

    async def answer_step(self, turn: Exchange, step: str, value: str, values: list[str]) -> None:
        """One press or pick: store it, then show what follows."""
        community = await self.community_of(turn)
        user_id = int(turn.user.id)
        svc = self.service
        if step == LANGUAGE:
            state = await svc.choose_language(community, user_id, values[0] if values else value)
        elif step == CONSENT:
            state = await svc.set_consent(community, user_id, value == "yes")
        elif step == TOPICS:
            state = await svc.set_topics(community, user_id, [v for v in values if v in HELP_TOPICS])
        elif step == AREA:
            state = await svc.set_area(community, user_id, values[0] if values else None)
        elif step == MENTOR:
            if value == "yes" and await self._asks_without_consent(community, user_id):
                t = await self.translator(turn)
                await turn.replace(steps.mentor_consent_message(t, steps.owner_of(turn.user)))
                return
            state = await svc.set_mentor(community, user_id, value in ("yes", "keep"))
        elif step == "change":
            state = await svc.edit(community, user_id, value)
        elif step == "rejoin":
            state = await (svc.continue_saved if value == "continue" else svc.start_over)(community, user_id)
        elif step == "dm":
            await self.send_checklist(turn, community, bits_to_topics(int(value) if value.isdigit() else 0))
            return
        elif step == "summary":
            found = await svc.get(community, user_id)
            if found is None:
                raise UserError(N_("Please start the welcome first: press Start or use {command}."),
                                command=WELCOME_START)
            await turn.replace(steps.summary_message((await self.translator(turn)), found,
                                                     await self.services.prefs.language(user_id),
                                                     steps.owner_of(turn.user)))
            return
        else:
            raise UserError(N_("Please start the welcome first: press Start or use {command}."),
                            command=WELCOME_START)
        await self.show(turn, state, replace=True)

    async def _asks_without_consent(self, community: int, user_id: int) -> bool:
        """A member who keeps only their language says yes to a mentor: asked first what that request keeps."""
        state = await self.service.get(community, user_id)
        return state is not None and state.step in (MENTOR, DONE) and state.consent is False

    async def show(self, turn: Exchange, state: MemberState, *, replace: bool) -> None:
        """The member's current step (finishing when they reached the end)."""
        t = await self.translator(turn)
        if state.step == DONE:
            await self.complete(turn, t, state, replace=replace)
            return
        message = steps.step_message(t, state, steps.owner_of(turn.user), translator=self.services.translator,
                                     areas=await areas_of(self.services.guild_config, state.guild_id),
                                     preselected=t.code)
        await (turn.replace if replace else turn.answer)(message)

    # ----- the end of the welcome --------------------------------------------------------------------
    async def complete(self, turn: Exchange, t: Translator, state: MemberState, *, replace: bool) -> None:
        """Finish: the checklist now, then the platform work (labels, the volunteer card) after answering."""
        community = state.guild_id
        state, _first = await self.service.finish(community, state.user_id)
        language = t.code
        notes: list[Text] = []
        if state.pending:
            notes.append(Text.plain(t._("You will get your roles as soon as you have accepted the server rules.")))
        if state.wants_mentor:
            notes.append(await self.request_mentor(t, state, language))
        checklist = await self.build_checklist(community, state.help_topics, language)
        can_write = await self.services.notices.can_write(state.user_id)
        message = steps.done_message(t, state, steps.owner_of(turn.user), checklist, notes,
                                     ask_to_write=bool(state.wants_mentor) and not can_write)
        await (turn.replace if replace else turn.answer)(message)
        # Platform work that may be slow or rate limited: after the member has their answer. The finish
        # planned the settle job; it is cancelled only when all of this worked, so a crash or an outage here
        # is made good by the job.
        if await self.settle(state, language):
            await self.service.settled(community, state.user_id)

    async def request_mentor(self, t: Translator, state: MemberState, language: str) -> Text:
        """Ask the mentoring capability for a mentor, and say what happened."""
        mentoring = self.services.capabilities.get(caps.MENTORING)
        if mentoring is None:
            return Text.plain(t._("There is no mentor programme on this server yet; a volunteer will say hello "
                                  "instead."))
        # Asked only when the member said yes with their answers stored, or said yes again after being told what a
        # request keeps without them (`steps.mentor_consent_message`): the request itself is consented to, the
        # answers only with the consent step's yes. The mentoring helper's contract (`MentorConsent`) takes that
        # as a value; until it is on main the answers are left out here.
        consent_type = getattr(caps, "MentorConsent", None)
        extra = {"consent": consent_type(keep_request=True, keep_answers=bool(state.consent))} if consent_type else {}
        try:
            created = await mentoring.request_from_onboarding(
                state.guild_id, state.user_id, [language],
                state.help_topics if state.consent else [],
                state.area if state.consent and state.area != AREA_OTHER else None,
                **extra,
            )
        except Exception:
            log.exception("mentoring request from onboarding failed")
            parts = Parts()
            return parts.text(t._("I could not ask for a mentor just now; please try again later with {command}.",
                                  command=parts.command("welcome", "start", shown_in=t.code)))
        if not created:
            # The mentoring capability creates or refreshes: False means the request already existed.
            return Text.plain(t._("You are already on the waiting list for a mentor; a coordinator will be in "
                                  "touch."))
        return Text.plain(t._("I have asked for a mentor for you. A coordinator will be in touch."))

    async def build_checklist(self, guild_id: int, topics: list[str], language: str) -> Checklist:
        """The member's items plus FAQ entries (one per chosen topic first) and events when installed."""
        checklist = Checklist(build_items(topics))
        faq = self.services.capabilities.get(caps.FAQ)
        if faq is not None and topics:
            try:
                found: dict[str, LinkItem] = {}
                for topic in topics:  # one answer per topic the member chose first, then the best others
                    for item in await faq.entries_for_topics([topic], language, 1):
                        found.setdefault(str(item.hint), item)
                for item in await faq.entries_for_topics(topics, language, 5):
                    found.setdefault(str(item.hint), item)
                checklist.faq = list(found.values())[:max(5, len(topics))]
            except Exception:
                log.exception("FAQ entries for the checklist failed")
        events = self.services.capabilities.get(caps.EVENTS)
        if events is not None:
            try:
                checklist.events = list(await events.upcoming(guild_id, language, 3))[:3]
            except Exception:
                log.exception("events for the checklist failed")
        return checklist

    async def send_checklist(self, turn: Exchange, community: int, topics: list[str]) -> None:
        """The member allows direct messages and gets the checklist there; closed ones show it here again."""
        user_id = int(turn.user.id)
        t = await self.translator(turn)
        await self.services.prefs.set_dm_allowed(user_id, True)
        card = steps.checklist_card(t, await self.build_checklist(community, topics, t.code))
        sent = await self.chat.direct(turn.user, Message(card=card), community=community)
        if sent is Delivery.SENT:
            await turn.answer(Message.of(t._("I have sent you the checklist in a direct message.")))
        else:
            await turn.answer(Message.of(t._("Here is your checklist again, to keep:"), card=card))

    async def settle(self, state: MemberState, language: str) -> bool:
        """Labels and the volunteer card of a finished welcome. False when the platform failed for a passing
        reason (the settle job tries again)."""
        done = True
        if not state.pending:
            done = await self.apply_labels(state.guild_id, state.user_id, language, state.help_topics,
                                           prune_help=bool(state.consent))
        if self.card_owed(state):
            done = await self.post_card(state, language) and done
        return done

    async def run_settle(self, job: Job) -> None:
        """After a finish whose platform work was interrupted: labels and the card, once."""
        guild_id, user_id = int(job.payload["guild"]), int(job.payload["user"])
        state = await self.service.get(guild_id, user_id)
        if state is None or not state.finished or state.left_at is not None:
            return
        language = await self.services.prefs.language(user_id) or "en"
        if not await self.settle(state, language):
            raise RetryLater(SETTLE_RETRY, "platform unavailable")

    async def apply_labels(self, community: int, user_id: int, language: str, topics: list[str], *,
                           prune_help: bool = False) -> bool:
        """Newcomer, language and help-topic labels; the language label of another language goes, and with
        `prune_help` (the whole set of topics is known only when answers are stored) help labels no longer
        chosen. Refusals a person must fix are told to organizers and count as done; False when worth trying
        again."""
        choices = roles.LabelChoices(await self.config(community, "newcomer_role"),
                                     await self.config(community, "language_roles", {}),
                                     await self.config(community, "help_roles", {}))
        outcome = await self.chat.relabel(community, UserRef.of(user_id), add=roles.wanted(choices, language, topics),
                                          remove=roles.unwanted(choices, language, prune_help=prune_help))
        if outcome.refused:
            await self.report_refused_roles(community, outcome.refused, user_id)
        return not outcome.failed

    async def report_refused_roles(self, community: int, names: Sequence[str], user_id: int) -> None:
        """A plain-words note for organizers about roles the bot could not give (once a day per member)."""
        t = await self.services.guild_translator(community)
        parts = Parts()
        text = parts.text(t._(
            "I could not give the roles {roles} to {member}: Discord says I lack permission. My own role must be "
            "above these roles in Server Settings → Roles, and I need the Manage Roles permission. Their welcome "
            "finished anyway; please give the roles by hand or move my role up.",
            roles=t.join(list(names)), member=parts.mention(user_id)))
        day = int(self.services.clock.now().timestamp()) // 86400
        await self.chat.notify(community, places.ORGANIZERS, Message(text), key=f"onboarding:roles:{user_id}:{day}")

    async def tell_channel_problem(self, community: int, place: PlaceRef) -> None:
        """Tell organizers (at most once a day per channel) that the bot cannot post in a channel."""
        key = f"{CONFIG}notice.channel.{place.id}"
        now = self.services.clock.now()
        last = await self.services.guild_config.get(community, key)
        if last is not None and now.timestamp() - float(last) < NOTICE_EVERY.total_seconds():
            return
        t = await self.services.guild_translator(community)
        parts = Parts()
        text = parts.text(t._(
            "I cannot post in {channel}: Discord says the channel is gone or I lack permission there. Please check "
            "that I can see it and send messages in it, or choose another channel with {command}.",
            channel=parts.place(place), command=parts.command("welcome", "setup", shown_in=t.code)))
        day = int(now.timestamp()) // 86400
        if await self.chat.notify(community, places.ORGANIZERS, Message(text),
                                  key=f"onboarding:channel:{place.id}:{day}"):
            await self.services.guild_config.set(community, key, now.timestamp())

    # ----- volunteers' cards -------------------------------------------------------------------------
    @staticmethod
    def card_owed(state: MemberState) -> bool:
        """Whether a finished member should have a volunteer card that was not posted yet."""
        return bool(state.consent) and state.finished and state.card_message_id is None \
            and state.claimed_by is None and state.left_at is None

    async def post_card(self, state: MemberState, language: str) -> bool:
        """Post the card in the volunteers' place. False when the platform failed for a passing reason."""
        place = await self.chat.locate(state.guild_id, places.VOLUNTEERS)
        if place is None:
            return True
        t = await self.services.guild_translator(state.guild_id)
        stamp = int(state.finished_at.timestamp()) if state.finished_at else 0
        posted = await self.chat.publish(state.guild_id, place, steps.card_message(t, state, language),
                                         key=send_key(f"onboarding:u{state.user_id}:card:{state.guild_id}", stamp))
        if posted.outcome is Delivery.CLOSED:
            log.warning("could not post a volunteer card in guild %s", state.guild_id)
            await self.tell_channel_problem(state.guild_id, place)
            return True
        if posted.ref is None:
            log.warning("could not post a volunteer card in guild %s", state.guild_id)
            return False
        await self.service.set_card(state.guild_id, state.user_id,
                                    int(posted.ref.id) if posted.ref.id.isdigit() else posted.ref.id)  # type: ignore[arg-type]
        return True

    async def on_claim(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """A volunteer claims a card ("I'll say hello"); a second claim is refused politely."""
        community = turn.community
        if community is None:
            raise UserError(N_("This only works in the server, not in direct messages."))
        needs = (Capability.VOLUNTEER, Capability.ORGANIZER)
        if not turn.holds(*needs):
            raise NotAllowed(N_("Sorry, only {roles} can do this."), roles=[STAFF_NAMES[c] for c in needs])
        if len(action.args) != 1 or not action.args[0].isdigit():
            return
        newcomer_id, volunteer_id = int(action.args[0]), int(turn.user.id)
        t = (await self.translator(turn))
        result = await self.service.claim(community, newcomer_id, volunteer_id)
        gone = t._("This newcomer's welcome card is no longer available.")
        if not result.claimed:
            if result.claimed_by is None:
                if await self.service.get(community, newcomer_id) is None:
                    # The member deleted their data: the card must not keep showing it.
                    t_org = await self.services.guild_translator(community)
                    await turn.replace(Message.of(t_org._("This newcomer's welcome card is no longer available.")))
                await turn.answer(Message.of(gone))
            elif result.claimed_by == FORMER_VOLUNTEER:
                await turn.answer(Message.of(t._("Thank you! A volunteer has already said they will say hello.")))
            else:
                parts = Parts()
                await turn.answer(Message(parts.text(t._("Thank you! {volunteer} has already said they will say "
                                                         "hello.", volunteer=parts.mention(result.claimed_by)))))
            return
        state = await self.service.get(community, newcomer_id)
        language = await self.services.prefs.language(newcomer_id) or "en"
        t_org = await self.services.guild_translator(community)
        await turn.replace(Message(steps.card_text(t_org, state, language, volunteer_id)) if state else Message())
        parts = Parts()
        await turn.answer(Message(parts.text(t._("Thank you! Please say hello to {member}.",
                                                 member=parts.mention(newcomer_id)))))

    async def run_redraw_card(self, job: Job) -> None:
        """After a volunteer's deletion: the card she claimed no longer names her."""
        guild_id, user_id = int(job.payload["guild"]), int(job.payload["user"])
        state = await self.service.get(guild_id, user_id)
        if state is None or state.card_message_id is None:
            return  # the newcomer's own deletion blanks the card
        place = await self.chat.locate(guild_id, places.VOLUNTEERS)
        if place is None:
            return
        language = await self.services.prefs.language(user_id) or "en"
        t = await self.services.guild_translator(guild_id)
        outcome = await self.chat.edit(MessageRef(place, str(state.card_message_id)),
                                       Message(steps.card_text(t, state, language, state.claimed_by)))
        if outcome is Delivery.FAILED:
            raise RetryLater(GREET_RETRY, "platform unavailable")

    # ----- the reminder and the blanked card ---------------------------------------------------------
    async def run_remind(self, job: Job) -> None:
        """The one reminder. Only members who allowed direct messages before this moment are reminded (see
        `reminder_due`): a member who stops half-way is never written to without having allowed it. At most
        one attempt: closed direct messages are not retried."""
        guild_id, user_id = int(job.payload["guild"]), int(job.payload["user"])
        if not await self.service.reminder_due(guild_id, user_id):
            return
        t = await self.services.translator_for_user(user_id, guild_id)
        parts = Parts()
        text = parts.text(t._(
            "Hello! You started the welcome in Multinations Norsjö but did not finish. Whenever you are ready, "
            "use {command} in the server. No hurry, and this is the only reminder.",
            command=parts.command("welcome", "start", shown_in=t.code)))
        sent = await self.chat.direct(UserRef.of(user_id), Message(text), key=send_key(job.key, user_id),
                                      community=guild_id)
        if sent is not Delivery.SENT:
            log.info("reminder not delivered (%s) for a member of guild %s", sent.value, guild_id)

    async def run_blank_card(self, job: Job) -> bool:
        """After a deletion: the card no longer shows the member (nothing is left to claim). A card deleted
        meanwhile needs nothing; one the platform will not let the bot change is told to organizers with a
        link, to delete by hand. False when the platform did not answer (tried again later)."""
        guild_id, message_id = int(job.payload["guild"]), str(job.payload["message"])
        place = await self.chat.locate(guild_id, places.VOLUNTEERS)
        if place is None:
            return True
        card = MessageRef(place, message_id)
        t = await self.services.guild_translator(guild_id)
        outcome = await self.chat.edit(card, Message.of(t._("This newcomer's welcome card is no longer available.")))
        if outcome is Delivery.FAILED:
            return False
        if outcome is Delivery.CLOSED:
            parts = Parts()
            text = parts.text(t._(
                "I could not remove a welcome card after the member asked for their data to be deleted: Discord "
                "says I lack permission. Please delete it by hand: {link}", link=parts.jump(guild_id, card)))
            await self.chat.notify(guild_id, places.ORGANIZERS, Message(text), key=send_key(job.key, "organizers"))
        return True


def install(services: Services, chat: Conversation, **platform: Any) -> OnboardingFlows:
    """Build the welcome for a platform: its service (published as the onboarding capability, with its privacy
    sections) and its flows over `chat` (`platform`: the flows' keyword options). Then `await flows.start()`."""
    service = OnboardingService(services.db, services.clock, services.jobs, services.prefs, services.guild_config)
    services.privacy.register(service.privacy_section())
    services.privacy.register(service.hellos_section())
    services.capabilities[caps.ONBOARDING] = service
    return OnboardingFlows(service, services, chat, **platform)


def uninstall(services: Services) -> None:
    """Undo `install` (after `flows.stop()`)."""
    services.privacy.unregister("onboarding")
    services.privacy.unregister("onboarding_hellos")
    services.capabilities.pop(caps.ONBOARDING, None)


def _place(place: PlaceRef | None) -> PlaceLink | Plain:
    return PlaceLink(place) if place is not None else Plain("#start-here")
