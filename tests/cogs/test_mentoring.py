"""Mentor matching through the simulator: profiles, the coordinator's round, invitations, the pair's
thread, check-ins with a driven clock, ending and rematching."""

from __future__ import annotations

from datetime import timedelta

from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID


async def setup_pool(sim: Simulator, *, mentor_dms: bool = True, newcomer_dms: bool = False) -> None:
    await sim.join("Bertil", locale="sv-SE")
    await sim.join("Amal", locale="en-US")
    await sim.join("Cora", locale="en-US")
    services = sim.running_bot.services
    await services.prefs.set_dm_allowed(sim.member("Bertil").id, mentor_dms)
    await services.prefs.set_dm_allowed(sim.member("Amal").id, newcomer_dms)
    await services.prefs.set_language(sim.member("Bertil").id, "sv")
    await services.prefs.set_language(sim.member("Amal").id, "en")
    await sim.slash("Bertil", '/mentor volunteer languages:"sv:3 ar:2" help:"wood_industry, housing" '
                              'interests:football adult:true area:"Norsjö centrum"')
    step = await sim.slash("Amal", '/mentor request languages:"ar:3 en:1" help:work interests:"football, music" '
                                   'adult:true area:"norsjö centrum"')
    assert "saved" in step.last("interaction_response").text


async def test_non_coordinator_cannot_preview(sim: Simulator) -> None:
    await setup_pool(sim)
    step = await sim.slash("Amal", "/match preview")
    reply = step.last()  # after "thinking" (a round takes time): the refusal replaces it
    assert reply.kind == "followup" and reply.visible_to == "Amal"
    assert "only mentor coordinators" in reply.text
    assert await sim.running_bot.services.db.fetchval("SELECT COUNT(*) FROM mentoring_matches") == 0


async def test_whole_flow_from_round_to_thread_checkins_and_end(sim: Simulator) -> None:
    await setup_pool(sim)
    await sim.grant("Cora", "coordinator")
    step = await sim.slash("Cora", "/match preview")
    preview = step.last()
    assert preview.visible_to == "Cora"
    assert "you both speak Arabic" in preview.text
    assert "can help with work and the job track" in preview.text
    assert "both like football" in preview.text
    assert "both live in Norsjö centrum" in preview.text  # the list's spelling, whatever was typed

    step = await sim.slash("Cora", "/match approve pairs:all")
    # Bertil allowed DMs: his invitation arrives there, in Swedish. Amal did not: nothing is sent to her.
    dms = step.of("dm")
    assert [d.to for d in dms] == ["dm:Bertil"]
    assert "Accept" not in dms[0].text and dms[0].buttons()
    assert not sim.sent_to("dm:Amal")

    # Amal's invitation waits for her next /mentor command, as a private prompt.
    step = await sim.slash("Amal", "/mentor status")
    prompt = step.last("followup")
    assert prompt.visible_to == "Amal"
    assert "suggests" in prompt.text and "as your mentor" in prompt.text
    # It is shown once.
    step = await sim.slash("Amal", "/mentor status")
    assert not step.of("followup")

    # Bertil accepts in his DM, Amal on her prompt.
    await sim.press("Bertil", dms[0].buttons()[0]["custom_id"], message=sim.discord.messages[dms[0].message_id])
    step = await sim.press("Amal", "Accept", message=sim.discord.messages[prompt.message_id])
    thread = step.last("thread")
    assert thread.extra["private"] is True
    members = {a.member for a in step.of("thread_member")}
    assert members == {"Bertil", "Amal", "Cora"}
    intro = [a for a in step.of("message") if a.to.startswith("thread:")][-1]
    assert "Welcome" in intro.text and "Välkommen" in intro.text  # bilingual: Amal's English, Bertil's Swedish
    assert "money" in intro.text  # safety guidelines
    assert set(intro.mentions) == {"Bertil", "Amal"}

    # +7 days: a check-in for each side (Bertil by DM, Amal in the thread).
    step = await sim.advance(timedelta(days=7, hours=1))
    assert any(a.to == "dm:Bertil" for a in step.of("dm"))
    amal_checkin = [a for a in step.of("message") if a.to.startswith("thread:") and "Amal" in a.mentions]
    assert amal_checkin and "Have you met?" in amal_checkin[0].text

    # "I need help" reaches only the coordinators' channel; the mentor sees nothing of it.
    mark = len(sim.actions)
    step = await sim.press("Amal", "I need help", message=sim.discord.messages[amal_checkin[0].message_id])
    assert step.last("interaction_response").visible_to == "Amal"
    to_coordinators = sim.sent_to("#coordinators")
    # The coordinators' channel speaks the guild's language (Swedish).
    assert to_coordinators and "bad om hjälp" in to_coordinators[-1].text
    later = sim.actions[mark:]
    # Everything the press caused is either Amal's private answer or the coordinators' channel.
    assert {(a.to, a.visible_to) for a in later} == {(amal_checkin[0].to, "Amal"), ("#coordinators", "everyone")}
    coordinators_id = sim.discord.channel_named("coordinators").id
    seen_by_mentor = [m for m in sim.messages_for("Bertil") if m.channel_id != coordinators_id]
    assert not [m for m in seen_by_mentor if "bad om hjälp" in m.content or "asked for help" in m.content]

    # +1 month and +3 months check-ins follow.
    step = await sim.advance(timedelta(days=30))
    assert any("one month" in a.text for a in step.actions)

    # Bertil ends the match and rates it.
    step = await sim.slash("Bertil", "/mentor end")
    reply = step.last("interaction_response")
    assert [b["label"] for b in reply.buttons()] == ["1", "2", "3", "4", "5"]
    step = await sim.press("Bertil", "4", message=sim.discord.messages[reply.message_id])
    assert step.last("modal")
    await sim.submit("Bertil", {"comment": "Lovely"})
    stats = await sim.running_bot.services.capabilities["mentoring"].stats(GUILD_ID)
    assert stats["rating_count"] == 1 and stats["checkins"]["help"] == 1 and stats["ended_total"] == 1
    # No more check-ins after the end.
    step = await sim.advance(timedelta(days=90))
    assert not [a for a in step.actions if "Have you met?" in a.text]
