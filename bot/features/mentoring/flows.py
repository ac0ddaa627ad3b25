"""Mentoring's conversations, written once for every platform (they speak only through the port).

What follows a committed decision on a match is a small state machine of follow-up steps, each a
function in `STEPS`: the invitations ("invite"), the pair's private space with its introduction
("pair"), the notes after a decline ("declined") or an end ("ended"), and a help request from a
check-in ("help"). The decision plans a `mentoring.followup` job in its own transaction (the
service does that); the path that made the decision then runs the step at once through the
outbox, which drops the row when it succeeded. After a crash the row runs the same step later.
Every send carries an idempotency key derived from the job key, so a re-run shows nothing twice.

Also here: the check-in questions (+7 days, +1 month, +3 months), the "no mentor yet" note, the
daily retention sweep, and the handlers of the controls members use (accept or decline an
invitation, answer a check-in, rate an ended match and add a comment).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bot.core import capabilities, places
from bot.core.conversation import (
    Action,
    Button,
    Conversation,
    Delivery,
    Exchange,
    Form,
    FormField,
    Message,
    MessageRef,
    Parts,
    PlaceRef,
    Style,
    Text,
    Unreachable,
    UserRef,
)
from bot.core.errors import UserError
from bot.core.flows import Answer, Routes
from bot.core.i18n import N_, Translator
from bot.core.jobs import Job, RetryLater
from bot.core.outbox import send_key
from bot.core.services import Services
from bot.features.mentoring import retention
from bot.features.mentoring.commands import MentoringCommands
from bot.features.mentoring.editor_flow import ProfileEditor
from bot.features.mentoring.explain import explain, profile_text
from bot.features.mentoring.model import MENTOR, NEWCOMER
from bot.features.mentoring.repository import Match
from bot.features.mentoring.service import (
    CHECKIN_KIND,
    CHECKIN_STAGES,
    FOLLOWUP_KIND,
    TELL_UNMATCHED_EVERY,
    UNMATCHED_KIND,
    MentoringService,
    followup_key,
)

log = logging.getLogger(__name__)

FEATURE = "mentoring"
#: A follow-up that could not reach the platform (a help request the coordinators' place refused, a pair space
#: that could not be looked for) is tried again this often (8 times, then logged as failed).
FOLLOWUP_RETRY = timedelta(minutes=30)
CHECKIN_ANSWERS = ("met", "not_yet", "help")
COMMENT_LIMIT = 500

STARTERS = (
    N_("What do you like to do on a free evening?"),
    N_("What was your first week in Norsjö like, or what do you remember of your own first weeks somewhere new?"),
    N_("Which Swedish word or habit surprised you most?"),
)
SAFETY = N_(
    "Safety: meet in public places first (the library, a café, a Multinations event). Never lend or "
    "send money, and do not share passwords, BankID or personal documents. You can end the match at "
    "any time with {command}, and a coordinator is in this thread if anything feels wrong."
)
STAGE_LABELS = {"7d": N_("one week"), "1m": N_("one month"), "3m": N_("three months")}

#: What a member is told through held notices (`services.notices.reach`): directly when they allowed direct
#: messages, else privately at their next turn with the bot. Payloads are ids and codes.
INVITATION_NOTICE = "mentoring.invitation"
DECLINED_NOTICE = "mentoring.declined"
UNMATCHED_NOTICE = "mentoring.unmatched"
CHECKIN_NOTICE = "mentoring.checkin"


def pair_space_name(match_id: int) -> str:
    """The name of a pair's private space (how a retry recognises the space an earlier attempt opened)."""
    return f"mentoring-{match_id}"


def _user(user_id: int) -> UserRef:
    return UserRef.of(user_id)


def rating_controls(match_id: int) -> tuple[Button, ...]:
    """1 to 5, to rate an ended match."""
    return tuple(Button(Action(FEATURE, "rate", (str(match_id), str(n))), str(n)) for n in range(1, 6))


class MentoringFlows:
    """Mentoring's follow-ups, jobs and control handlers over the conversation port."""

    def __init__(self, service: MentoringService, services: Services, chat: Conversation) -> None:
        self.service = service
        self.services = services
        self.chat = chat
        #: One follow-up of a match at a time (the decision's own path and a re-run job never overlap).
        self._locks: dict[int, asyncio.Lock] = {}
        self.commands = MentoringCommands(self)
        self.editor = ProfileEditor(self)
        self.STEPS: dict[str, Callable[..., Awaitable[bool]]] = {
            "invite": self._invite, "pair": self._pair, "declined": self._declined, "ended": self._ended,
            "help": self._help,
        }

    # ----- wiring ----------------------------------------------------------------------------------
    async def start(self) -> None:
        """Register the durable sends and the control handlers; plan the first retention sweep."""
        outbox, jobs = self.services.outbox, self.services.jobs
        # Rows an older version planned under readable keys get their opaque keys before anything runs.
        await self.service.upgrade_job_keys()
        # Follow-ups a crash interrupted run after a restart, even much later (nothing else would do them).
        outbox.register(FOLLOWUP_KIND, self.run_followup, grace=timedelta(days=30), retry=FOLLOWUP_RETRY)
        # A check-in a few days late (after downtime) is still worth sending.
        jobs.register(CHECKIN_KIND, self.run_checkin, grace=timedelta(days=14))
        # "No mentor yet" after downtime: still worth saying until the next telling would be due anyway.
        jobs.register(UNMATCHED_KIND, self.run_unmatched, grace=TELL_UNMATCHED_EVERY)
        # Daily retention: a sweep found late after downtime still runs (it only deletes old rows).
        jobs.register(retention.KIND, self.run_retention, grace=timedelta(days=3650))
        if await jobs.next_of_kind(retention.KIND) is None:
            await self._plan_retention(self.services.clock.now())
        routes: Routes = self.services.routes
        routes.add(FEATURE, "answer", self.on_answer)
        routes.add(FEATURE, "checkin", self.on_checkin)
        routes.add(FEATURE, "rate", self.on_rate, asks_form=True)
        routes.add(FEATURE, "comment", self.on_comment)
        self.editor.start()
        notices = self.services.notices
        notices.register(INVITATION_NOTICE, self._render_invitation)
        notices.register(DECLINED_NOTICE, self._render_declined)
        notices.register(UNMATCHED_NOTICE, self._render_unmatched)
        notices.register(CHECKIN_NOTICE, self._render_checkin)
        # Invitations an older version kept as prompts for the next mentoring command are held notices now.
        for guild_id, match_id, user_id in await self.service.take_unshown_prompts():
            key = send_key(followup_key(match_id, "invite"), user_id)
            await notices.hold(user_id, guild_id, INVITATION_NOTICE, key, {"match": match_id, "user": user_id})
        self.commands.declare()

    def stop(self) -> None:
        """Stop handling (rows stay planned for the next start)."""
        for kind in (FOLLOWUP_KIND, CHECKIN_KIND, UNMATCHED_KIND, retention.KIND):
            self.services.jobs.unregister(kind)
        self.services.routes.remove_feature(FEATURE)
        self.services.commands.remove_feature(FEATURE)

    async def _t(self, user_id: int, guild_id: int | None) -> Translator:
        return await self.services.translator_for_user(user_id, guild_id)

    async def tell_coordinators(self, guild_id: int, text: Text | str, key: str, about: tuple[int, ...] = ()) -> bool:
        """The coordinators' staff group; False when it could not be told.

        `about`: the members the text names; the message is recorded so that deleting one's data edits it."""
        ref = await self.chat.post(guild_id, places.COORDINATORS, Message.of(text), key=key)
        if ref is None:
            return False
        await self._record(guild_id, ref, about)
        return True

    async def _record(self, guild_id: int, ref: MessageRef, about: tuple[int, ...]) -> None:
        if about:
            await self.services.messages.record(guild_id, ref.place.stored, PlaceRef(ref.id).stored,  # type: ignore[arg-type]
                                                about)

    # ----- follow-ups: what must happen after a committed decision, exactly once ---------------------
    async def follow_up_now(self, match_id: int, step: str, *extra: Any) -> bool:
        """Run a follow-up in the decision's own path; its safety-net row is dropped when it succeeded."""
        return bool(await self.services.outbox.now(followup_key(match_id, step, *extra),
                                                   lambda: self.follow_up(match_id, step, *extra)))

    async def run_followup(self, job: Job) -> bool:
        """A follow-up a crash interrupted (its row was planned with the decision)."""
        payload = job.payload
        extra = [payload[k] for k in ("stage", "user") if k in payload]
        return await self.follow_up(int(payload["match"]), str(payload["step"]), *extra)

    async def follow_up(self, match_id: int, step: str, *extra: Any) -> bool:
        """One step of the state machine. False only when it should be tried again later (a help request
        the coordinators could not get, a pair space that could not be looked for)."""
        async with self._locks.setdefault(match_id, asyncio.Lock()):
            match = await self.service.get(match_id)
            run = self.STEPS.get(step)
            if match is None or run is None:
                return True
            return await run(match, *extra)

    async def _invite(self, match: Match) -> bool:
        """Each side's invitation directly when they allowed it, else held for their next turn with the bot
        (any command or press), where it is shown privately with its buttons.

        A side whose delivery is stored is skipped; the send's key covers a crash between sending it and
        storing that it was sent. When the platform did not answer, the invitation is held too: it must not
        be lost, and `/mentor status` lists it either way."""
        if match.state != "invited":
            return True
        key = followup_key(match.id, "invite")
        notices = self.services.notices
        for uid in (match.newcomer_id, match.mentor_id):
            stored = match.mentor_delivery if uid == match.mentor_id else match.newcomer_delivery
            if stored is not None:
                continue
            payload = {"match": match.id, "user": uid}
            outcome = await notices.reach(self.chat, uid, match.guild_id, INVITATION_NOTICE, send_key(key, uid),
                                          payload)
            if outcome is Delivery.FAILED:
                await notices.hold(uid, match.guild_id, INVITATION_NOTICE, send_key(key, uid), payload)
            await self.service.set_delivery(match.id, uid, "dm" if outcome is Delivery.SENT else "prompt")
        return True

    async def _render_invitation(self, payload: dict[str, Any], t: Translator) -> Message | None:
        """A held invitation, while it is still open for the member."""
        match = await self.service.get(int(payload["match"]))
        uid = int(payload["user"])
        if match is None or match.state != "invited" or match.side_of(uid) is None or match.answer_of(uid):
            return None
        return self.invitation(t, match, uid)

    def invitation(self, t: Translator, match: Match, user_id: int) -> Message:
        """"A coordinator suggests ...", with Accept / No, thank you."""
        parts = Parts()
        partner = parts.mention(match.partner_of(user_id))
        if match.side_of(user_id) == MENTOR:
            head = t._("A coordinator suggests you as a mentor for {name}.", name=partner)
        else:
            head = t._("A coordinator suggests {name} as your mentor.", name=partner)
        text = parts.text("\n".join([
            head,
            t._("Why: {reasons}.", reasons=explain(t, match.reasons)),
            t._("If you both accept, you will meet in a private thread with a coordinator. Nothing is shared "
                "before that."),
        ]))
        return Message.of(text, Button(Action(FEATURE, "answer", (str(match.id), "yes")), t._("Accept"), Style.SUCCESS),
                          Button(Action(FEATURE, "answer", (str(match.id), "no")), t._("No, thank you")))

    async def _pair(self, match: Match) -> bool:
        """The pair's private space with the coordinator, a bilingual introduction and safety guidelines.

        Resumable: before asking the platform for the space the request is recorded (`thread_requested`),
        and the space is stored as soon as it exists; a retry after a crash in between finds the space the
        earlier attempt opened and reuses it. Inviting is idempotent and the introduction carries a key
        per space. False when the retry could not look for the earlier space: tried again later."""
        if match.state != "active":
            return True
        key = followup_key(match.id, "pair")
        guild_id = match.guild_id
        name = pair_space_name(match.id)
        space: PlaceRef | None = None
        if match.thread_id is not None:
            space = PlaceRef.of(match.thread_id)
            await self.chat.reopen_private(space)  # a rerun: the platform may have closed it since
        else:
            if match.thread_requested_at is not None:
                # An earlier attempt asked for the space and may have died before storing it.
                try:
                    space = await self.chat.find_private(guild_id, places.PAIRS, name, since=match.thread_requested_at)
                except Unreachable:
                    log.warning("mentoring: could not look for the earlier space of match %s; tried again later",
                                match.id)
                    return False
            if space is None:
                await self.service.thread_requested(match.id)
                space = await self.chat.open_private(guild_id, places.PAIRS, name)
                if space is None:
                    return await self._introduce_by_hand(match, key)
            await self.service.set_thread(match.id, space.stored)  # type: ignore[arg-type]
        if not await self.chat.invite_private(space, [_user(match.mentor_id), _user(match.newcomer_id)]):
            return await self._introduce_by_hand(match, key)
        if match.approved_by and match.approved_by not in (match.mentor_id, match.newcomer_id):
            # The coordinator who approved the pair (who may have left since).
            await self.chat.invite_private(space, [_user(match.approved_by)])
        parts = Parts()
        newcomer, mentor = parts.mention(match.newcomer_id), parts.mention(match.mentor_id)
        texts = []
        for uid in (match.newcomer_id, match.mentor_id):
            t = await self._t(uid, guild_id)
            starters = "\n".join(f"• {t._(s)}" for s in STARTERS)
            texts.append("\n".join([
                t._("Welcome, {newcomer} and {mentor}! {newcomer} is new in Norsjö and {mentor} is a local "
                    "volunteer mentor.", newcomer=newcomer, mentor=mentor),
                t._("Why you were matched: {reasons}.", reasons=explain(t, match.reasons)),
                t._("Some questions to start with:"),
                starters,
                t._(SAFETY, command=parts.command("mentor", "end")),
            ]))
        intro = parts.text("\n\n— — —\n\n".join(dict.fromkeys(texts)))
        message = Message(intro, ping=(_user(match.mentor_id), _user(match.newcomer_id)))
        posted = await self.chat.post(guild_id, space, message, key=send_key(key, space.id))
        if posted is None:
            log.warning("mentoring: could not post the introduction of match %s", match.id)
            return True
        await self._record(guild_id, posted, (match.newcomer_id, match.mentor_id))
        return True

    async def _introduce_by_hand(self, match: Match, key: str) -> bool:
        tg = await self.services.guild_translator(match.guild_id)
        await self.tell_coordinators(match.guild_id, tg._(
            "I could not open a private thread for mentoring pair #{id}. Please introduce them by hand.",
            id=match.id), send_key(key, "coordinators"))
        return True

    async def _declined(self, match: Match) -> bool:
        key = followup_key(match.id, "declined")
        tg = await self.services.guild_translator(match.guild_id)
        await self.tell_coordinators(match.guild_id, tg._(
            "Mentoring pair #{id} was declined; both people are back in the pool.", id=match.id), send_key(key))
        decliner = match.mentor_id if match.mentor_answer == "declined" else match.newcomer_id
        other = match.partner_of(decliner)
        if match.answer_of(other) == "accepted":
            await self.services.notices.reach(self.chat, other, match.guild_id, DECLINED_NOTICE,
                                              send_key(key, other), {"match": match.id})
        return True

    async def _render_declined(self, payload: dict[str, Any], t: Translator) -> Message | None:
        """"It will not go ahead", while the match is still on record."""
        if await self.service.get(int(payload["match"])) is None:
            return None
        return Message.of(t._("The match a coordinator suggested will not go ahead this time. You stay in the pool, "
                              "and a coordinator will look for another match."))

    async def _ended(self, match: Match) -> bool:
        key = followup_key(match.id, "ended")
        tg = await self.services.guild_translator(match.guild_id)
        await self.tell_coordinators(match.guild_id, tg._("Mentoring match #{id} has ended.", id=match.id),
                                     send_key(key))
        if match.thread_id is None:
            return True
        texts = []
        for uid in dict.fromkeys((match.newcomer_id, match.mentor_id)):
            t = await self._t(uid, match.guild_id)
            texts.append(t._("This mentoring match has ended. Thank you both! You may rate it with the buttons "
                             "below (optional, only totals are reported)."))
        message = Message.of("\n\n".join(dict.fromkeys(texts)), *rating_controls(match.id))
        space = PlaceRef.of(match.thread_id)
        if await self.chat.post(match.guild_id, space, message, key=send_key(key, space.id)) is None:
            log.warning("mentoring: could not post the end note of match %s", match.id)
        return True

    async def _help(self, match: Match, stage: Any = None, user_id: Any = None) -> bool:
        if stage is None or user_id is None:
            return True
        tg = await self.services.guild_translator(match.guild_id)
        parts = Parts()
        text = parts.text(tg._(
            "{name} asked for help with mentoring match #{id} (check-in after {time}). Please contact them "
            "privately.", name=parts.mention(int(user_id)), id=match.id,
            time=tg._(STAGE_LABELS.get(str(stage), str(stage)))))
        return await self.tell_coordinators(match.guild_id, text,
                                            send_key(followup_key(match.id, "help", stage, user_id)),
                                            about=(int(user_id),))

    # ----- scheduled work --------------------------------------------------------------------------
    async def run_checkin(self, job: Job) -> None:
        """+7 days, +1 month, +3 months: ask each side "Have you met?" directly, else in the pair's space,
        else tell the coordinators. Every send's key comes from the job key and the member."""
        match = await self.service.checkin_target(int(job.payload["match"]))
        if match is None:
            return
        stage = str(job.payload["stage"])
        space = PlaceRef.of(match.thread_id) if match.thread_id else None
        for uid in (match.newcomer_id, match.mentor_id):
            t = await self._t(uid, match.guild_id)
            question, controls = self.checkin_question(t, match, stage)
            sent = await self.chat.direct(_user(uid), Message.of(question, *controls), key=send_key(job.key, uid),
                                          community=match.guild_id, only_if_allowed=True)
            if sent is Delivery.SENT:
                continue
            if space is not None:
                parts = Parts()
                text = parts.text(f"{parts.mention(uid)} {question}")
                posted = await self.chat.post(match.guild_id, space, Message(text, None, controls, (_user(uid),)),
                                              key=send_key(job.key + ":thread", uid))
                if posted is not None:
                    await self._record(match.guild_id, posted, (uid,))
                    continue
            # Held for the member's next turn as well, so the question reaches them in the end.
            await self.services.notices.hold(uid, match.guild_id, CHECKIN_NOTICE, send_key(job.key, uid),
                                             {"match": match.id, "stage": stage, "user": uid})
            tg = await self.services.guild_translator(match.guild_id)
            parts = Parts()
            await self.tell_coordinators(match.guild_id, parts.text(tg._(
                "I could not reach {name} for the check-in of mentoring pair #{id} (no DMs, and the pair's thread "
                "is gone). Please contact them.", name=parts.mention(uid), id=match.id)),
                send_key(job.key + ":unreached", uid), about=(uid,))

    def checkin_question(self, t: Translator, match: Match, stage: str) -> tuple[str, tuple[Button, ...]]:
        """"Have you met?" with its three answers."""
        question = t._("It has been {time} since your mentoring match started. Have you met?",
                       time=t._(STAGE_LABELS[stage]))
        return question, (
            Button(Action(FEATURE, "checkin", (str(match.id), stage, "met")), t._("Yes")),
            Button(Action(FEATURE, "checkin", (str(match.id), stage, "not_yet")), t._("Not yet")),
            Button(Action(FEATURE, "checkin", (str(match.id), stage, "help")), t._("I need help"), Style.DANGER),
        )

    async def _render_checkin(self, payload: dict[str, Any], t: Translator) -> Message | None:
        """A held check-in question, while the match is active and the member has not answered it."""
        match = await self.service.checkin_target(int(payload["match"]))
        stage, uid = str(payload["stage"]), int(payload["user"])
        if match is None or match.side_of(uid) is None or stage not in CHECKIN_STAGES:
            return None
        pending = await self.service.pending_checkins(match.guild_id, uid)
        if not any(m.id == match.id and s == stage for m, s in pending):
            return None
        question, controls = self.checkin_question(t, match, stage)
        return Message.of(question, *controls)

    async def run_unmatched(self, job: Job) -> None:
        """Tell a newcomer a round left unmatched that they stay on the list ("no mentor yet").

        Someone matched (or gone) in the meantime is not told; the key makes a re-run send nothing new."""
        guild_id, user_id = int(job.payload["guild"]), int(job.payload["user"])
        if not await self.service.still_unmatched(guild_id, user_id):
            return
        delivered = await self.services.notices.reach(self.chat, user_id, guild_id, UNMATCHED_NOTICE,
                                                      send_key(job.key, user_id), {"guild": guild_id, "user": user_id})
        if delivered is Delivery.FAILED:
            raise RetryLater(FOLLOWUP_RETRY, "platform unavailable")

    async def _render_unmatched(self, payload: dict[str, Any], t: Translator) -> Message | None:
        """"No mentor yet", while the newcomer still waits, with a few events meanwhile."""
        guild_id, user_id = int(payload["guild"]), int(payload["user"])
        if not await self.service.still_unmatched(guild_id, user_id):
            return None
        text = Text.plain(t._("We have not found a mentor for you yet. That is not about you: we are waiting for a "
                              "mentor who speaks your language and has time. You stay on the list."))
        events = await self.events_text(t, guild_id)
        if events:
            text = text + "\n\n" + events
        return Message(text)

    async def events_text(self, t: Translator, guild_id: int) -> Text:
        """"Meanwhile, you are welcome at these events:" with up to three upcoming events (empty if none)."""
        events = self.services.capabilities.get(capabilities.EVENTS)
        if events is None:
            return Text()
        try:
            items = await events.upcoming(guild_id, t.code, limit=3)
        except Exception:
            log.exception("mentoring: the events capability failed")
            return Text()
        if not items:
            return Text()
        parts = Parts()
        lines = [t._("Meanwhile, you are welcome at these events:")]
        lines += [f"• {parts.said(item.title)}" + (f" ({t.datetime(item.when, 'short')})" if item.when else "")
                  + f" {parts.command(*item.hint.path, **dict(item.hint.options))}" for item in items]
        return parts.text("\n".join(lines))

    async def run_retention(self, job: Job) -> None:
        """Delete old match rows and check-in answers, then plan tomorrow's sweep."""
        now = self.services.clock.now()
        removed = await retention.sweep(self.services.db, now, self.services.settings.mentoring_retention_days)
        log.info("mentoring retention removed %d old rows", removed)
        await self._plan_retention(now)

    async def _plan_retention(self, now: Any) -> None:
        due = retention.next_run(now)
        await self.services.jobs.schedule(retention.KIND, f"{retention.KIND}:{due.date().isoformat()}", due)

    # ----- what members use -----------------------------------------------------------------------
    async def status(self, turn: Exchange) -> Message:
        """The member's profiles and what waits for them: open invitations (with their buttons), their pair,
        unanswered check-ins, or that they are still waiting for a mentor."""
        guild_id = turn.community
        assert guild_id is not None
        t = self.services.translator(turn.language)
        uid = int(turn.user.id)
        profiles = await self.service.profiles_of(guild_id, uid)
        active = await self.service.my_matches(guild_id, uid, ("active",))
        invited = await self.service.my_matches(guild_id, uid, ("invited",))
        parts = Parts()
        texts: list[str] = []
        controls: list[Button] = []
        extra = Text()
        if not profiles and not active:
            texts.append(t._("You have no mentoring profile. Use {request} to ask for a mentor, or {volunteer} to "
                             "offer to be one.", request=parts.command("mentor", "request", shown_in=t.code),
                             volunteer=parts.command("mentor", "volunteer", shown_in=t.code)))
        texts += [profile_text(t, profile) for profile in profiles]
        for m in active:
            if m.side_of(uid) == MENTOR:
                texts.append(t._("You are the mentor of {name}.", name=parts.mention(m.newcomer_id)))
            else:
                texts.append(t._("Your mentor is {name}.", name=parts.mention(m.mentor_id)))
        for m in invited:
            if m.answer_of(uid) == "accepted":
                texts.append(t._("You accepted an invitation; we are waiting for the other person's answer."))
            elif m.answer_of(uid) is None:
                invitation = self.invitation(t, m, uid)
                extra = extra + "\n\n" + invitation.text
                controls += [c for c in invitation.controls if isinstance(c, Button)]
        for m, stage in await self.service.pending_checkins(guild_id, uid):
            question, buttons = self.checkin_question(t, m, stage)
            extra = extra + "\n\n" + question
            controls += buttons
        if any(p.role == NEWCOMER for p in profiles) and not any(m.newcomer_id == uid for m in (*active, *invited)):
            texts.append(t._("We have not found a mentor for you yet. Thank you for your patience: coordinators "
                             "match people regularly."))
            events = await self.events_text(t, guild_id)
            if events:
                extra = extra + "\n\n" + events
        return Message(parts.text("\n\n".join(texts)) + extra, controls=tuple(controls))

    async def end(self, turn: Exchange, match: Match, *, as_coordinator: bool) -> None:
        """End a match (by one of the pair, or a coordinator); the pair may rate it."""
        ended = await self.service.end(match.id, int(turn.user.id), as_coordinator=as_coordinator)
        t = self.services.translator(turn.language)
        if ended.side_of(int(turn.user.id)) is not None:
            await turn.answer(Message.of(t._(
                "The match has ended. Thank you for the time you gave each other. If you like, rate how it went from "
                "1 (poor) to 5 (very good); only totals are reported."), *rating_controls(ended.id)))
        else:
            await turn.answer(Message.of(t._("The match has ended and both people are back in the pool.")))
        await self.follow_up_now(ended.id, "ended")

    async def on_answer(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """Accept or decline an invitation (the service refuses anyone but the pair)."""
        match_id, choice = _args(action, 2)
        outcome = await self.service.answer(int(match_id), int(turn.user.id), choice == "yes")
        t = self.services.translator(turn.language)
        if outcome.state == "declined":
            text = t._("Thank you for letting us know. You stay in the pool, and this pair will not be suggested "
                       "again.")
        elif outcome.state == "waiting":
            text = t._("Thank you! We are waiting for the other person's answer.")
        else:
            text = t._("Thank you! You both accepted. I am opening a private thread for you with a coordinator.")
        # The invitation (a direct message or a private prompt) becomes the answer, without its buttons.
        await turn.replace(Message.of(text))
        if outcome.state == "declined":
            await self.follow_up_now(outcome.match.id, "declined")
        elif outcome.state == "active":
            await self.follow_up_now(outcome.match.id, "pair")

    async def on_checkin(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """Store the answer; help requests reach only the coordinators' staff group."""
        match_id, stage, reply = _args(action, 3)
        if stage not in CHECKIN_STAGES or reply not in CHECKIN_ANSWERS:
            raise UserError(N_("This button belongs to someone else."))
        match = await self.service.record_checkin(int(match_id), stage, int(turn.user.id), reply)
        t = self.services.translator(turn.language)
        if reply == "met":
            text = t._("Wonderful, thank you! Enjoy your time together.")
        elif reply == "not_yet":
            text = t._("No problem. Maybe suggest a time in your thread? If it does not work out, you can tell us.")
        else:
            text = t._("Thank you for telling us. A coordinator will contact you privately. Your match partner is "
                       "not told.")
        await turn.answer(Message.of(text))
        if reply == "help":
            await self.follow_up_now(match.id, "help", stage, int(turn.user.id))

    async def on_rate(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """Store the rating, then offer an optional comment."""
        match_id, rating = _args(action, 2)
        if rating not in {"1", "2", "3", "4", "5"}:
            raise UserError(N_("This button belongs to someone else."))
        await self.service.rate(int(match_id), int(turn.user.id), int(rating))
        t = self.services.translator(turn.language)
        await turn.ask(Form(Action(FEATURE, "comment", (match_id, rating)), t._("Thank you for your feedback"), (
            FormField("comment", t._("Anything you would like to add? (optional)"), long=True, required=False,
                      max_length=COMMENT_LIMIT),)))

    async def on_comment(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """Store the comment with the rating (reported only in aggregate)."""
        match_id, rating = _args(action, 2)
        await self.service.rate(int(match_id), int(turn.user.id), int(rating), answer.fields.get("comment"))
        t = self.services.translator(turn.language)
        await turn.answer(Message.of(t._("Thank you. Coordinators only see totals, never who wrote what.")))


def _args(action: Action, count: int) -> tuple[str, ...]:
    """The action's arguments, with a numeric first one (a replayed or altered id is refused kindly)."""
    if len(action.args) != count or not action.args[0].isdigit():
        raise UserError(N_("This button belongs to someone else."))
    return action.args
