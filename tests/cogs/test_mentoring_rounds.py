"""Coordinator decisions through the simulator: decline and never again, end and rematch, set and swap,
pause, privacy, and the capability onboarding uses."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID


async def join_all(sim: Simulator, *names: str) -> None:
    for name in names:
        await sim.join(name)
        await sim.running_bot.services.prefs.set_language(sim.member(name).id, "en")
        await sim.running_bot.services.prefs.set_dm_allowed(sim.member(name).id, True)


async def volunteer(sim: Simulator, name: str, languages: str, extra: str = "") -> None:
    step = await sim.slash(name, f'/mentor volunteer languages:"{languages}" help:work adult:true {extra}')
    assert "Thank you for offering" in step.last("interaction_response").text


async def request(sim: Simulator, name: str, languages: str, extra: str = "") -> None:
    step = await sim.slash(name, f'/mentor request languages:"{languages}" help:work adult:true {extra}')
    assert "saved" in step.last("interaction_response").text


def invitation_buttons(sim: Simulator, name: str) -> list:
    dms = sim.sent_to(f"dm:{name}")
    return [(d, b) for d in dms for b in d.buttons() if b["custom_id"].startswith("mentoring:answer:")]


async def answer(sim: Simulator, name: str, accept: bool) -> None:
    wanted = "yes" if accept else "no"
    dm, button = [(d, b) for d, b in invitation_buttons(sim, name) if b["custom_id"].endswith(wanted)][-1]
    await sim.press(name, button["custom_id"], message=sim.discord.messages[dm.message_id])


async def test_a_decline_returns_both_to_the_pool_and_the_pair_is_never_proposed_again(sim: Simulator) -> None:
    await join_all(sim, "Bertil", "Amal", "Cora", "Karin")
    await sim.grant("Cora", "coordinator")
    await volunteer(sim, "Bertil", "ar:3 sv:3", "interests:football")
    await request(sim, "Amal", "ar:3", "interests:football")
    await sim.slash("Cora", "/match preview")
    await sim.slash("Cora", "/match approve pairs:1")
    await answer(sim, "Bertil", True)
    await answer(sim, "Amal", False)
    assert "tackade nej" in sim.sent_to("#coordinators")[-1].text  # the guild's language
    # Bertil, who had accepted, is told kindly.
    assert "will not go ahead" in sim.sent_to("dm:Bertil")[-1].text

    step = await sim.slash("Cora", "/match preview")
    assert "No pairs can be proposed" in step.last().text
    assert "declined or ended before" in step.last().text
    # By hand it is refused too.
    step = await sim.slash("Cora", "/match set mentor:Bertil newcomer:Amal")
    assert "breaks a matching rule" in step.last().text

    # A new mentor who speaks Arabic gets Amal in the next round.
    await volunteer(sim, "Karin", "ar:2")
    step = await sim.slash("Cora", "/match preview")
    assert f"<@{sim.member('Karin').id}> → <@{sim.member('Amal').id}>" in step.last().text


async def test_end_frees_capacity_and_allows_a_rematch(sim: Simulator) -> None:
    await join_all(sim, "Bertil", "Amal", "Omar", "Cora")
    await sim.grant("Cora", "coordinator")
    await volunteer(sim, "Bertil", "so:3 sv:3", "capacity:1")
    await request(sim, "Amal", "so:3")
    await request(sim, "Omar", "so:2")
    step = await sim.slash("Cora", "/match preview")
    assert "1 newcomer stays unmatched" in step.last().text
    await sim.slash("Cora", "/match approve pairs:all")
    for name in ("Bertil", "Amal"):
        await answer(sim, name, True)
    step = await sim.slash("Cora", "/match preview")
    assert "no free places" in step.last().text

    # The coordinator ends it: Bertil's place is free again and Omar is proposed; Amal never with Bertil again.
    step = await sim.slash("Cora", "/match end mentor:Bertil newcomer:Amal")
    assert "ended" in step.last().text
    step = await sim.slash("Cora", "/match preview")
    text = step.last().text
    assert f"<@{sim.member('Bertil').id}> → <@{sim.member('Omar').id}>" in text
    assert f"<@{sim.member('Amal').id}>: the mentors who share a language were declined or ended" in text
    step = await sim.slash("Cora", "/match stats")
    assert "ended: 1" in step.last().text and "active pairs: 0" in step.last().text


async def test_set_and_swap_by_hand_keep_the_hard_rules(sim: Simulator) -> None:
    await join_all(sim, "M1", "M2", "N1", "N2", "Cora")
    await sim.grant("Cora", "coordinator")
    await volunteer(sim, "M1", "ar:3 en:3")
    await volunteer(sim, "M2", "ti:3")
    await request(sim, "N1", "ar:3 en:2")
    await request(sim, "N2", "ti:3 en:1")
    step = await sim.slash("Cora", "/match preview")
    assert "1. " in step.last().text and "2. " in step.last().text
    # Swapping would give N1 a mentor without a shared language: refused, nothing changes.
    step = await sim.slash("Cora", "/match swap first:1 second:2")
    assert "no shared language" in step.last().text
    # M1 speaks English with N2 too: set by hand replaces N2's proposal.
    await sim.slash("Cora", "/match reject pairs:1")
    step = await sim.slash("Cora", "/match set mentor:M1 newcomer:N2")
    assert "(set by hand)" in step.last().text
    step = await sim.slash("Cora", "/match approve pairs:all")
    assert "1 pair is invited" in step.last().text  # N2 with M1; N1 waits for the next round


async def test_paused_mentors_are_not_matched(sim: Simulator) -> None:
    await join_all(sim, "Bertil", "Amal", "Cora")
    await sim.grant("Cora", "coordinator")
    await volunteer(sim, "Bertil", "uk:3")
    await request(sim, "Amal", "uk:3")
    step = await sim.slash("Bertil", "/mentor pause until:2027-01-10")
    assert "paused until" in step.last().text
    step = await sim.slash("Cora", "/match preview")
    assert "are paused" in step.last().text
    await sim.slash("Bertil", "/mentor resume")
    step = await sim.slash("Cora", "/match preview")
    assert "1. " in step.last().text


async def test_bad_input_is_refused_politely_and_changes_nothing(sim: Simulator) -> None:
    await join_all(sim, "Amal")
    step = await sim.slash("Amal", '/mentor request languages:"xx:3" help:work adult:true')
    assert "I do not know the language code xx" in step.last().text
    step = await sim.slash("Amal", '/mentor request languages:"ar" help:"work, flying" adult:true')
    assert "flying is not one of the choices" in step.last().text
    step = await sim.slash("Amal", '/mentor request languages:"ar" help:work adult:false')
    assert "adults" in step.last().text
    step = await sim.slash("Amal", '/mentor request languages:"ar" help:work adult:true area:"Storgatan 5"')
    assert "from the list" in step.last().text and "Bastuträsk" in step.last().text
    assert await sim.running_bot.services.db.fetchval("SELECT COUNT(*) FROM mentoring_profiles") == 0


async def test_language_autocomplete_shows_names_in_the_member_language(sim: Simulator) -> None:
    await join_all(sim, "Amal")
    choices = await sim.autocomplete("Amal", "/mentor request", "languages", "sv:3, ar")
    assert choices[0]["value"] == "sv:3, ar"
    assert "Arabic" in choices[0]["name"]
    areas = await sim.autocomplete("Amal", "/mentor request", "area", "träsk")
    assert [c["value"] for c in areas] == ["Bastuträsk", "Bjurträsk", "Petikträsk"]
    # Organizers set the villages once, for onboarding and mentoring alike.
    await sim.running_bot.services.guild_config.set(GUILD_ID, "onboarding.areas", ["Norsjö", "Kusfors"])
    areas = await sim.autocomplete("Amal", "/mentor request", "area", "")
    assert [c["value"] for c in areas] == ["Norsjö", "Kusfors"]


async def test_privacy_export_and_delete_cover_profiles_and_matches(sim: Simulator) -> None:
    await join_all(sim, "Bertil", "Amal", "Cora")
    await sim.grant("Cora", "coordinator")
    await volunteer(sim, "Bertil", "ar:3")
    await request(sim, "Amal", "ar:3", "interests:music")
    await sim.slash("Cora", "/match preview")
    await sim.slash("Cora", "/match approve pairs:all")
    await answer(sim, "Bertil", True)
    await answer(sim, "Amal", True)
    step = await sim.slash("Amal", "/privacy export")
    data = json.loads(step.last().files[0]["content"])["data"]["mentoring"]
    assert data["profiles"][0]["role"] == "newcomer" and data["profiles"][0]["interests"] == ["music"]
    assert data["matches"][0]["state"] == "active"

    await sim.running_bot.services.privacy.delete(sim.member("Amal").id)
    exported = await sim.running_bot.services.privacy.export(sim.member("Amal").id)
    assert "mentoring" not in exported
    # Aggregates stay.
    stats = await sim.running_bot.services.capabilities["mentoring"].stats(GUILD_ID)
    assert stats["matched_total"] == 1 and stats["active"] == 0


async def test_onboarding_can_request_a_mentor(sim: Simulator) -> None:
    await join_all(sim, "Amal")
    capability = sim.running_bot.services.capabilities["mentoring"]
    uid = sim.member("Amal").id
    assert await capability.request_from_onboarding(GUILD_ID, uid, ["ar", "sv"], ["work", "housing"], "Norsjö")
    # Asking again refreshes instead of creating a second request.
    assert not await capability.request_from_onboarding(GUILD_ID, uid, ["ar"], ["work"], None)
    step = await sim.slash("Amal", "/mentor status")
    text = step.last("interaction_response").text
    assert "Asking for a mentor" in text and "Norsjö" in text and "We have not found a mentor" in text


async def test_invitations_survive_a_restart_and_refuse_replayed_buttons(sim: Simulator) -> None:
    await join_all(sim, "Bertil", "Amal", "Omar", "Cora")
    await sim.grant("Cora", "coordinator")
    await volunteer(sim, "Bertil", "prs:3 sv:3")
    await request(sim, "Amal", "fa:3")  # Dari and Persian are close enough
    await sim.slash("Cora", "/match preview")
    await sim.slash("Cora", "/match approve pairs:all")
    await sim.restart()

    # Omar replays Amal's button: refused, nothing changes.
    dm, button = invitation_buttons(sim, "Amal")[0]
    step = await sim.press("Omar", button["custom_id"], message=sim.discord.messages[dm.message_id])
    assert "not for you" in step.last().text
    assert "close enough to understand each other" in dm.text

    await answer(sim, "Bertil", True)
    await answer(sim, "Amal", True)
    assert [a for a in sim.actions if a.kind == "thread"]
    await sim.restart()
    step = await sim.advance(timedelta(days=8))
    assert len([a for a in step.actions if "Have you met?" in a.text]) == 2


async def test_unmatched_newcomers_are_told_kindly_in_their_language(sim: Simulator) -> None:
    await join_all(sim, "Bertil", "Amal", "Tesfay", "Cora")
    await sim.running_bot.services.prefs.set_language(sim.member("Tesfay").id, "ti")
    await sim.grant("Cora", "coordinator")
    await volunteer(sim, "Bertil", "ar:3")
    await request(sim, "Amal", "ar:3")
    await sim.slash("Tesfay", '/mentor request languages:"ti:3" help:work adult:true')
    step = await sim.slash("Cora", "/match preview")
    assert "no mentor speaks their language yet" in step.last().text
    step = await sim.slash("Cora", "/match approve pairs:all")
    told = [a for a in step.of("dm") if a.to == "dm:Tesfay"]
    assert len(told) == 1
    assert "ገና መማኸሪ ኣይረኸብናልኩምን" in told[0].text  # Tigrinya: "we have not found a mentor for you yet"
    assert "Tesfay" not in {a.to.removeprefix("dm:") for a in step.of("dm") if "mentoring:answer" in str(a.components)}


async def test_stats_are_for_coordinators_only(sim: Simulator) -> None:
    await join_all(sim, "Amal")
    step = await sim.slash("Amal", "/match stats")
    assert "only mentor coordinators" in step.last().text


async def test_when_the_thread_cannot_be_opened_the_coordinators_are_told(sim: Simulator) -> None:
    await join_all(sim, "Bertil", "Amal", "Cora")
    await sim.grant("Cora", "coordinator")
    await volunteer(sim, "Bertil", "en:3")
    await request(sim, "Amal", "en:2")
    await sim.slash("Cora", "/match preview")
    await sim.slash("Cora", "/match approve pairs:all")
    await answer(sim, "Bertil", True)
    sim.discord.inject("POST", r"/channels/\d+/threads", 403, code=50013)
    await answer(sim, "Amal", True)
    assert "tråd" in sim.sent_to("#coordinators")[-1].text  # in the guild's Swedish: introduce them by hand
    # The match is active all the same, and its check-ins still come (by DM).
    step = await sim.advance(timedelta(days=8))
    assert {a.to for a in step.of("dm") if "Have you met?" in a.text} == {"dm:Bertil", "dm:Amal"}
