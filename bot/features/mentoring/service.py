"""The mentoring service: profiles, rounds, coordinator decisions, invitations, check-ins and ending.

Plain Python over the database (no Discord). The cog renders what this returns and delivers
messages; everything that must survive a restart (proposals, answers, check-in plans) is stored
here, and check-ins, follow-ups and "no mentor yet" notes are durable jobs (`mentoring.checkin`,
`mentoring.followup`, `mentoring.unmatched`) planned in the transaction of the decision they follow.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.areas import areas_of
from bot.core.clock import Clock, from_db, to_db
from bot.core.conversation import CommandRef
from bot.core.db import Database, Tx
from bot.core.errors import Msg, UserError
from bot.core.i18n import N_, Items
from bot.core.jobs import JobQueue, opaque_key
from bot.core.members import GuildConfig
from bot.core.privacy import PrivacySection
from bot.core.text import clean_text
from bot.features.mentoring import repository as repo
from bot.features.mentoring.assignment import RoundResult, run_round
from bot.features.mentoring.model import (
    AVAILABILITY,
    INTERESTS,
    MAX_CAPACITY,
    MENTOR,
    NEWCOMER,
    SPOKEN_LANGUAGES,
    TOPICS,
    Profile,
    parse_codes,
    parse_languages,
)
from bot.features.mentoring.repository import OPEN_STATES, Match
from bot.features.mentoring.scoring import Rules

log = logging.getLogger(__name__)

CHECKIN_KIND = "mentoring.checkin"
#: What must follow a committed decision (invitations sent, the pair's thread, coordinators told). Planned in
#: the same transaction as the decision, so a crash right after it cannot lose the follow-up; the cog does
#: the work at once and cancels the row, and a restarted bot runs what a crash interrupted.
FOLLOWUP_KIND = "mentoring.followup"
FOLLOWUP_DELAY = timedelta(minutes=2)
CHECKIN_STAGES: dict[str, timedelta] = {"7d": timedelta(days=7), "1m": timedelta(days=30), "3m": timedelta(days=90)}
CHECKIN_ANSWERS = ("met", "not_yet", "help")
#: An unmatched newcomer is told at most this often.
TELL_UNMATCHED_EVERY = timedelta(days=14)
#: "No mentor yet" to a newcomer a round left unmatched: planned in the approval's transaction (with
#: `told_unmatched_at`), sent by the job queue, which claims the row first; the DM's nonce comes from the key.
UNMATCHED_KIND = "mentoring.unmatched"
COMMENT_LIMIT = 500


@dataclass(slots=True)
class RoundView:
    """The current proposals of a guild, numbered, and who stays unmatched and why."""

    round_id: int
    proposals: list[Match] = field(default_factory=list)
    unmatched: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AnswerOutcome:
    """What an answer to an invitation led to: 'waiting' (for the other side), 'active' or 'declined'."""

    state: str
    match: Match


class MentoringService:
    """Everything mentoring does, independent of Discord. Also the published `MentoringCapability`."""

    def __init__(self, db: Database, clock: Clock, jobs: JobQueue, guild_config: GuildConfig,
                 zone: ZoneInfo | None = None) -> None:
        self._db = db
        self._clock = clock
        self._jobs = jobs
        self._config = guild_config
        self._zone = zone or ZoneInfo("Europe/Stockholm")

    def today(self) -> date:
        """Today's date in the configured zone."""
        return self._clock.now().astimezone(self._zone).date()

    # ----- profiles -------------------------------------------------------------------------------
    async def profile_from_answers(self, guild_id: int, user_id: int, role: str, *, languages: str, help_: str,
                                   interests: str | None, area: str | None, availability: str | None,
                                   capacity: int, adult: bool) -> Profile:
        """A profile from a member's typed answers (already cleaned), checked: adults only, an area from the
        guild's list (matched without case), codes from the vocabularies. Nothing is stored."""
        if not adult:
            raise UserError(N_("Mentoring is for adults (18 or older). Please ask a volunteer in the server if "
                               "you would like other help."))
        if area is not None:
            known = {a.casefold(): a for a in await areas_of(self._config, guild_id)}
            if area.strip().casefold() not in known:
                raise UserError(N_("Please choose your part of the municipality from the list: {choices}."),
                                choices=Items(known.values(), "or"))
            area = known[area.strip().casefold()]
        existing = [p for p in await self.profiles_of(guild_id, user_id) if p.role == role]
        return Profile(
            user_id, role, parse_languages(languages),
            help=parse_codes(help_, TOPICS, Msg(N_("help topics"))),
            interests=parse_codes(interests, INTERESTS, Msg(N_("interests"))),
            area=area, availability=parse_codes(availability, AVAILABILITY, Msg(N_("availability"))),
            capacity=capacity, paused_until=existing[0].paused_until if existing else None,
        )

    async def save_profile(self, guild_id: int, profile: Profile, *, source: str = "command") -> bool:
        """Create or change a profile after checking it. True when created."""
        _check_profile(profile)
        async with self._db.transaction() as tx:
            return await repo.upsert_profile(tx, guild_id, profile, source, self._clock.now())

    async def request_from_onboarding(
        self, guild_id: int, user_id: int, languages: list[str], help_topics: list[str], area: str | None
    ) -> bool:
        """A newcomer asked for a mentor during onboarding: create or refresh their request."""
        async with self._db.transaction() as tx:
            existing = await repo.get_profile(tx, guild_id, user_id, NEWCOMER)
            langs = {c: (existing.languages.get(c, 2) if existing else 2) for c in languages if c in SPOKEN_LANGUAGES}
            if not langs:
                return False
            topics = tuple(dict.fromkeys(c for c in help_topics if c in TOPICS))
            profile = Profile(
                user_id, NEWCOMER, langs, help=topics,
                interests=existing.interests if existing else (),
                area=area or (existing.area if existing else None),
                availability=existing.availability if existing else (),
            )
            return await repo.upsert_profile(tx, guild_id, profile, "onboarding", self._clock.now())

    async def profiles_of(self, guild_id: int, user_id: int) -> list[Profile]:
        """The member's profiles (mentor and/or newcomer)."""
        async with self._db.read() as tx:
            found = [await repo.get_profile(tx, guild_id, user_id, role) for role in (MENTOR, NEWCOMER)]
        return [p for p in found if p is not None]

    async def withdraw(self, guild_id: int, user_id: int, role: str | None = None) -> list[str]:
        """Remove the member's profile(s) from the pool; their open proposals go too. Returns the roles removed.

        Active matches continue (end them with `end`); pending invitations are declined.
        """
        roles = [role] if role else [MENTOR, NEWCOMER]
        removed: list[str] = []
        now = self._clock.now()
        async with self._db.transaction() as tx:
            for r in roles:
                changed = await tx.execute(
                    "DELETE FROM mentoring_profiles WHERE guild_id = ? AND user_id = ? AND role = ?",
                    (guild_id, user_id, r),
                )
                if changed:
                    removed.append(r)
                    column = "mentor_id" if r == MENTOR else "newcomer_id"
                    await tx.execute(
                        f"DELETE FROM mentoring_matches WHERE guild_id = ? AND {column} = ? AND state = 'proposed'",
                        (guild_id, user_id),
                    )
                    await tx.execute(
                        f"UPDATE mentoring_matches SET state = 'declined', ended_at = ?, ended_by = 'decline' "
                        f"WHERE guild_id = ? AND {column} = ? AND state = 'invited'",
                        (to_db(now), guild_id, user_id),
                    )
        if not removed:
            raise UserError(N_("You have no mentoring profile to withdraw."))
        return removed

    async def pause(self, guild_id: int, user_id: int, until: date | None) -> Profile:
        """Pause a mentor until (and including) a date, or resume with None."""
        if until is not None and until < self.today():
            raise UserError(N_("That date has already passed. Please choose a date in the future."))
        async with self._db.transaction() as tx:
            profile = await repo.get_profile(tx, guild_id, user_id, MENTOR)
            if profile is None:
                raise UserError(N_("You are not a mentor yet. Use {command} first."),
                                command=CommandRef(("mentor", "volunteer")))
            await tx.execute(
                "UPDATE mentoring_profiles SET paused_until = ?, updated_at = ? WHERE guild_id = ? AND user_id = ? "
                "AND role = 'mentor'",
                (until.isoformat() if until else None, to_db(self._clock.now()), guild_id, user_id),
            )
        return replace(profile, paused_until=until)

    # ----- rounds -----------------------------------------------------------------------------------
    async def rules(self, guild_id: int, tx: Tx | None = None) -> Rules:
        """The guild's hard rules and weights as of now."""
        weights = await self._config.get(guild_id, "mentoring.weights", None)
        pairs = await self._config.get(guild_id, "mentoring.intelligible_pairs", None)
        if tx is None:
            async with self._db.read() as rtx:
                excluded = await repo.exclusions(rtx, guild_id)
        else:
            excluded = await repo.exclusions(tx, guild_id)
        return Rules(weights=weights, intelligible_pairs=pairs, excluded=excluded, today=self.today())

    async def _pool(self, tx: Tx, guild_id: int, *, skip_proposed: bool) -> tuple[list[Profile], list[Profile],
                                                                                    dict[int, int]]:
        departed = {r["user_id"] for r in await tx.fetchall(
            "SELECT user_id FROM mentoring_profiles WHERE guild_id = ? AND left_at IS NOT NULL", (guild_id,))}
        mentors = [p for p in await repo.profiles(tx, guild_id, MENTOR) if p.user_id not in departed]
        newcomers = [p for p in await repo.profiles(tx, guild_id, NEWCOMER) if p.user_id not in departed]
        states = (*OPEN_STATES, "proposed") if skip_proposed else OPEN_STATES
        taken = await repo.matches(tx, guild_id, states)
        busy = {m.newcomer_id for m in taken}
        load: dict[int, int] = {}
        for m in taken:
            load[m.mentor_id] = load.get(m.mentor_id, 0) + 1
        remaining = {p.user_id: max(0, p.capacity - load.get(p.user_id, 0)) for p in mentors}
        return [n for n in newcomers if n.user_id not in busy], mentors, remaining

    async def member_left(self, guild_id: int, user_id: int) -> None:
        """A member left the server: their profiles stay (until they are forgotten) but are not proposed."""
        await self._db.execute(
            "UPDATE mentoring_profiles SET left_at = ? WHERE guild_id = ? AND user_id = ? AND left_at IS NULL",
            (to_db(self._clock.now()), guild_id, user_id))

    async def member_returned(self, guild_id: int, user_id: int) -> None:
        """A member came back in time: their profiles are in the pool again."""
        await self._db.execute(
            "UPDATE mentoring_profiles SET left_at = NULL WHERE guild_id = ? AND user_id = ? AND left_at IS NOT NULL",
            (guild_id, user_id))

    async def preview(self, guild_id: int, coordinator_id: int) -> RoundView:
        """Run a round over the current pool and store its proposals (replacing unapproved ones)."""
        rules = await self.rules(guild_id)
        async with self._db.read() as tx:
            newcomers, mentors, remaining = await self._pool(tx, guild_id, skip_proposed=False)
        result: RoundResult = await run_round(newcomers, mentors, rules, remaining)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM mentoring_matches WHERE guild_id = ? AND state = 'proposed'", (guild_id,))
            round_id = await tx.execute(
                "INSERT INTO mentoring_rounds(guild_id, created_by, created_at, unmatched) VALUES (?, ?, ?, ?)",
                (guild_id, coordinator_id, to_db(now), json.dumps({str(k): v for k, v in result.unmatched.items()})),
            )
            for position, pair in enumerate(result.pairs, start=1):
                await _insert_proposal(tx, guild_id, round_id, position, pair.mentor_id, pair.newcomer_id,
                                       pair.score, [r.as_json() for r in pair.reasons], manual=False, now=now)
            await repo.bump(tx, guild_id, "rounds")
        log.info("mentoring round %s: %d pairs, %d unmatched", round_id, len(result.pairs), len(result.unmatched))
        view = await self.current_round(guild_id)
        assert view is not None
        return view

    async def current_round(self, guild_id: int) -> RoundView | None:
        """The latest round's open proposals, or None before the first round."""
        async with self._db.read() as tx:
            row = await tx.fetchone(
                "SELECT id, unmatched FROM mentoring_rounds WHERE guild_id = ? ORDER BY id DESC LIMIT 1", (guild_id,)
            )
            if row is None:
                return None
            proposals = await repo.matches(tx, guild_id, ("proposed",))
        unmatched = {int(k): v for k, v in json.loads(row["unmatched"]).items()}
        proposed = {p.newcomer_id for p in proposals}
        return RoundView(row["id"], proposals, {k: v for k, v in unmatched.items() if k not in proposed})

    async def _proposals_at(self, tx: Tx, guild_id: int, positions: list[int] | None) -> list[Match]:
        proposals = await repo.matches(tx, guild_id, ("proposed",))
        if positions is None:
            return proposals
        by_position = {p.position: p for p in proposals}
        missing = [n for n in positions if n not in by_position]
        if missing:
            raise UserError(N_("There is no proposed pair number {numbers}. Run {command} to see the list."),
                            numbers=Items(missing), command=CommandRef(("match", "preview")))
        return [by_position[n] for n in positions]

    async def approve(self, guild_id: int, coordinator_id: int, positions: list[int] | None) -> tuple[list[Match],
                                                                                                  list[int]]:
        """Approve proposals (all when `positions` is None): they become invitations.

        Proposals that no longer hold (someone withdrew, a place filled) are dropped. Returns the
        invited matches and the newcomers of this round who stay unmatched and are told: their
        "no mentor yet" message is a `mentoring.unmatched` job planned in the same transaction.
        """
        now = self._clock.now()
        invited: list[Match] = []
        async with self._db.transaction() as tx:
            chosen = await self._proposals_at(tx, guild_id, positions)
            if not chosen:
                raise UserError(N_("There are no proposed pairs to approve. Run {command} first."),
                                command=CommandRef(("match", "preview")))
            rules = await self.rules(guild_id, tx)
            open_matches = await repo.matches(tx, guild_id, OPEN_STATES)
            busy = {m.newcomer_id for m in open_matches}
            load: dict[int, int] = {}
            for m in open_matches:
                load[m.mentor_id] = load.get(m.mentor_id, 0) + 1
            for proposal in chosen:
                if await self._still_valid(tx, guild_id, proposal, rules, busy, load):
                    busy.add(proposal.newcomer_id)
                    load[proposal.mentor_id] = load.get(proposal.mentor_id, 0) + 1
                    await tx.execute(
                        "UPDATE mentoring_matches SET state = 'invited', approved_by = ?, invited_at = ? WHERE id = ?",
                        (coordinator_id, to_db(now), proposal.id),
                    )
                    found = await repo.get_match(tx, proposal.id)
                    assert found is not None
                    invited.append(found)
                    await self._plan_followup(tx, proposal.id, "invite", now)
                else:
                    await tx.execute("DELETE FROM mentoring_matches WHERE id = ?", (proposal.id,))
            await repo.bump(tx, guild_id, "approved", len(invited))
            tell = await self._unmatched_to_tell(tx, guild_id, now)
        if invited or tell:
            await self._jobs.notify_changed()
        return invited, tell

    async def _plan_followup(self, tx: Tx, match_id: int, step: str, now: datetime, **extra: Any) -> None:
        key = followup_key(match_id, step, *extra.values())
        await self._jobs.schedule(FOLLOWUP_KIND, key, now + FOLLOWUP_DELAY, {"match": match_id, "step": step, **extra},
                                  tx=tx)

    async def upgrade_job_keys(self) -> int:
        """At start: rows planned with readable keys (older versions) get their opaque keys."""
        return (await self._jobs.rekey(FOLLOWUP_KIND, upgraded_key)
                + await self._jobs.rekey(UNMATCHED_KIND, upgraded_key))

    async def followup_done(self, match_id: int, step: str, *extra: Any) -> None:
        """The follow-up ran in the command's own path: its safety-net row is not needed."""
        await self._jobs.cancel(followup_key(match_id, step, *extra))

    async def _unmatched_to_tell(self, tx: Tx, guild_id: int, now: datetime) -> list[int]:
        row = await tx.fetchone(
            "SELECT unmatched FROM mentoring_rounds WHERE guild_id = ? ORDER BY id DESC LIMIT 1", (guild_id,)
        )
        if row is None:
            return []
        out: list[int] = []
        for key in json.loads(row["unmatched"]):
            user_id = int(key)
            told = await tx.fetchval(
                "SELECT told_unmatched_at FROM mentoring_profiles WHERE guild_id = ? AND user_id = ? AND role = ?",
                (guild_id, user_id, NEWCOMER),
            )
            if not await self._waits(tx, guild_id, user_id) or (told and now - from_db(told) < TELL_UNMATCHED_EVERY):
                continue
            await tx.execute(
                "UPDATE mentoring_profiles SET told_unmatched_at = ? WHERE guild_id = ? AND user_id = ? AND role = ?",
                (to_db(now), guild_id, user_id, NEWCOMER),
            )
            await self._jobs.schedule(UNMATCHED_KIND, unmatched_key(guild_id, user_id, now), now,
                                      {"guild": guild_id, "user": user_id}, tx=tx)
            out.append(user_id)
        return out

    async def still_unmatched(self, guild_id: int, user_id: int) -> bool:
        """Whether a newcomer still waits for a mentor (asked, and in no proposed, invited or active pair)."""
        async with self._db.read() as tx:
            return await self._waits(tx, guild_id, user_id)

    @staticmethod
    async def _waits(tx: Tx, guild_id: int, user_id: int) -> bool:
        asked = await tx.fetchval(
            "SELECT 1 FROM mentoring_profiles WHERE guild_id = ? AND user_id = ? AND role = ?",
            (guild_id, user_id, NEWCOMER),
        )
        busy = await tx.fetchval(
            "SELECT 1 FROM mentoring_matches WHERE guild_id = ? AND newcomer_id = ? "
            "AND state IN ('proposed', 'invited', 'active')", (guild_id, user_id),
        )
        return bool(asked) and not busy

    async def _still_valid(self, tx: Tx, guild_id: int, proposal: Match, rules: Rules, busy: set[int],
                           load: dict[int, int]) -> bool:
        """Whether an approved proposal still keeps every hard rule (profiles may have changed)."""
        if proposal.newcomer_id in busy:
            return False
        mentor = await repo.get_profile(tx, guild_id, proposal.mentor_id, MENTOR)
        newcomer = await repo.get_profile(tx, guild_id, proposal.newcomer_id, NEWCOMER)
        if mentor is None or newcomer is None or rules.fit(mentor, newcomer) is None:
            return False
        return load.get(mentor.user_id, 0) < mentor.capacity

    async def reject(self, guild_id: int, positions: list[int] | None) -> int:
        """Drop proposals (all when None); the people stay in the pool. Returns how many."""
        async with self._db.transaction() as tx:
            chosen = await self._proposals_at(tx, guild_id, positions)
            for proposal in chosen:
                await tx.execute("DELETE FROM mentoring_matches WHERE id = ?", (proposal.id,))
        return len(chosen)

    async def set_pair(self, guild_id: int, mentor_id: int, newcomer_id: int) -> Match:
        """Propose a pair by hand (replacing the newcomer's proposal); the hard rules still apply."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            mentor = await repo.get_profile(tx, guild_id, mentor_id, MENTOR)
            newcomer = await repo.get_profile(tx, guild_id, newcomer_id, NEWCOMER)
            if mentor is None:
                raise UserError(N_("That member has no mentor profile."))
            if newcomer is None:
                raise UserError(N_("That member has not asked for a mentor."))
            rules = await self.rules(guild_id, tx)
            fit = rules.fit(mentor, newcomer)
            if fit is None:
                raise UserError(N_("This pair breaks a matching rule ({rule})."),
                                rule=Msg(BLOCKER_LABELS[rules.blocker(mentor, newcomer) or "excluded"]))
            open_matches = await repo.matches(tx, guild_id, (*OPEN_STATES, "proposed"))
            if any(m.newcomer_id == newcomer_id and m.state in OPEN_STATES for m in open_matches):
                raise UserError(N_("This newcomer already has a mentor or an open invitation."))
            replaced = [m for m in open_matches if m.newcomer_id == newcomer_id and m.state == "proposed"]
            load = sum(1 for m in open_matches if m.mentor_id == mentor_id and m.id not in {r.id for r in replaced})
            if load >= mentor.capacity:
                raise UserError(N_("This mentor has no free place. Reject or swap one of their pairs first."))
            position = replaced[0].position if replaced else None
            for m in replaced:
                await tx.execute("DELETE FROM mentoring_matches WHERE id = ?", (m.id,))
            round_id = await tx.fetchval(
                "SELECT id FROM mentoring_rounds WHERE guild_id = ? ORDER BY id DESC LIMIT 1", (guild_id,)
            )
            if round_id is None:
                round_id = await tx.execute(
                    "INSERT INTO mentoring_rounds(guild_id, created_by, created_at) VALUES (?, 0, ?)",
                    (guild_id, to_db(now)),
                )
            if position is None:
                position = 1 + int(await tx.fetchval(
                    "SELECT COALESCE(MAX(position), 0) FROM mentoring_matches "
                    "WHERE guild_id = ? AND state = 'proposed'",
                    (guild_id,),
                ))
            match_id = await _insert_proposal(tx, guild_id, round_id, position, mentor_id, newcomer_id, fit.score,
                                              [r.as_json() for r in fit.reasons], manual=True, now=now)
            found = await repo.get_match(tx, match_id)
        assert found is not None
        return found

    async def swap(self, guild_id: int, first: int, second: int) -> tuple[Match, Match]:
        """Exchange the mentors of two proposals, if both new pairs keep the hard rules."""
        async with self._db.transaction() as tx:
            a, b = await self._proposals_at(tx, guild_id, [first, second])
            if a.mentor_id == b.mentor_id:
                raise UserError(N_("These two pairs already have the same mentor."))
            rules = await self.rules(guild_id, tx)
            results = []
            for proposal, mentor_id in ((a, b.mentor_id), (b, a.mentor_id)):
                mentor = await repo.get_profile(tx, guild_id, mentor_id, MENTOR)
                newcomer = await repo.get_profile(tx, guild_id, proposal.newcomer_id, NEWCOMER)
                fit = rules.fit(mentor, newcomer) if mentor and newcomer else None
                if fit is None or mentor is None or newcomer is None:
                    blocker = rules.blocker(mentor, newcomer) if mentor and newcomer else "excluded"
                    raise UserError(N_("This pair breaks a matching rule ({rule})."),
                                    rule=Msg(BLOCKER_LABELS[blocker or "excluded"]))
                results.append((proposal.id, mentor_id, fit))
            for match_id, mentor_id, fit in results:
                await tx.execute(
                    "UPDATE mentoring_matches SET mentor_id = ?, score = ?, reasons = ?, manual = 1 WHERE id = ?",
                    (mentor_id, fit.score, json.dumps([r.as_json() for r in fit.reasons]), match_id),
                )
            new_a, new_b = await repo.get_match(tx, a.id), await repo.get_match(tx, b.id)
        assert new_a is not None and new_b is not None
        return new_a, new_b

    async def set_excluded(self, guild_id: int, mentor_id: int, newcomer_id: int, excluded: bool) -> None:
        """Put a pair on (or take it off) the coordinators' private do-not-match list."""
        async with self._db.transaction() as tx:
            if excluded:
                await repo.exclude(tx, guild_id, mentor_id, newcomer_id, "coordinator", self._clock.now())
                await tx.execute(
                    "DELETE FROM mentoring_matches WHERE guild_id = ? AND mentor_id = ? AND newcomer_id = ? "
                    "AND state = 'proposed'", (guild_id, mentor_id, newcomer_id),
                )
            else:
                await tx.execute(
                    "DELETE FROM mentoring_exclusions WHERE guild_id = ? AND mentor_id = ? AND newcomer_id = ? "
                    "AND reason = 'coordinator'", (guild_id, mentor_id, newcomer_id),
                )

    # ----- invitations ------------------------------------------------------------------------------
    async def get(self, match_id: int) -> Match | None:
        """One match."""
        async with self._db.read() as tx:
            return await repo.get_match(tx, match_id)

    async def set_delivery(self, match_id: int, user_id: int, how: str) -> None:
        """Record how a party's invitation reached them ('dm' or 'prompt')."""
        match = await self.get(match_id)
        if match is None:
            return
        column = "mentor_delivery" if match.side_of(user_id) == "mentor" else "newcomer_delivery"
        await self._db.execute(f"UPDATE mentoring_matches SET {column} = ? WHERE id = ?", (how, match_id))

    async def waiting_invitations(self, guild_id: int, user_id: int) -> list[Match]:
        """Invitations the member has not answered that did not reach them by DM and were not shown yet.

        A read first, so that the commands and buttons that look for waiting invitations cost no write
        when there are none (the usual case).
        """
        async with self._db.read() as rtx:
            candidates = await rtx.fetchval(
                "SELECT COUNT(*) FROM mentoring_matches WHERE guild_id = ? AND state = 'invited' AND "
                "((mentor_id = ? AND mentor_answer IS NULL AND mentor_prompted = 0 "
                "AND COALESCE(mentor_delivery, '') != 'dm') OR "
                "(newcomer_id = ? AND newcomer_answer IS NULL AND newcomer_prompted = 0 "
                "AND COALESCE(newcomer_delivery, '') != 'dm'))",
                (guild_id, user_id, user_id),
            )
        if not candidates:
            return []
        async with self._db.transaction() as tx:
            found = await repo.matches(tx, guild_id, ("invited",), user_id)
            out = []
            for m in found:
                side = m.side_of(user_id)
                if m.answer_of(user_id) is not None:
                    continue
                delivery = m.mentor_delivery if side == "mentor" else m.newcomer_delivery
                if delivery == "dm":
                    continue
                prompted = await tx.fetchval(f"SELECT {side}_prompted FROM mentoring_matches WHERE id = ?", (m.id,))
                if prompted:
                    continue
                await tx.execute(f"UPDATE mentoring_matches SET {side}_prompted = 1 WHERE id = ?", (m.id,))
                out.append(m)
        return out

    async def answer(self, match_id: int, user_id: int, accept: bool) -> AnswerOutcome:
        """A party accepts or declines. Both accept: the match is active and check-ins are planned."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            match = await repo.get_match(tx, match_id)
            if match is None or match.side_of(user_id) is None:
                log.info("mentoring: refused an invitation answer by user %s on match %s (not a party)", user_id,
                         match_id)
                raise UserError(N_("This invitation is not for you."))
            if match.state != "invited":
                raise UserError(N_("This invitation is no longer open."))
            side = match.side_of(user_id)
            if match.answer_of(user_id) is not None:
                raise UserError(N_("You have already answered this invitation."))
            await tx.execute(
                f"UPDATE mentoring_matches SET {side}_answer = ? WHERE id = ?",
                ("accepted" if accept else "declined", match_id),
            )
            if not accept:
                await tx.execute(
                    "UPDATE mentoring_matches SET state = 'declined', ended_at = ?, ended_by = 'decline' WHERE id = ?",
                    (to_db(now), match_id),
                )
                await repo.exclude(tx, match.guild_id, match.mentor_id, match.newcomer_id, "declined", now)
                await repo.bump(tx, match.guild_id, "declined")
                await self._plan_followup(tx, match_id, "declined", now)
                state = "declined"
            else:
                other = match.newcomer_answer if side == "mentor" else match.mentor_answer
                state = "waiting"
                if other == "accepted":
                    state = "active"
                    await tx.execute(
                        "UPDATE mentoring_matches SET state = 'active', started_at = ? WHERE id = ?",
                        (to_db(now), match_id),
                    )
                    for stage, delay in CHECKIN_STAGES.items():
                        await self._jobs.schedule(CHECKIN_KIND, checkin_key(match_id, stage), now + delay,
                                                  {"match": match_id, "stage": stage}, tx=tx)
                    await repo.bump(tx, match.guild_id, "matched")
                    await self._plan_followup(tx, match_id, "pair", now)
                    requested = await tx.fetchval(
                        "SELECT created_at FROM mentoring_profiles WHERE guild_id = ? AND user_id = ? AND role = ?",
                        (match.guild_id, match.newcomer_id, NEWCOMER),
                    )
                    if requested:
                        await repo.bump(tx, match.guild_id, "wait_hours_sum",
                                        int((now - from_db(requested)).total_seconds() // 3600))
                        await repo.bump(tx, match.guild_id, "wait_count")
            updated = await repo.get_match(tx, match_id)
        if state in ("active", "declined"):
            await self._jobs.notify_changed()
        assert updated is not None
        return AnswerOutcome(state, updated)

    async def thread_requested(self, match_id: int) -> None:
        """Record, before asking Discord for the pair's thread, that it is being opened.

        Should the process die after Discord created the thread but before `set_thread`, the retry
        sees this mark and looks for that thread instead of opening a second one.
        """
        await self._db.execute("UPDATE mentoring_matches SET thread_requested_at = ? WHERE id = ?",
                               (to_db(self._clock.now()), match_id))

    async def set_thread(self, match_id: int, thread_id: int) -> None:
        """Remember the pair's private thread."""
        await self._db.execute("UPDATE mentoring_matches SET thread_id = ? WHERE id = ?", (thread_id, match_id))

    # ----- check-ins, ending, feedback --------------------------------------------------------------
    async def checkin_target(self, match_id: int) -> Match | None:
        """The match a check-in job is for, when it is still active."""
        match = await self.get(match_id)
        return match if match is not None and match.state == "active" else None

    async def record_checkin(self, match_id: int, stage: str, user_id: int, answer: str) -> Match:
        """Store a party's check-in answer (changing it is allowed); aggregates follow.

        "I need help" also plans telling the coordinators (durably, in the same transaction).
        """
        if stage not in CHECKIN_STAGES or answer not in CHECKIN_ANSWERS:
            raise UserError(N_("This button is not valid any more."))
        now = self._clock.now()
        async with self._db.transaction() as tx:
            match = await repo.get_match(tx, match_id)
            if match is None or match.side_of(user_id) is None:
                log.info("mentoring: refused a check-in answer by user %s on match %s (not a party)", user_id,
                         match_id)
                raise UserError(N_("This check-in is not for you."))
            previous = await tx.fetchval(
                "SELECT answer FROM mentoring_checkins WHERE match_id = ? AND stage = ? AND user_id = ?",
                (match_id, stage, user_id),
            )
            await tx.execute(
                "INSERT INTO mentoring_checkins(match_id, stage, user_id, answer, answered_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(match_id, stage, user_id) DO UPDATE SET answer = excluded.answer, "
                "answered_at = excluded.answered_at",
                (match_id, stage, user_id, answer, to_db(now)),
            )
            if previous != answer:
                if previous:
                    await repo.bump(tx, match.guild_id, f"checkin_{previous}", -1)
                await repo.bump(tx, match.guild_id, f"checkin_{answer}")
            if answer == "help":
                await self._plan_followup(tx, match_id, "help", now, stage=stage, user=user_id)
        if answer == "help":
            await self._jobs.notify_changed()
        return match

    async def my_matches(self, guild_id: int, user_id: int, states: tuple[str, ...] = ("active",)) -> list[Match]:
        """The member's matches in some states."""
        async with self._db.read() as tx:
            return await repo.matches(tx, guild_id, states, user_id)

    async def end(self, match_id: int, user_id: int, *, as_coordinator: bool = False) -> Match:
        """End an active match (a party or a coordinator). The pair is never proposed again."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            match = await repo.get_match(tx, match_id)
            side = match.side_of(user_id) if match else None
            if match is None or (side is None and not as_coordinator):
                raise UserError(N_("This match is not yours to end."))
            if match.state != "active":
                raise UserError(N_("This match has already ended."))
            by = side if side is not None else "coordinator"
            await tx.execute(
                "UPDATE mentoring_matches SET state = 'ended', ended_at = ?, ended_by = ? WHERE id = ?",
                (to_db(now), by, match_id),
            )
            await repo.exclude(tx, match.guild_id, match.mentor_id, match.newcomer_id, "ended", now)
            await repo.bump(tx, match.guild_id, "ended")
            await self._jobs.cancel(f"mentoring:checkin:{match_id}:", prefix=True, tx=tx)
            await self._plan_followup(tx, match_id, "ended", now)
            ended = await repo.get_match(tx, match_id)
        await self._jobs.notify_changed()
        assert ended is not None
        return ended

    async def rate(self, match_id: int, user_id: int, rating: int, comment: str | None = None) -> None:
        """Optional 1-5 feedback on an ended match (reported only in aggregate)."""
        if not 1 <= rating <= 5:
            raise UserError(N_("Please choose a rating from 1 to 5."))
        comment = clean_text(comment, limit=COMMENT_LIMIT, field=N_("your comment"), multiline=True,
                             required=False) or None
        async with self._db.transaction() as tx:
            match = await repo.get_match(tx, match_id)
            if match is None or match.side_of(user_id) is None:
                log.info("mentoring: refused feedback by user %s on match %s (not a party)", user_id, match_id)
                raise UserError(N_("This feedback form is not for you."))
            if match.state != "ended":
                raise UserError(N_("Feedback can be given once the match has ended."))
            previous = await tx.fetchone(
                "SELECT rating, comment FROM mentoring_feedback WHERE match_id = ? AND user_id = ?", (match_id, user_id)
            )
            if previous is not None and comment is None:
                comment = previous["comment"]
            await tx.execute(
                "INSERT INTO mentoring_feedback(match_id, user_id, rating, comment, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(match_id, user_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment",
                (match_id, user_id, rating, comment, to_db(self._clock.now())),
            )
            await repo.bump(tx, match.guild_id, "rating_sum", rating - (previous["rating"] if previous else 0))
            if previous is None:
                await repo.bump(tx, match.guild_id, "rating_count")
            if comment and not (previous and previous["comment"]):
                await repo.bump(tx, match.guild_id, "comments")

    # ----- stats ---------------------------------------------------------------------------------------
    async def stats(self, guild_id: int) -> dict[str, Any]:
        """Pool sizes, matches, waiting times, check-in answers and ratings, in aggregate only."""
        today = self.today()
        now = self._clock.now()
        async with self._db.read() as tx:
            mentors = await repo.profiles(tx, guild_id, MENTOR)
            newcomers, _, remaining = await self._pool(tx, guild_id, skip_proposed=False)
            counts = {
                state: int(await tx.fetchval(
                    "SELECT COUNT(*) FROM mentoring_matches WHERE guild_id = ? AND state = ?", (guild_id, state)
                ))
                for state in ("proposed", "invited", "active")
            }
            agg = await repo.aggregates(tx, guild_id)
        waiting_hours = [(now - n.created_at).total_seconds() / 3600 for n in newcomers if n.created_at]
        paused_ids = {m.user_id for m in mentors if m.paused_on(today)}
        paused = len(paused_ids)
        return {
            "mentors": len(mentors),
            "mentors_paused": paused,
            "free_places": sum(v for m, v in remaining.items() if m not in paused_ids),
            "newcomers_waiting": len(newcomers),
            "waiting_days_avg": (sum(waiting_hours) / len(waiting_hours) / 24) if waiting_hours else None,
            "proposed": counts["proposed"],
            "invited": counts["invited"],
            "active": counts["active"],
            "matched_total": agg.get("matched", 0),
            "ended_total": agg.get("ended", 0),
            "declined_total": agg.get("declined", 0),
            "wait_to_match_days_avg": (
                agg["wait_hours_sum"] / agg["wait_count"] / 24 if agg.get("wait_count") else None
            ),
            "checkins": {a: agg.get(f"checkin_{a}", 0) for a in CHECKIN_ANSWERS},
            "rating_avg": (agg["rating_sum"] / agg["rating_count"]) if agg.get("rating_count") else None,
            "rating_count": agg.get("rating_count", 0),
        }

    # ----- privacy ---------------------------------------------------------------------------------------
    def privacy_section(self) -> PrivacySection:
        """Profiles, matches, check-in answers and feedback; aggregate counters stay."""

        async def export(tx: Tx, user_id: int) -> dict[str, Any] | None:
            profiles = await tx.fetchall(
                "SELECT guild_id, role, languages, help, interests, area, availability, capacity, paused_until, "
                "source, created_at, updated_at, left_at FROM mentoring_profiles WHERE user_id = ?", (user_id,)
            )
            matches = await tx.fetchall(
                "SELECT id, guild_id, mentor_id, newcomer_id, state, mentor_answer, newcomer_answer, created_at, "
                "started_at, ended_at, ended_by FROM mentoring_matches WHERE mentor_id = ? OR newcomer_id = ?",
                (user_id, user_id),
            )
            checkins = await tx.fetchall(
                "SELECT match_id, stage, answer, answered_at FROM mentoring_checkins WHERE user_id = ?", (user_id,)
            )
            feedback = await tx.fetchall(
                "SELECT match_id, rating, comment, created_at FROM mentoring_feedback WHERE user_id = ?", (user_id,)
            )
            if not (profiles or matches or checkins or feedback):
                return None
            return {
                "profiles": [
                    {**dict(p), "languages": json.loads(p["languages"]), "help": json.loads(p["help"]),
                     "interests": json.loads(p["interests"]), "availability": json.loads(p["availability"])}
                    for p in profiles
                ],
                "matches": [
                    {"id": m["id"], "guild_id": m["guild_id"],
                     "your_role": "mentor" if m["mentor_id"] == user_id else "newcomer",
                     "partner_id": str(m["newcomer_id"] if m["mentor_id"] == user_id else m["mentor_id"]),
                     "state": m["state"],
                     "your_answer": m["mentor_answer"] if m["mentor_id"] == user_id else m["newcomer_answer"],
                     "created_at": m["created_at"], "started_at": m["started_at"], "ended_at": m["ended_at"],
                     "ended_by": m["ended_by"]}
                    for m in matches
                ],
                "check_ins": [dict(c) for c in checkins],
                "feedback": [dict(f) for f in feedback],
            }

        async def delete(tx: Tx, user_id: int) -> None:
            await tx.execute("DELETE FROM mentoring_feedback WHERE user_id = ?", (user_id,))
            await tx.execute("DELETE FROM mentoring_checkins WHERE user_id = ?", (user_id,))
            ids = [r[0] for r in await tx.fetchall(
                "SELECT id FROM mentoring_matches WHERE mentor_id = ? OR newcomer_id = ?", (user_id, user_id))]
            for match_id in ids:
                await tx.execute(
                    "UPDATE scheduled_jobs SET state = 'cancelled' WHERE state = 'pending' AND key >= ? AND key < ?",
                    (f"mentoring:checkin:{match_id}:", f"mentoring:checkin:{match_id}:\uffff"),
                )
            await tx.execute(
                "UPDATE scheduled_jobs SET state = 'cancelled' WHERE state = 'pending' AND kind = ? "
                "AND json_extract(payload, '$.user') = ?",
                (UNMATCHED_KIND, user_id),
            )
            await tx.execute("DELETE FROM mentoring_matches WHERE mentor_id = ? OR newcomer_id = ?", (user_id, user_id))
            await tx.execute("DELETE FROM mentoring_exclusions WHERE mentor_id = ? OR newcomer_id = ?",
                             (user_id, user_id))
            await tx.execute("DELETE FROM mentoring_profiles WHERE user_id = ?", (user_id,))

        return PrivacySection(
            key="mentoring",
            title=N_("Mentoring"),
            description=N_("Your mentor or newcomer profile, your matches, check-in answers and feedback. "
                           "Only anonymous totals are kept after deletion."),
            export=export,
            delete=delete,
        )


#: Why a hard rule forbids a pair, for coordinators.
BLOCKER_LABELS: dict[str, str] = {
    "language": N_("no shared language"),
    "paused": N_("the mentor is paused"),
    "excluded": N_("declined or ended before, or on the do-not-match list"),
    "self": N_("the same person"),
}


def followup_key(match_id: int, step: str, *extra: Any) -> str:
    """The durable job key of a follow-up ("invite", "pair", "declined", "ended", "help" + stage, user).

    Opaque: the key is a digest of the intent, so no row spells out that someone asked for help.
    """
    return opaque_key("mentoring:followup", _legacy_followup_key(match_id, step, *extra))


def _legacy_followup_key(match_id: int, step: str, *extra: Any) -> str:
    # The readable form used before keys were opaque (and the intent the digest is taken of).
    return ":".join(["mentoring", "followup", str(match_id), step, *(str(e) for e in extra)])


def unmatched_key(guild_id: int, user_id: int, told_at: datetime) -> str:
    """The durable job key of one "no mentor yet" message (one per telling), opaque like `followup_key`."""
    return opaque_key("mentoring:unmatched", f"mentoring:unmatched:{guild_id}:{user_id}:{to_db(told_at)}")


def upgraded_key(key: str) -> str | None:
    """The opaque form of a job key written before keys were opaque (None when it already is)."""
    for namespace in ("mentoring:followup", "mentoring:unmatched"):
        if key.startswith(namespace + ":") and not key.startswith(namespace + ":#"):
            return opaque_key(namespace, key)
    return None


def checkin_key(match_id: int, stage: str) -> str:
    """The durable job key of a check-in."""
    return f"mentoring:checkin:{match_id}:{stage}"


def _check_profile(profile: Profile) -> None:
    if not profile.languages:
        raise UserError(N_("Please list at least one language you speak, like sv:3 en:2."))
    if profile.role == MENTOR and not 1 <= profile.capacity <= MAX_CAPACITY:
        raise UserError(N_("A mentor can take between 1 and {max} newcomers."), max=MAX_CAPACITY)


async def _insert_proposal(tx: Tx, guild_id: int, round_id: int, position: int, mentor_id: int, newcomer_id: int,
                           score: int, reasons: list[Any], *, manual: bool, now: datetime) -> int:
    return await tx.execute(
        "INSERT INTO mentoring_matches(guild_id, round_id, position, mentor_id, newcomer_id, state, score, reasons, "
        "manual, created_at) VALUES (?, ?, ?, ?, ?, 'proposed', ?, ?, ?, ?)",
        (guild_id, round_id, position, mentor_id, newcomer_id, score, json.dumps(reasons), int(manual), to_db(now)),
    )
