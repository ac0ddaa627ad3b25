"""Mentoring under Discord faults: closed DMs, rate limits, server errors, deleted threads, a refused
coordinators' channel. Nothing is lost, nothing is sent twice, and a person is told where one must act."""

from __future__ import annotations

from datetime import timedelta

from bot.features.mentoring.service import followup_key
from bot.simulator import Simulator


async def _people(sim: Simulator, *closed: str) -> None:
    for name in ("Bertil", "Amal", "Cora"):
        await sim.join(name, dms_open=name not in closed)
        await sim.running_bot.services.prefs.set_language(sim.member(name).id, "en")
        await sim.running_bot.services.prefs.set_dm_allowed(sim.member(name).id, True)
    await sim.grant("Cora", "coordinator")
    await sim.slash("Bertil", '/mentor volunteer languages:"ar:3" help:work adult:true')
    await sim.slash("Amal", '/mentor request languages:"ar:3" help:work adult:true')
    await sim.slash("Cora", "/match preview")


async def _match(sim: Simulator) -> int:
    return int(await sim.running_bot.services.db.fetchval("SELECT id FROM mentoring_matches"))


def _invitations(sim: Simulator, name: str) -> list:
    return [a for a in sim.actions if a.visible_to == name and "suggests" in a.text]


async def test_closed_dms_keep_the_invitation_for_any_mentoring_command_or_button(sim: Simulator) -> None:
    # Cora coordinates and also mentors; her DMs are closed (Discord answers 403, code 50007).
    await _people(sim, "Cora")
    await sim.slash("Cora", '/mentor volunteer languages:"ar:3 sv:3" help:work adult:true capacity:2')
    await sim.join("Nour")
    await sim.running_bot.services.prefs.set_language(sim.member("Nour").id, "en")
    await sim.slash("Nour", '/mentor request languages:"sv:3" help:work adult:true')
    await sim.advance(timedelta(minutes=1))
    await sim.slash("Cora", "/match preview")
    approve = await sim.slash("Cora", "/match approve pairs:all")
    db = sim.running_bot.services.db
    row = await db.fetchone("SELECT id, mentor_delivery FROM mentoring_matches WHERE mentor_id = ?",
                            (sim.member("Cora").id,))
    assert row["mentor_delivery"] == "prompt"
    assert not sim.sent_to("dm:Cora")
    # Not only /mentor: the coordinator command she just ran shows it, privately, once.
    prompts = [a for a in approve.of("followup") if "suggests you as a mentor" in a.text]
    assert len(prompts) == 1 and prompts[0].visible_to == "Cora"
    await sim.advance(timedelta(minutes=1))
    step = await sim.slash("Cora", "/match stats")
    assert not step.of("followup")
    # Bertil's invitation went by DM, once; Cora answers on her private prompt.
    assert len(_invitations(sim, "Bertil")) == 1
    await sim.press("Cora", f"mentoring:answer:{row['id']}:yes", message=sim.discord.messages[prompts[0].message_id])
    assert (await db.fetchone("SELECT mentor_answer FROM mentoring_matches WHERE id = ?", (row["id"],)))[0] == \
        "accepted"


async def test_a_waiting_invitation_is_shown_after_a_check_in_button(sim: Simulator) -> None:
    await _people(sim)
    await sim.slash("Cora", "/match approve pairs:all")
    first = await _match(sim)
    for name in ("Bertil", "Amal"):
        await sim.press(name, f"mentoring:answer:{first}:yes")
    # Bertil takes a second newcomer; he closed his DMs meanwhile.
    await sim.slash("Bertil", '/mentor volunteer languages:"ar:3" help:work adult:true capacity:2')
    sim.member("Bertil").dms_open = False
    await sim.join("Hiba")
    await sim.running_bot.services.prefs.set_language(sim.member("Hiba").id, "en")
    await sim.slash("Hiba", '/mentor request languages:"ar:3" help:work adult:true')
    await sim.advance(timedelta(minutes=1))
    await sim.slash("Cora", "/match preview")
    await sim.slash("Cora", "/match approve pairs:all")
    step = await sim.advance(timedelta(days=7, hours=1))
    checkin = [a for a in step.actions if "Have you met?" in a.text and "Bertil" in (a.visible_to, *a.mentions)]
    assert checkin  # in the pair's thread, since his DMs are closed
    step = await sim.press("Bertil", f"mentoring:checkin:{first}:7d:met",
                           message=sim.discord.messages[checkin[0].message_id])
    assert "Wonderful" in step.of("interaction_response")[0].text
    prompts = [a for a in step.of("followup") if "suggests you as a mentor" in a.text]
    assert len(prompts) == 1 and prompts[0].visible_to == "Bertil"


async def test_a_rate_limited_dm_is_retried_and_sent_once(sim: Simulator) -> None:
    await _people(sim)
    sim.discord.inject("POST", r"/channels/\d+/messages", 429, retry_after=0.01, times=2)
    step = await sim.slash("Cora", "/match approve pairs:all")
    assert "1 pair is invited" in step.last().text
    assert len(_invitations(sim, "Bertil")) == 1 and len(_invitations(sim, "Amal")) == 1
    row = await sim.running_bot.services.db.fetchone("SELECT mentor_delivery, newcomer_delivery FROM "
                                                      "mentoring_matches")
    assert tuple(row) == ("dm", "dm")


async def test_server_errors_while_opening_the_thread_are_retried_without_duplicates(sim: Simulator) -> None:
    await _people(sim)
    await sim.slash("Cora", "/match approve pairs:all")
    match_id = await _match(sim)
    await sim.press("Bertil", f"mentoring:answer:{match_id}:yes")
    sim.discord.inject("POST", r"/channels/\d+/threads", 502, times=1)
    await sim.press("Amal", f"mentoring:answer:{match_id}:yes")
    threads = [a for a in sim.actions if a.kind == "thread"]
    intros = [a for a in sim.actions if a.kind == "message" and a.to.startswith("thread:") and "Welcome" in a.text]
    assert len(threads) == 1 and len(intros) == 1
    await sim.advance(timedelta(minutes=10))  # the safety-net row was cancelled: nothing more happens
    assert len([a for a in sim.actions if a.kind == "thread"]) == 1
    assert not sim.sent_to("#coordinators") or "thread" not in sim.sent_to("#coordinators")[-1].text


async def test_a_check_in_that_reaches_nobody_is_reported_to_the_coordinators_once(sim: Simulator) -> None:
    await _people(sim, "Amal")
    await sim.slash("Cora", "/match approve pairs:all")
    match_id = await _match(sim)
    for name in ("Bertil", "Amal"):
        await sim.advance(timedelta(minutes=1))
        prompt = [a for a in sim.actions if a.visible_to == name and "suggests" in a.text]
        if not prompt:
            step = await sim.slash(name, "/mentor status")
            prompt = [a for a in step.of("followup") if "suggests" in a.text]
        await sim.press(name, f"mentoring:answer:{match_id}:yes", message=sim.discord.messages[prompt[-1].message_id])
    thread_id = (await sim.running_bot.services.db.fetchval("SELECT thread_id FROM mentoring_matches"))
    # The pair's thread was deleted (404 Unknown Channel) and Amal's DMs are closed.
    sim.discord.inject("POST", rf"/channels/{thread_id}/messages", 404, code=10003, times=5)
    step = await sim.advance(timedelta(days=7, hours=1))
    assert [a.to for a in step.actions if "Have you met?" in a.text] == ["dm:Bertil"]
    told = [a for a in sim.sent_to("#coordinators") if "could not reach" in a.text.lower() or
            "kunde inte nå" in a.text]
    assert len(told) == 1 and not told[0].mentions and not told[0].pinged_everyone
    await sim.restart()
    await sim.advance(timedelta(hours=1))
    assert len([a for a in sim.sent_to("#coordinators") if "kunde inte nå" in a.text]) == 1


async def test_a_help_request_the_coordinators_channel_refused_is_retried_until_it_arrives(sim: Simulator) -> None:
    await _people(sim)
    await sim.slash("Cora", "/match approve pairs:all")
    match_id = await _match(sim)
    for name in ("Bertil", "Amal"):
        await sim.press(name, f"mentoring:answer:{match_id}:yes")
    await sim.advance(timedelta(days=7, hours=1))
    coordinators = sim.discord.channel_named("coordinators").id
    sim.discord.inject("POST", rf"/channels/{coordinators}/messages", 403, code=50013, times=2)
    step = await sim.press("Amal", f"mentoring:checkin:{match_id}:7d:help")
    assert "A coordinator will contact you" in step.last("interaction_response").text
    assert not [a for a in sim.sent_to("#coordinators") if "hjälp" in a.text]
    key = followup_key(match_id, "help", "7d", sim.member("Amal").id)
    assert await sim.running_bot.services.jobs.state_of(key) == "pending"
    await sim.advance(timedelta(hours=2))  # retried (refused once more, then it goes through)
    told = [a for a in sim.sent_to("#coordinators") if "hjälp" in a.text]
    assert len(told) == 1
    assert await sim.running_bot.services.jobs.state_of(key) == "done"
