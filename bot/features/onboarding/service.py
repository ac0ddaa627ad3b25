"""The onboarding service: joins, the resumable flow, volunteer claims and stats.

Everything here is stored in the database first, so a restart (or a press on an old message)
resumes exactly where the member stopped. Without consent only the language choice (kept by the
core's preferences) survives the end of the flow: the answers are used for roles and the checklist
and then erased.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.areas import DEFAULT_AREAS, areas_of
from bot.core.clock import Clock, from_db, to_db
from bot.core.conversation import READER, CommandRef
from bot.core.db import Database, Tx
from bot.core.errors import UserError
from bot.core.i18n import N_
from bot.core.jobs import JobQueue
from bot.core.languages import LANGUAGES
from bot.core.members import GuildConfig, MemberPrefs
from bot.core.privacy import PrivacySection
from bot.features.onboarding import greeting
from bot.features.onboarding import repository as repo
from bot.features.onboarding.model import (
    AREA,
    AREA_OTHER,
    CONSENT,
    DONE,
    LANGUAGE,
    MENTOR,
    TOPICS,
    MemberState,
    StepNotOpen,
    after_answer,
    clean_topics,
)

log = logging.getLogger(__name__)

#: Where a member continues their welcome.
WELCOME_START = CommandRef(("welcome", "start"), language=READER)

GREET_KIND = "onboarding.greet"
REMIND_KIND = "onboarding.remind"
#: After a finish: give the roles and post the volunteer card if the immediate attempt did not (a crash,
#: Discord down). The cog cancels it once the immediate attempt succeeded.
SETTLE_KIND = "onboarding.settle"
SETTLE_AFTER = timedelta(minutes=1)
#: A guild_config key only this service reads and writes (in the join transaction, so never cached).
JOINS_SEEN_KEY = "onboarding.joins_seen_until"
#: After `/privacy delete`: blank the member's volunteer card (it shows what they shared).
BLANK_CARD_KIND = "onboarding.blank_card"
#: After a volunteer's `/privacy delete`: redraw the cards she claimed, without her name.
REDRAW_CARD_KIND = "onboarding.redraw_card"
#: `claimed_by` of a card whose volunteer has since deleted their data: still greeted, by nobody named.
FORMER_VOLUNTEER = 0
#: A member who started but did not finish gets one gentle reminder this long after starting.
REMINDER_AFTER = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """The outcome of "I'll say hello"."""

    claimed: bool
    claimed_by: int | None


def remind_key(guild_id: int, user_id: int) -> str:
    """The reminder job's key (one per member and guild, ever: at most one reminder)."""
    return f"onboarding:u{user_id}:remind:{guild_id}"


def settle_key(guild_id: int, user_id: int) -> str:
    """The after-finish job's key (under the member's prefix, so deleting their data cancels it)."""
    return f"onboarding:u{user_id}:settle:{guild_id}"


def blank_card_key(guild_id: int, message_id: int) -> str:
    """The card-blanking job's key: names the message only (the member's data is gone by then)."""
    return f"onboarding:card:{guild_id}:{message_id}"


class OnboardingService:
    """Onboarding's domain logic and storage (no Discord here)."""

    def __init__(self, db: Database, clock: Clock, jobs: JobQueue, prefs: MemberPrefs,
                 guild_config: GuildConfig | None = None) -> None:
        self._db = db
        self._config = guild_config
        self._clock = clock
        self._jobs = jobs
        self._prefs = prefs
        # Only an optimisation during a raid: greeting windows already planned by this process.
        self._planned_windows: set[str] = set()
        # Joins waiting for the next group commit (each caller awaits its future).
        self._join_queue: list[tuple[int, int, bool, asyncio.Future[None]]] = []
        self._join_writer: asyncio.Task[None] | None = None

    # ----- reading --------------------------------------------------------------------------------
    async def get(self, guild_id: int, user_id: int) -> MemberState | None:
        """The member's record, or None."""
        async with self._db.read() as tx:
            row = await repo.get_row(tx, guild_id, user_id)
        return None if row is None else repo.to_state(row)

    # ----- joining ---------------------------------------------------------------------------------
    async def record_join(self, guild_id: int, user_id: int, *, pending: bool) -> None:
        """A member joined: record it in the database and plan the coalesced greeting (unless pending).

        Joins arriving together are written in one transaction (group commit): each caller returns only
        once its own join is committed, so nothing acknowledged is lost, and a raid of joins costs a
        few commits instead of one per member.
        """
        await self.record_joins(guild_id, [(user_id, pending)])

    async def record_joins(self, guild_id: int, joins: Sequence[tuple[int, bool]]) -> None:
        """Several joins (user id, pending) at once, as `record_join` each, in the same group commit.

        One waiter for all of them: a catch-up of thousands of joins after a restart costs a list
        entry each, not an asyncio task each (with its coroutine and future) at the peak of the start-up.
        """
        if not joins:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._join_queue.extend((guild_id, user_id, pending, future) for user_id, pending in joins)
        if self._join_writer is None or self._join_writer.done():
            self._join_writer = asyncio.create_task(self._write_joins(), name="onboarding-joins")
        await future

    async def _write_joins(self) -> None:
        while self._join_queue:
            batch, self._join_queue = self._join_queue, []
            try:
                await self._write_join_batch([(g, u, p) for g, u, p, _ in batch])
            except BaseException as exc:
                for *_, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for *_, future in batch:
                if not future.done():
                    future.set_result(None)

    async def _write_join_batch(self, batch: list[tuple[int, int, bool]]) -> None:
        now = self._clock.now()
        stamp = to_db(now)

        def write(conn: sqlite3.Connection) -> None:
            joined: dict[int, int] = {}
            for guild_id, user_id, pending in batch:
                row = conn.execute(
                    "SELECT started_at, reached FROM onboarding_members WHERE guild_id = ? AND user_id = ?",
                    (guild_id, user_id),
                ).fetchone()
                if row is None:
                    conn.execute(
                        "INSERT INTO onboarding_members(guild_id, user_id, joined_at, pending, reached) "
                        "VALUES (?, ?, ?, ?, 1)",
                        (guild_id, user_id, stamp, int(pending)),
                    )
                else:
                    conn.execute(
                        "UPDATE onboarding_members SET joined_at = ?, pending = ?, greeted_at = NULL, left_at = NULL, "
                        "rejoined = ?, reached = reached | 1 WHERE guild_id = ? AND user_id = ?",
                        (stamp, int(pending), int(row[0] is not None), guild_id, user_id),
                    )
                joined[guild_id] = joined.get(guild_id, 0) + 1
            conn.executemany(
                "INSERT INTO onboarding_funnel(guild_id, stage, count) VALUES (?, 'joined', ?) "
                "ON CONFLICT(guild_id, stage) DO UPDATE SET count = count + excluded.count",
                list(joined.items()),
            )

        planned: list[str] = []
        async with self._db.transaction() as tx:
            await tx.run_sync(write)
            # The newest join written, so that a restart catches up only joins after it (see `joins_seen_until`).
            await tx.executemany(
                "INSERT INTO guild_config(guild_id, key, value, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(guild_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                [(guild_id, JOINS_SEEN_KEY, json.dumps(stamp), stamp) for guild_id in sorted({g for g, *_ in batch})],
            )
            for guild_id in sorted({g for g, _u, pending in batch if not pending}):
                key = await self._plan_greeting(tx, guild_id, now)
                if key:
                    planned.append(key)
        self._planned_windows.update(planned)  # only once committed: a rolled-back plan is planned again
        if planned:
            await self._jobs.notify_changed()

    async def screening_passed(self, guild_id: int, user_id: int) -> MemberState | None:
        """A pending member accepted the rules: greet them now. None when they were not pending here.

        The returned state carries the answers needed for the roles (erased from storage here when the
        member did not consent).
        """
        now = self._clock.now()
        async with self._db.transaction() as tx:
            row = await repo.get_row(tx, guild_id, user_id)
            if row is None or not row["pending"]:
                return None
            state = repo.to_state(row)
            values: dict[str, Any] = {"pending": 0}
            if state.finished and not state.consent:
                # Kept only until the roles could be given; now erased as promised.
                values.update(help_topics=None, area=None, wants_mentor=None)
            await repo.update(tx, guild_id, user_id, **values)
            planned = await self._plan_greeting(tx, guild_id, now)
            state.pending = False
        if planned:
            self._planned_windows.add(planned)
            await self._jobs.notify_changed()
        return state

    async def plan_next_greeting(self, guild_id: int, now: datetime) -> None:
        """A flush left members waiting (it sent what the welcome channel takes at once): plan the next window's."""
        async with self._db.transaction() as tx:
            planned = await self._plan_greeting(tx, guild_id, now + greeting.GREETING_WINDOW)
        if planned:
            self._planned_windows.add(planned)
            await self._jobs.notify_changed()

    async def _plan_greeting(self, tx: Tx, guild_id: int, now: datetime) -> str | None:
        """Plan the flush of the current greeting window; the key when planned (None: already planned)."""
        due = greeting.window_end(now)
        key = f"onboarding:greet:{guild_id}:{int(due.timestamp())}"
        if key in self._planned_windows:
            return None
        await self._jobs.schedule(GREET_KIND, key, due, {"guild": guild_id}, tx=tx)
        return key

    async def joins_seen_until(self, guild_id: int) -> datetime | None:
        """When the newest recorded join happened (kept even when that member's data is deleted later).

        A restart catches up only joins after this instant, so a member who deleted their data is not
        recorded (and greeted) again.
        """
        raw = await self._db.fetchval("SELECT value FROM guild_config WHERE guild_id = ? AND key = ?",
                                      (guild_id, JOINS_SEEN_KEY))
        return None if raw is None else from_db(json.loads(raw))

    async def known(self, guild_id: int, user_ids: list[int]) -> set[int]:
        """Which of these members have a record here."""
        found: set[int] = set()
        for start in range(0, len(user_ids), 500):
            chunk = user_ids[start:start + 500]
            rows = await self._db.fetchall(
                "SELECT user_id FROM onboarding_members WHERE guild_id = ? AND user_id IN "
                f"({','.join('?' * len(chunk))})",
                (guild_id, *chunk),
            )
            found.update(row["user_id"] for row in rows)
        return found

    async def pending_members(self, guild_id: int) -> list[int]:
        """Members recorded as waiting in Rules Screening (still here)."""
        rows = await self._db.fetchall(
            "SELECT user_id FROM onboarding_members WHERE guild_id = ? AND pending = 1 AND left_at IS NULL",
            (guild_id,),
        )
        return [row["user_id"] for row in rows]

    async def ungreeted(self, guild_id: int) -> list[int]:
        """Members waiting for their greeting, oldest first."""
        async with self._db.read() as tx:
            return await repo.ungreeted(tx, guild_id, self._clock.now())

    async def mark_greeted(self, guild_id: int, user_ids: list[int]) -> None:
        """These members were greeted (or their greeting was skipped)."""
        async with self._db.transaction() as tx:
            await repo.mark_greeted(tx, guild_id, user_ids, self._clock.now())

    async def record_leave(self, guild_id: int, user_id: int) -> bool:
        """A member left: they leave the volunteers' queue and get no reminder.

        Their data is deleted `retention_days_after_leave` days later by the core's retention job
        (through this feature's privacy section), unless they come back before.
        """
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE onboarding_members SET left_at = ? WHERE guild_id = ? AND user_id = ?",
                (to_db(self._clock.now()), guild_id, user_id),
            )
            await self._jobs.cancel(remind_key(guild_id, user_id), tx=tx)
        return bool(changed)

    # ----- the flow ----------------------------------------------------------------------------------
    async def begin(self, guild_id: int, user_id: int) -> MemberState:
        """The member pressed Start or used /welcome: their record (created when missing), counted as started."""
        now = self._clock.now()
        schedule_reminder = False
        async with self._db.transaction() as tx:
            row = await repo.get_row(tx, guild_id, user_id)
            if row is None:
                # Joined before the bot was here: no greeting owed.
                await repo.insert(tx, guild_id, user_id, now, pending=False, greeted=True)
                row = await repo.get_row(tx, guild_id, user_id)
            assert row is not None
            if row["started_at"] is None:
                await repo.update(tx, guild_id, user_id, started_at=to_db(now))
                schedule_reminder = True
            await repo.reach(tx, guild_id, user_id, row["reached"], "started")
            if schedule_reminder:
                await self._jobs.schedule(REMIND_KIND, remind_key(guild_id, user_id), now + REMINDER_AFTER,
                                          {"guild": guild_id, "user": user_id}, tx=tx)
            state = repo.to_state(await repo.get_row(tx, guild_id, user_id))  # type: ignore[arg-type]
        if schedule_reminder:
            await self._jobs.notify_changed()
        return state

    async def _answer(self, guild_id: int, user_id: int, step: str, stages: tuple[str, ...],
                      values: Mapping[str, Any], tx_hook: Any = None) -> MemberState:
        async with self._db.transaction() as tx:
            row = await repo.get_row(tx, guild_id, user_id)
            if row is None:
                raise UserError(N_("Please start the welcome first: press Start or use {command}."),
                                command=WELCOME_START)
            state = repo.to_state(row)
            try:
                new_step = after_answer(step, state.step, state.finished)
            except StepNotOpen:
                raise UserError(N_("Please answer the earlier questions first: use {command} to continue."),
                                command=WELCOME_START) \
                    from None
            if tx_hook is not None:
                await tx_hook(tx)
            await repo.update(tx, guild_id, user_id, step=new_step, **values)
            await repo.reach(tx, guild_id, user_id, row["reached"], *stages)
            return repo.to_state(await repo.get_row(tx, guild_id, user_id))  # type: ignore[arg-type]

    async def choose_language(self, guild_id: int, user_id: int, language: str) -> MemberState:
        """Step 1: store the language (in the core's preferences); only a language the bot speaks."""
        if language not in LANGUAGES:
            raise UserError(N_("Please choose one of the languages in the list."))

        async def store(tx: Tx) -> None:
            await self._prefs.set_language(user_id, language, tx=tx)

        return await self._answer(guild_id, user_id, LANGUAGE, ("language",), {}, store)

    async def set_consent(self, guild_id: int, user_id: int, given: bool) -> MemberState:
        """Step 2: may the answers be stored?"""
        return await self._answer(guild_id, user_id, CONSENT, ("consented" if given else "declined",),
                                  {"consent": int(given)})

    async def set_topics(self, guild_id: int, user_id: int, topics: list[str]) -> MemberState:
        """Step 3: the coarse help topics (possibly none)."""
        cleaned = clean_topics(topics)
        return await self._answer(guild_id, user_id, TOPICS, ("topics",), {"help_topics": json.dumps(cleaned)})

    async def set_area(self, guild_id: int, user_id: int, area: str | None) -> MemberState:
        """Step 4 (optional): the part of the municipality, one of the guild's areas or "other"."""
        if area is not None and area != AREA_OTHER:
            known = await areas_of(self._config, guild_id) if self._config is not None else list(DEFAULT_AREAS)
            if area not in known:
                raise UserError(N_("Please choose one of the places in the list."))
        return await self._answer(guild_id, user_id, AREA, ("area",), {"area": area})

    async def set_mentor(self, guild_id: int, user_id: int, wants: bool) -> MemberState:
        """Step 5: would they like a mentor?"""
        return await self._answer(guild_id, user_id, MENTOR, ("mentor",), {"wants_mentor": int(wants)})

    async def finish(self, guild_id: int, user_id: int) -> tuple[MemberState, bool]:
        """The end: returns the answers (for roles and the checklist) and whether this is the first finish.

        Without consent the answers are erased right away; the returned state still carries them.
        """
        now = self._clock.now()
        async with self._db.transaction() as tx:
            row = await repo.get_row(tx, guild_id, user_id)
            if row is None or row["step"] != DONE:
                raise UserError(N_("Please answer the earlier questions first: use {command} to continue."),
                                command=WELCOME_START)
            state = repo.to_state(row)
            first = row["finished_at"] is None
            values: dict[str, Any] = {"rejoined": 0}
            if first:
                values["finished_at"] = to_db(now)
            if not state.consent and not row["pending"]:
                # Without consent the answers go now (a member still in Rules Screening keeps them only
                # until their roles can be given, see `screening_passed`).
                values.update(help_topics=None, area=None, wants_mentor=None)
            await repo.update(tx, guild_id, user_id, **values)
            await repo.reach(tx, guild_id, user_id, row["reached"], "finished")
            await self._jobs.cancel(remind_key(guild_id, user_id), tx=tx)
            # Committed with the finish: if the process dies before the roles and the card are done,
            # this job does them after the restart (`settled` cancels it when they were done at once).
            await self._jobs.schedule(SETTLE_KIND, settle_key(guild_id, user_id), now + SETTLE_AFTER,
                                      {"guild": guild_id, "user": user_id}, tx=tx)
        await self._jobs.notify_changed()
        if first:
            state.finished_at = now
        return state, first

    async def settled(self, guild_id: int, user_id: int) -> None:
        """The roles and the card of a finish were done right away: the after-finish job is not needed."""
        await self._jobs.cancel(settle_key(guild_id, user_id))

    async def edit(self, guild_id: int, user_id: int, step: str) -> MemberState:
        """Go back to one step to change it (only after finishing)."""
        async with self._db.transaction() as tx:
            row = await repo.get_row(tx, guild_id, user_id)
            if row is None or row["finished_at"] is None or step not in (LANGUAGE, CONSENT, TOPICS, AREA, MENTOR):
                raise UserError(N_("Please answer the earlier questions first: use {command} to continue."),
                                command=WELCOME_START)
            await repo.update(tx, guild_id, user_id, step=step)
            return repo.to_state(await repo.get_row(tx, guild_id, user_id))  # type: ignore[arg-type]

    async def continue_saved(self, guild_id: int, user_id: int) -> MemberState:
        """A returning member keeps their saved answers."""
        async with self._db.transaction() as tx:
            await repo.update(tx, guild_id, user_id, rejoined=0)
            row = await repo.get_row(tx, guild_id, user_id)
        if row is None:
            raise UserError(N_("Please start the welcome first: press Start or use {command}."),
                            command=WELCOME_START)
        return repo.to_state(row)

    async def start_over(self, guild_id: int, user_id: int) -> MemberState:
        """A returning member starts again: every answer is erased."""
        async with self._db.transaction() as tx:
            await repo.update(tx, guild_id, user_id, rejoined=0, step=LANGUAGE, consent=None, help_topics=None,
                              area=None, wants_mentor=None, finished_at=None, card_message_id=None,
                              claimed_by=None, claimed_at=None)
            row = await repo.get_row(tx, guild_id, user_id)
        if row is None:
            raise UserError(N_("Please start the welcome first: press Start or use {command}."),
                            command=WELCOME_START)
        return repo.to_state(row)

    async def reminder_due(self, guild_id: int, user_id: int) -> bool:
        """Whether the one reminder should go out: still here, not finished, and DMs allowed.

        Deliberately narrow: the reminder is a DM, and the bot only DMs people who said it may (the
        core's `dm_allowed`). Onboarding itself asks for that only at the end ("Send me this as a direct
        message"), so a member who stops half-way is reminded only if they allowed DMs earlier, e.g.
        through another feature. Nobody who never opted in is ever DMed, even with open DMs.
        """
        state = await self.get(guild_id, user_id)
        if state is None or state.finished or state.left_at is not None:
            return False
        return await self._prefs.dm_allowed(user_id)

    # ----- volunteers ---------------------------------------------------------------------------------
    async def set_card(self, guild_id: int, user_id: int, message_id: int) -> None:
        """Remember the volunteer card's message."""
        async with self._db.transaction() as tx:
            await repo.update(tx, guild_id, user_id, card_message_id=message_id)

    async def claim(self, guild_id: int, user_id: int, volunteer_id: int) -> ClaimResult:
        """A volunteer says they will say hello; only the first claim wins.

        `claimed` is also True for a second press by the same volunteer (their first answer may have been
        lost in a crash or a Discord error), so the card is updated and they are thanked again.
        """
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE onboarding_members SET claimed_by = ?, claimed_at = ? "
                "WHERE guild_id = ? AND user_id = ? AND claimed_by IS NULL AND consent = 1",
                (volunteer_id, to_db(self._clock.now()), guild_id, user_id),
            )
            holder = await tx.fetchval("SELECT claimed_by FROM onboarding_members WHERE guild_id = ? AND user_id = ?",
                                       (guild_id, user_id))
        return ClaimResult(bool(changed) or (holder is not None and holder == volunteer_id), holder)

    async def queue(self, guild_id: int, limit: int = 25) -> list[MemberState]:
        """Finished newcomers (with consent) still here whom no volunteer has claimed."""
        async with self._db.read() as tx:
            rows = await tx.fetchall(
                f"SELECT {repo.COLUMNS} FROM onboarding_members WHERE guild_id = ? AND consent = 1 "
                "AND finished_at IS NOT NULL AND claimed_by IS NULL AND left_at IS NULL "
                "ORDER BY finished_at LIMIT ?",
                (guild_id, limit),
            )
        return [repo.to_state(row) for row in rows]

    # ----- stats -------------------------------------------------------------------------------------
    async def stats(self, guild_id: int) -> dict[str, int]:
        """The funnel: how many members reached each stage (aggregates only)."""
        async with self._db.read() as tx:
            return await repo.funnel(tx, guild_id)

    # ----- privacy -----------------------------------------------------------------------------------
    def hellos_section(self) -> PrivacySection:
        """What a volunteer leaves behind: the newcomers she said she would greet.

        Deleting keeps the fact that the newcomer was greeted (so the card does not come back to the
        queue) but no longer names her, and redraws those cards through the job queue.
        """

        async def export(tx: Tx, user_id: int) -> list[dict[str, Any]] | None:
            rows = await tx.fetchall(
                "SELECT guild_id, user_id, claimed_at FROM onboarding_members WHERE claimed_by = ? "
                "ORDER BY claimed_at", (user_id,))
            return [{"guild_id": str(r["guild_id"]), "newcomer_id": str(r["user_id"]), "said_hello_at": r["claimed_at"]}
                    for r in rows] or None

        async def delete(tx: Tx, user_id: int) -> None:
            if user_id == FORMER_VOLUNTEER:
                return
            cards = await tx.fetchall(
                "SELECT guild_id, user_id, card_message_id FROM onboarding_members WHERE claimed_by = ?", (user_id,))
            await tx.execute("UPDATE onboarding_members SET claimed_by = ? WHERE claimed_by = ?",
                             (FORMER_VOLUNTEER, user_id))
            for card in cards:
                if card["card_message_id"] is None:
                    continue
                # The job is about the newcomer's card (deleted with the newcomer), never about her.
                await self._jobs.schedule(
                    REDRAW_CARD_KIND, f"onboarding:u{card['user_id']}:redraw:{card['card_message_id']}",
                    self._clock.now(), {"guild": card["guild_id"], "user": card["user_id"]}, tx=tx)

        async def after_delete(user_id: int) -> None:
            await self._jobs.notify_changed()

        return PrivacySection(
            key="onboarding_hellos",
            title=N_("Hellos you offered"),
            description=N_("As a volunteer: which newcomers you said you would greet, and when."),
            export=export,
            delete=delete,
            after_delete=after_delete,
        )

    def privacy_section(self) -> PrivacySection:
        """What onboarding stores about a member, for /privacy."""

        async def export(tx: Tx, user_id: int) -> list[dict[str, Any]] | None:
            rows = await tx.fetchall(f"SELECT {repo.COLUMNS} FROM onboarding_members WHERE user_id = ?", (user_id,))
            out = []
            for row in rows:
                out.append({
                    "guild_id": str(row["guild_id"]),
                    "step": row["step"],
                    "consent": None if row["consent"] is None else bool(row["consent"]),
                    "help_topics": json.loads(row["help_topics"]) if row["help_topics"] else [],
                    "area": row["area"],
                    "wants_mentor": None if row["wants_mentor"] is None else bool(row["wants_mentor"]),
                    "joined_at": row["joined_at"],
                    "started_at": row["started_at"],
                    "finished_at": row["finished_at"],
                    "left_at": row["left_at"],
                    "volunteer_said_hello": row["claimed_by"] is not None,
                })
            return out or None

        async def delete(tx: Tx, user_id: int) -> None:
            cards = await tx.fetchall(
                "SELECT guild_id, card_message_id FROM onboarding_members WHERE user_id = ? "
                "AND card_message_id IS NOT NULL", (user_id,))
            await tx.execute("DELETE FROM onboarding_members WHERE user_id = ?", (user_id,))
            await self._jobs.cancel(f"onboarding:u{user_id}:", prefix=True, tx=tx)
            # The volunteer card still shows what the member shared. Discord cannot be called inside this
            # transaction, so blanking it is a job committed together with the deletion (it survives a
            # crash); the job names only the message.
            for card in cards:
                await self._jobs.schedule(
                    BLANK_CARD_KIND, blank_card_key(card["guild_id"], card["card_message_id"]), self._clock.now(),
                    {"guild": card["guild_id"], "message": card["card_message_id"]}, tx=tx)

        async def after_delete(user_id: int) -> None:
            # Committed now: the scheduler may look at the planned blank-card jobs and cancelled rows.
            await self._jobs.notify_changed()

        return PrivacySection(
            key="onboarding",
            title=N_("Welcome"),
            description=N_("Where you are in the welcome steps and, if you agreed, your answers: help topics, "
                           "area and whether you would like a mentor."),
            export=export,
            delete=delete,
            after_delete=after_delete,
        )
