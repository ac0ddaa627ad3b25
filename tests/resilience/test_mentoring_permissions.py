"""Mentoring: every coordinator command and every party-only button, tried by the wrong people.

(a) a member without the coordinator role, (b) a coordinator whose role was removed a moment ago,
(c) from direct messages, (d) an old button's custom id replayed by someone else: refused politely in
the presser's language, logged with ids only, nothing changed.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from bot.simulator import Simulator

COMMANDS = [
    "/match preview",
    "/match approve pairs:all",
    "/match reject pairs:1",
    "/match set mentor:Bertil newcomer:Hodan",
    "/match swap first:1 second:2",
    "/match block mentor:Bertil newcomer:Hodan",
    "/match unblock mentor:Bertil newcomer:Hodan",
    "/match end mentor:Dawit newcomer:Sahra",
    "/match stats",
]
NAMES = ("Bertil", "Amal", "Dawit", "Hodan", "Sahra", "Cora", "Omar", "Karin")


async def _world(sim: Simulator) -> int:
    """Two proposals (Bertil-Amal, Dawit-Hodan) and one active pair (Dawit-Sahra). Returns the active id."""
    for name in NAMES:
        await sim.join(name)
        await sim.running_bot.services.prefs.set_language(sim.member(name).id, "en")
        await sim.running_bot.services.prefs.set_dm_allowed(sim.member(name).id, True)
    await sim.running_bot.services.prefs.set_language(sim.member("Omar").id, "sv")
    await sim.grant("Cora", "coordinator")
    await sim.slash("Dawit", '/mentor volunteer languages:"so:3 ar:2" help:work adult:true capacity:2')
    await sim.slash("Sahra", '/mentor request languages:"so:3" help:work adult:true')
    await sim.slash("Cora", "/match preview")
    await sim.slash("Cora", "/match approve pairs:all")
    db = sim.running_bot.services.db
    active = await db.fetchval("SELECT id FROM mentoring_matches WHERE state = 'invited'")
    for name in ("Dawit", "Sahra"):
        await sim.press(name, f"mentoring:answer:{active}:yes")
    await sim.slash("Bertil", '/mentor volunteer languages:"ar:3" help:work adult:true')
    await sim.slash("Amal", '/mentor request languages:"ar:3" help:work adult:true')
    await sim.slash("Hodan", '/mentor request languages:"so:3 ar:1" help:work adult:true')
    await sim.advance(timedelta(minutes=1))
    await sim.slash("Cora", "/match preview")
    assert await db.fetchval("SELECT COUNT(*) FROM mentoring_matches WHERE state = 'proposed'") == 2
    return int(active)


async def _snapshot(sim: Simulator) -> list[Any]:
    db = sim.running_bot.services.db
    out: list[Any] = []
    for table in ("mentoring_profiles", "mentoring_matches", "mentoring_exclusions", "mentoring_checkins",
                  "mentoring_feedback", "mentoring_aggregates", "mentoring_rounds", "scheduled_jobs"):
        out.append(sorted(tuple(r) for r in await db.fetchall(f"SELECT * FROM {table}")))
    return out


def _no_personal_data(caplog: pytest.LogCaptureFixture, *typed: str) -> None:
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("bot.simulator"))
    for secret in (*NAMES, *typed):
        assert secret not in text, secret


@pytest.mark.parametrize("command", COMMANDS)
async def test_coordinator_commands_refuse_members_revoked_roles_and_dms(sim: Simulator, command: str,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    await _world(sim)
    await sim.grant("Karin", "coordinator")
    await sim.revoke("Karin", "coordinator")  # removed a moment ago
    before = await _snapshot(sim)
    caplog.set_level(logging.DEBUG)
    for who, channel, expected in (("Omar", "general", "Tyvärr kan bara"),  # in Omar's Swedish
                                   ("Karin", "general", "only mentor coordinators"),
                                   ("Cora", "dm", "only works in the server")):
        await sim.advance(timedelta(minutes=1))
        step = await sim.slash(who, command, channel=channel)
        reply = step.last()
        assert reply.visible_to == who and expected in reply.text, (who, command, reply.text)
        assert all(not a.mentions and not a.pinged_everyone for a in step.actions)
        assert await _snapshot(sim) == before, (who, command)
    assert any("missing role" in r.getMessage() for r in caplog.records)
    _no_personal_data(caplog)


async def test_replayed_buttons_of_another_member_are_refused_and_change_nothing(
        sim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    active = await _world(sim)
    await sim.slash("Cora", "/match approve pairs:all")
    db = sim.running_bot.services.db
    invited = await db.fetchval("SELECT id FROM mentoring_matches WHERE state = 'invited' AND newcomer_id = ?",
                                (sim.member("Amal").id,))
    await sim.advance(timedelta(days=7, hours=1))  # the active pair's first check-in
    invitation = [a for a in sim.sent_to("dm:Amal") if any(
        b.get("custom_id") == f"mentoring:answer:{invited}:yes" for b in a.buttons())][-1]
    checkin = [a for a in sim.sent_to("dm:Sahra") if "Have you met?" in a.text][-1]
    caplog.set_level(logging.DEBUG)
    before = await _snapshot(sim)
    cases = [
        (f"mentoring:answer:{invited}:yes", invitation, "inte till dig"),
        (f"mentoring:answer:{invited}:no", invitation, "inte till dig"),
        (f"mentoring:checkin:{active}:7d:help", checkin, "uppföljningen är inte till dig"),
        (f"mentoring:checkin:{active}:7d:met", checkin, "uppföljningen är inte till dig"),
    ]
    for custom_id, action, expected in cases:
        await sim.advance(timedelta(minutes=1))
        step = await sim.press("Omar", custom_id, message=sim.discord.messages[action.message_id])
        reply = step.last()
        # Only an answer to the press (the simulator shows a reply in a DM channel as the DM's owner's).
        assert [a.kind for a in step.actions] == ["interaction_response"], custom_id
        assert expected in reply.text, (custom_id, reply.text)
        assert not sim.sent_to("#coordinators") or "Omar" not in sim.sent_to("#coordinators")[-1].mentions
        assert await _snapshot(sim) == before, custom_id
    # A coordinator (not a party) cannot answer for a newcomer either.
    step = await sim.press("Cora", f"mentoring:answer:{invited}:yes",
                           message=sim.discord.messages[invitation.message_id])
    assert "not for you" in step.last().text
    assert await _snapshot(sim) == before
    # After the pair ends, its rating buttons are only for the pair.
    await sim.slash("Dawit", "/mentor end")
    before = await _snapshot(sim)
    note = [a for a in sim.actions if a.kind == "message" and a.to.startswith("thread:") and "has ended" in a.text][-1]
    await sim.advance(timedelta(minutes=1))
    step = await sim.press("Omar", f"mentoring:rate:{active}:1", message=sim.discord.messages[note.message_id])
    assert "formuläret är inte till dig" in step.last().text  # "not for you", in Swedish
    assert not step.of("modal")
    assert await _snapshot(sim) == before
    assert any("not a party" in r.getMessage() for r in caplog.records)
    _no_personal_data(caplog)


async def test_ending_someone_elses_match_is_refused(sim: Simulator) -> None:
    await _world(sim)
    before = await _snapshot(sim)
    step = await sim.slash("Omar", "/mentor end partner:Sahra")
    assert "ingen aktiv" in step.last().text  # Omar reads Swedish
    assert await _snapshot(sim) == before
