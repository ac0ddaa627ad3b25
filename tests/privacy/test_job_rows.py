"""Scheduled job rows and privacy: rows about a member go with the member, finished rows are pruned,
and keys never spell out what a member did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.clock import FixedClock
from bot.core.db import Database
from bot.core.jobs import Job, JobQueue
from bot.core.privacy import PrivacyRegistry
from bot.features.mentoring.service import FOLLOWUP_KIND, followup_key, upgraded_key
from bot.simulator import Simulator
from tests.cogs.test_mentoring import setup_pool

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def everything_about(sim: Simulator, user_id: int) -> list[str]:
    """Job rows whose key, payload or subject names the member."""
    rows = await sim.running_bot.services.db.fetchall("SELECT key, payload, subject FROM scheduled_jobs")
    return [r["key"] for r in rows if str(user_id) in r["key"] or str(user_id) in r["payload"]
            or r["subject"] == user_id]


async def test_pressing_i_need_help_leaves_no_readable_key_and_delete_removes_every_row(sim: Simulator) -> None:
    await setup_pool(sim)
    await sim.grant("Cora", "coordinator")
    await sim.slash("Cora", "/match preview")
    step = await sim.slash("Cora", "/match approve pairs:all")
    dms = step.of("dm")
    await sim.press("Bertil", dms[0].buttons()[0]["custom_id"], message=sim.discord.messages[dms[0].message_id])
    prompt = (await sim.slash("Amal", "/mentor status")).last("followup")
    await sim.press("Amal", "Accept", message=sim.discord.messages[prompt.message_id])
    step = await sim.advance(timedelta(days=7, hours=1))
    [checkin] = [a for a in step.of("message") if a.to.startswith("thread:") and "Amal" in a.mentions]
    await sim.press("Amal", "I need help", message=sim.discord.messages[checkin.message_id])
    amal = sim.member("Amal").id
    keys = [r["key"] for r in await sim.running_bot.services.db.fetchall("SELECT key FROM scheduled_jobs")]
    assert not [k for k in keys if "help" in k], keys
    assert await everything_about(sim, amal)  # the follow-up is planned (and names Amal in its payload)

    step = await sim.slash("Amal", "/privacy delete")
    await sim.press("Amal", step.last().buttons()[0]["custom_id"])
    assert await everything_about(sim, amal) == []


async def test_a_departed_member_forgotten_after_30_days_leaves_no_job_rows(sim: Simulator) -> None:
    await sim.join("Amal")
    amal = sim.member("Amal").id
    await sim.leave("Amal")
    assert await everything_about(sim, amal)  # the deletion itself is planned
    await sim.advance(timedelta(days=31))
    assert await everything_about(sim, amal) == []


async def test_finished_rows_are_pruned_after_a_while_pending_ones_never(db: Database) -> None:
    clock = FixedClock(T0)
    jobs = JobQueue(db, clock, timedelta(minutes=30))
    ran: list[str] = []

    async def handler(job: Job) -> None:
        ran.append(job.key)

    jobs.register("test", handler)
    await jobs.schedule("test", "old", T0)
    await jobs.schedule("test", "far-ahead", T0 + timedelta(days=365))
    await jobs.run_due()
    clock.set(T0 + timedelta(days=30))
    assert await jobs.prune() == 0  # recent history stays
    clock.set(T0 + timedelta(days=61))
    assert await jobs.prune() == 1
    assert await jobs.state_of("old") is None and await jobs.state_of("far-ahead") == "pending"


async def test_old_readable_followup_rows_get_opaque_keys_without_running_twice_or_losing_one(
        db: Database) -> None:
    clock = FixedClock(T0)
    jobs = JobQueue(db, clock, timedelta(minutes=30))
    ran: list[dict] = []

    async def handler(job: Job) -> None:
        ran.append(job.payload)

    jobs.register(FOLLOWUP_KIND, handler)
    legacy_done = "mentoring:followup:1:help:7d:4242"
    legacy_due = "mentoring:followup:2:help:1m:4242"
    payload = {"match": 2, "step": "help", "stage": "1m", "user": 4242}
    await jobs.schedule(FOLLOWUP_KIND, legacy_done, T0 - timedelta(hours=1), {**payload, "match": 1})
    await db.execute("UPDATE scheduled_jobs SET state = 'done' WHERE key = ?", (legacy_done,))
    await jobs.schedule(FOLLOWUP_KIND, legacy_due, T0, payload)
    assert await jobs.rekey(FOLLOWUP_KIND, upgraded_key) == 2
    assert await jobs.rekey(FOLLOWUP_KIND, upgraded_key) == 0  # once is enough
    keys = {r["key"]: r["state"] for r in await db.fetchall("SELECT key, state FROM scheduled_jobs")}
    assert keys == {followup_key(1, "help", "7d", 4242): "done", followup_key(2, "help", "1m", 4242): "pending"}
    assert not [k for k in keys if "help" in k or "4242" in k]
    # Planning the same intent again (the new code) hits the renamed row: the done one never runs again.
    await jobs.schedule(FOLLOWUP_KIND, followup_key(1, "help", "7d", 4242), T0, {**payload, "match": 1})
    await jobs.run_due()
    assert ran == [payload]


async def test_the_privacy_section_exports_and_deletes_the_rows_about_a_member(db: Database) -> None:
    clock = FixedClock(T0)
    jobs = JobQueue(db, clock, timedelta(minutes=30))
    registry = PrivacyRegistry(db)
    registry.register(jobs.privacy_section())
    await jobs.schedule("test", "reminder-a", T0 + timedelta(days=1), {"user": 7})
    await jobs.schedule("test", "about-b", T0 + timedelta(days=1), {"event": 3}, subject=8)
    exported = await registry.export(7)
    assert [row["kind"] for row in exported["scheduled"]] == ["test"]
    await registry.delete(7)
    assert await jobs.state_of("reminder-a") is None and await jobs.state_of("about-b") == "pending"


async def test_the_bots_messages_naming_a_member_are_edited_when_she_deletes_her_data(sim: Simulator) -> None:
    await setup_pool(sim)
    await sim.grant("Cora", "coordinator")
    await sim.slash("Cora", "/match preview")
    step = await sim.slash("Cora", "/match approve pairs:all")
    dms = step.of("dm")
    await sim.press("Bertil", dms[0].buttons()[0]["custom_id"], message=sim.discord.messages[dms[0].message_id])
    prompt = (await sim.slash("Amal", "/mentor status")).last("followup")
    step = await sim.press("Amal", "Accept", message=sim.discord.messages[prompt.message_id])
    intro = [a for a in step.of("message") if a.to.startswith("thread:")][-1]
    step = await sim.advance(timedelta(days=7, hours=1))
    [checkin] = [a for a in step.of("message") if a.to.startswith("thread:") and "Amal" in a.mentions]
    await sim.press("Amal", "I need help", message=sim.discord.messages[checkin.message_id])
    [help_note] = [a for a in sim.sent_to("#coordinators") if "bad om hjälp" in a.text]
    amal = sim.member("Amal").id
    named = [intro.message_id, checkin.message_id, help_note.message_id]
    assert all(f"<@{amal}>" in sim.discord.messages[m].content for m in named)

    step = await sim.slash("Amal", "/privacy delete")
    await sim.press("Amal", step.last().buttons()[0]["custom_id"])
    await sim.advance(timedelta(seconds=5))
    for message_id in named:
        message = sim.discord.messages[message_id]
        assert f"<@{amal}>" not in message.content and "Amal" not in message.content
        assert message.components == []  # the check-in's buttons went too
    # Edited once each, and never again (the jobs name only the message).
    edits = [a for a in sim.actions if a.kind == "edit" and a.message_id in named]
    assert len(edits) == 3
    await sim.restart()
    await sim.advance(timedelta(hours=1))
    assert len([a for a in sim.actions if a.kind == "edit" and a.message_id in named]) == 3
    assert await everything_about(sim, amal) == []
