"""The newcomer's welcome through the simulator: greeting, the flow, restarts, DMs, leaving, privacy."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.core.i18n import FSI
from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID
from bot.simulator.harness import Step


def uid(sim: Simulator, name: str) -> int:
    return sim.member(name).id


async def pause(sim: Simulator) -> None:
    """A person's pace (the per-member rate limit refuses scripts)."""
    await sim.advance(timedelta(seconds=1))


async def press_step(sim: Simulator, name: str, step: str, value: str) -> Step:
    await pause(sim)
    return await sim.press(name, f"onb:step:{uid(sim, name)}:{step}:{value}")


async def pick_step(sim: Simulator, name: str, step: str, values: list[str]) -> Step:
    await pause(sim)
    return await sim.pick(name, values, select=f"onb:pick:{uid(sim, name)}:{step}")


async def walk(sim: Simulator, name: str, *, language: str, consent: bool = True,
               topics: tuple[str, ...] = ("work", "housing"), area: str | None = "Bastuträsk",
               mentor: bool = False) -> Step:
    """Press Start and answer every step; returns the final step."""
    await sim.press(name, "onb:start")
    await pick_step(sim, name, "language", [language])
    await press_step(sim, name, "consent", "yes" if consent else "no")
    await pick_step(sim, name, "topics", list(topics))
    if area is None:
        await press_step(sim, name, "area", "none")
    else:
        await pick_step(sim, name, "area", [area])
    return await press_step(sim, name, "mentor", "yes" if mentor else "no")


def roles_of(sim: Simulator, name: str) -> set[str]:
    member = sim.member(name)
    return {sim.discord.roles[r].name for r in member.roles}


async def test_the_whole_path_in_arabic_is_right_to_left_and_ends_with_roles_card_and_checklist(
        sim: Simulator) -> None:
    await sim.join("Amal", locale="en-US")
    step = await sim.press("Amal", "onb:start")
    first = step.last("interaction_response")
    assert first.visible_to == "Amal"
    # Arabic is not a Discord client locale: English is preselected, Arabic is offered.
    options = first.components[0]["options"]
    assert [o["value"] for o in options if o.get("default")] == ["en"]

    step = await pick_step(sim, "Amal", "language", ["ar"])
    consent = step.last("edit")
    assert consent.visible_to == "Amal"
    assert "خصوصيتك" in consent.content  # the privacy notice is in Arabic
    assert FSI + "٢" in consent.content or FSI + "2" in consent.content  # numbers isolated in RTL text

    await press_step(sim, "Amal", "consent", "yes")
    step = await pick_step(sim, "Amal", "topics", ["work", "housing"])
    assert "اختياري" in step.last("edit").content  # the area question, in Arabic
    await pick_step(sim, "Amal", "area", ["Bastuträsk"])
    step = await press_step(sim, "Amal", "mentor", "no")

    done = step.last("edit")
    assert done.visible_to == "Amal"
    assert "Arbetsförmedlingen" in done.text  # the Swedish institution name is kept in the Arabic checklist
    assert "خطواتك الأولى" in done.text
    assert {"newcomer", "lang-ar", "help-work", "help-housing"} <= roles_of(sim, "Amal")
    card = sim.sent_to("#volunteers")[-1]
    assert "arabiska" in card.content  # the card is in the server's language (Swedish)
    assert "Bastuträsk" in card.content
    assert card.mentions == []  # the card names the newcomer but pings nobody


async def test_the_whole_path_in_swedish_preselects_the_client_locale(sim: Simulator) -> None:
    await sim.join("Sven", locale="sv-SE")
    step = await sim.press("Sven", "onb:start")
    first = step.last("interaction_response")
    assert "Välkommen" in first.content
    assert [o["value"] for o in first.components[0]["options"] if o.get("default")] == ["sv"]

    # One press keeps the preselected language.
    step = await press_step(sim, "Sven", "language", "sv")
    assert "integritet" in step.last("edit").content
    await press_step(sim, "Sven", "consent", "yes")
    await pick_step(sim, "Sven", "topics", ["swedish"])
    await press_step(sim, "Sven", "area", "none")
    step = await press_step(sim, "Sven", "mentor", "no")
    assert "SFI" in step.last("edit").text
    assert "Dina första steg" in step.last("edit").text
    assert {"newcomer", "lang-sv", "help-swedish"} <= roles_of(sim, "Sven")
    assert await sim.running_bot.services.prefs.language(uid(sim, "Sven")) == "sv"


async def test_under_a_burst_the_welcome_is_acknowledged_first_and_ends_the_same(sim: Simulator) -> None:
    """When many interactions arrive together, each press is acknowledged at once (deferred) and the
    step's message is replaced afterwards: the member sees the same steps and gets the same roles."""
    await sim.join("Sven", locale="sv-SE")
    sim.running_bot.busy_threshold = -1  # as if many members were being answered at this moment
    step = await sim.press("Sven", "onb:start")
    # Acknowledged first (an update that changes nothing on the Start post): the answer is a follow-up.
    assert step.actions[0].kind == "followup" and not step.of("interaction_response")
    first = step.last("followup")
    assert "Välkommen" in first.content and first.visible_to == "Sven"
    step = await press_step(sim, "Sven", "language", "sv")
    assert step.actions[0].kind != "interaction_response"
    consent = step.last("edit")
    assert "integritet" in consent.content and consent.message_id == first.message_id
    await press_step(sim, "Sven", "consent", "yes")
    await pick_step(sim, "Sven", "topics", ["swedish"])
    await press_step(sim, "Sven", "area", "none")
    step = await press_step(sim, "Sven", "mentor", "no")
    assert "Dina första steg" in step.last("edit").text
    assert {"newcomer", "lang-sv", "help-swedish"} <= roles_of(sim, "Sven")


async def test_a_burst_of_joins_is_greeted_in_few_messages_that_ping_only_the_newcomers(sim: Simulator) -> None:
    names = [f"Newcomer {i}" for i in range(150)]
    for name in names:
        await sim.join(name)
    await sim.join("Some Bot", bot=True)
    assert sim.sent_to("#welcome") == []  # nothing per join
    await sim.advance(timedelta(seconds=10))
    greetings = sim.sent_to("#welcome")
    assert 2 <= len(greetings) <= 4
    pinged = [m for g in greetings for m in g.mentions]
    assert sorted(pinged) == sorted(names)  # everyone once, the bot never
    assert all(len(g.content) <= 2000 and not g.pinged_everyone for g in greetings)
    assert "Välkommen" in greetings[0].content and "Welcome" in greetings[0].content


async def test_a_raid_sized_burst_is_greeted_within_the_welcome_channels_rate_limit(sim: Simulator) -> None:
    bot = sim.running_bot
    began = sim.now
    names = [f"Raider {i}" for i in range(600)]
    for name in names:
        member = sim.discord.add_member(name)
        bot._connection.parse_guild_member_add({"guild_id": str(GUILD_ID), **member.payload()})  # type: ignore
    await sim.settle()
    await sim.advance(timedelta(seconds=5))
    first = sim.sent_to("#welcome")
    assert len(first) == 5  # one window's flush: what Discord lets into one channel per 5 seconds
    await sim.advance(timedelta(minutes=1))
    greetings = sim.sent_to("#welcome")
    assert len(greetings) > 5
    assert sorted(m for g in greetings for m in g.mentions) == sorted(names)  # everyone, once
    assert not sim.discord.ratelimits.refused  # paced by the headers, never a 429
    for i in range(len(greetings) - 5):  # never more than 5 messages in any 5 simulated seconds
        assert greetings[i + 5].at - greetings[i].at >= timedelta(seconds=5)
    assert greetings[-1].at - began < timedelta(seconds=40)


async def test_greeting_joins_survive_a_crash_before_the_flush(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.crash()
    await sim.start()
    await sim.advance(timedelta(seconds=10))
    assert sim.sent_to("#welcome")[-1].mentions == ["Amal"]


async def test_a_pending_member_is_greeted_and_given_roles_only_after_screening(sim: Simulator) -> None:
    await sim.join("Pia", locale="en-US", pending=True)
    await sim.advance(timedelta(seconds=10))
    assert sim.sent_to("#welcome") == []
    step = await walk(sim, "Pia", language="en")
    assert not step.of("role_add")
    assert "accepted the server rules" in step.last("edit").content
    step = await sim.complete_screening("Pia")
    assert {a.role for a in step.of("role_add")} >= {"newcomer", "lang-en", "help-work"}
    await sim.advance(timedelta(seconds=10))
    assert sim.sent_to("#welcome")[-1].mentions == ["Pia"]


async def test_a_pending_member_who_declined_consent_still_gets_help_roles_then_answers_are_erased(
        sim: Simulator) -> None:
    await sim.join("Pia", pending=True)
    await walk(sim, "Pia", language="en", consent=False, topics=("housing",))
    step = await sim.complete_screening("Pia")
    assert "help-housing" in {a.role for a in step.of("role_add")}
    state = await sim.running_bot.services.capabilities["onboarding"].get(GUILD_ID, uid(sim, "Pia"))
    assert state.help_topics == [] and state.area is None


async def test_screening_passed_while_the_bot_was_down_is_caught_up_at_start(sim: Simulator) -> None:
    await sim.join("Pia", pending=True)
    await sim.stop()
    sim.member("Pia").pending = False  # accepted the rules while the bot was away
    await sim.start()
    await sim.advance(timedelta(seconds=10))
    assert sim.sent_to("#welcome")[-1].mentions == ["Pia"]


async def test_closed_dms_fall_back_to_the_checklist_here_without_an_error(sim: Simulator) -> None:
    await sim.join("Dawit", locale="en-US", dms_open=False)
    await walk(sim, "Dawit", language="en", topics=("healthcare",))
    step = await press_step(sim, "Dawit", "dm", "16")
    reply = step.last()
    assert reply.visible_to == "Dawit"
    assert "hälsocentral" in reply.text
    assert "wrong" not in reply.text.lower()
    assert sim.sent_to("dm:Dawit") == []
    assert await sim.running_bot.services.prefs.dm_allowed(uid(sim, "Dawit"))


async def test_the_checklist_goes_by_dm_when_the_member_opts_in(sim: Simulator) -> None:
    await sim.join("Oksana", locale="uk")
    await walk(sim, "Oksana", language="uk", topics=("school",))
    step = await press_step(sim, "Oksana", "dm", "8")
    assert "förskola" in sim.sent_to("dm:Oksana")[-1].text
    assert step.last().visible_to == "Oksana"


async def test_a_restart_in_the_middle_then_a_press_on_the_old_message_resumes(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.press("Amal", "onb:start")
    await pick_step(sim, "Amal", "language", ["so"])
    step = await press_step(sim, "Amal", "consent", "yes")
    old_message = sim.discord.messages[step.last("edit").message_id]
    await sim.restart()
    step = await sim.pick("Amal", ["work"], message=old_message)
    area_question = step.last("edit")
    assert f"onb:pick:{uid(sim, 'Amal')}:area" in [c.get("custom_id") for c in area_question.components]
    # /welcome start later resumes at the same step.
    step = await sim.slash("Amal", "/welcome start")
    assert any(c.get("custom_id") == f"onb:pick:{uid(sim, 'Amal')}:area" for c in step.last().components)


async def test_another_member_cannot_press_someone_elses_flow(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Bertil")
    step = await sim.press("Amal", "onb:start")
    message = sim.discord.messages[step.last("interaction_response").message_id]
    custom_id = f"onb:step:{uid(sim, 'Amal')}:language:en"
    step = await sim.press("Bertil", custom_id, message=message)
    assert step.last().visible_to == "Bertil"
    assert "someone else" in step.last().content
    state = await sim.running_bot.services.capabilities["onboarding"].get(GUILD_ID, uid(sim, "Amal"))
    assert state.step == "language"


async def test_consent_declined_keeps_only_the_language_but_still_gives_roles_and_help(sim: Simulator) -> None:
    await sim.join("Farid")
    step = await walk(sim, "Farid", language="prs", consent=False, topics=("work",))
    assert "Arbetsförmedlingen" in step.last("edit").text
    assert {"newcomer", "lang-prs", "help-work"} <= roles_of(sim, "Farid")
    assert sim.sent_to("#volunteers") == []  # nothing shared with volunteers
    step = await sim.slash("Farid", "/privacy export")
    data = json.loads(step.last().files[0]["content"])["data"]
    assert data["preferences"]["language"] == "prs"
    record = data["onboarding"][0]
    assert record["consent"] is False
    assert record["help_topics"] == [] and record["area"] is None and record["wants_mentor"] is None


async def test_answers_can_be_changed_later(sim: Simulator) -> None:
    await sim.join("Amal")
    await walk(sim, "Amal", language="en", topics=("work",))
    step = await sim.slash("Amal", "/welcome start")
    assert "Work" in step.last().content
    await press_step(sim, "Amal", "change", "topics")
    step = await pick_step(sim, "Amal", "topics", ["social"])
    assert "events" in step.last("edit").text  # straight back to the checklist
    assert "help-social" in roles_of(sim, "Amal")
    assert "help-work" not in roles_of(sim, "Amal")  # no longer chosen
    step = await sim.slash("Amal", "/welcome start")
    assert "Meeting people" in step.last().content


async def test_leave_and_rejoin_offers_saved_answers_or_a_fresh_start(sim: Simulator) -> None:
    await sim.join("Amal")
    await walk(sim, "Amal", language="en", topics=("housing",))
    await sim.leave("Amal")
    await sim.advance(timedelta(days=3))
    await sim.join("Amal")
    step = await sim.slash("Amal", "/welcome start")
    assert "Welcome back" in step.last().content
    step = await press_step(sim, "Amal", "rejoin", "continue")
    assert "help-housing" in roles_of(sim, "Amal")  # roles given again from the saved answers
    assert "Housing" in step.last("edit").text or "housing" in step.last("edit").text

    await sim.leave("Amal")
    await sim.join("Amal")
    await sim.slash("Amal", "/welcome start")
    step = await press_step(sim, "Amal", "rejoin", "restart")
    assert any(c.get("custom_id") == f"onb:pick:{uid(sim, 'Amal')}:language" for c in step.last("edit").components)


async def test_data_of_a_member_who_left_is_deleted_after_the_retention_time(sim: Simulator) -> None:
    await sim.join("Amal")
    await walk(sim, "Amal", language="en")
    await sim.leave("Amal")
    privacy = sim.running_bot.services.privacy
    await sim.advance(timedelta(days=29))
    assert "onboarding" in await privacy.export(uid(sim, "Amal"))
    await sim.advance(timedelta(days=2))
    assert "onboarding" not in await privacy.export(uid(sim, "Amal"))


async def test_one_gentle_reminder_only_to_members_who_allowed_dms(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Bertil")
    await sim.join("Cara")
    for name in ("Amal", "Cara"):
        await sim.running_bot.services.prefs.set_dm_allowed(uid(sim, name), True)
    await walk(sim, "Cara", language="en")  # finished: nothing to remind her of
    for name in ("Amal", "Bertil"):
        await sim.press(name, "onb:start")
        await pick_step(sim, name, "language", ["en"])
    await sim.advance(timedelta(days=10))
    reminders = sim.sent_to("dm:Amal")
    assert len(reminders) == 1
    assert "only reminder" in reminders[0].content
    assert sim.sent_to("dm:Bertil") == []
    assert sim.sent_to("dm:Cara") == []


async def test_privacy_export_shows_and_delete_removes_onboarding_data(sim: Simulator) -> None:
    await sim.join("Amal")
    await walk(sim, "Amal", language="en", topics=("work",), area="Kusfors", mentor=True)
    step = await sim.slash("Amal", "/privacy export")
    record = json.loads(step.last().files[0]["content"])["data"]["onboarding"][0]
    assert record["help_topics"] == ["work"] and record["area"] == "Kusfors" and record["wants_mentor"] is True
    step = await sim.slash("Amal", "/privacy delete")
    await sim.press("Amal", step.last().buttons()[0]["custom_id"])
    assert await sim.running_bot.services.privacy.export(uid(sim, "Amal")) == {}


async def test_the_start_message_is_posted_once_and_survives_restarts(sim: Simulator) -> None:
    posts = sim.sent_to("#start-here")
    assert len(posts) == 1
    assert posts[0].buttons()[0]["custom_id"] == "onb:start"
    assert "Starta" in posts[0].buttons()[0]["label"] and "Start" in posts[0].buttons()[0]["label"]
    await sim.restart()
    assert len(sim.sent_to("#start-here")) == 1


def old_message(sim: Simulator, channel: str, custom_ids: list[str], *, visible_to: str | None = None):
    """A message as the welcome's earlier version posted it: one component class per button, ids by hand."""
    from bot.simulator.discord_side import EPHEMERAL, Message, snowflake, stored_components

    rows = [{"type": 1, "components": [{"type": 2, "style": 2, "label": cid, "custom_id": cid}]} for cid in custom_ids]
    member = sim.member(visible_to).id if visible_to else None
    message = Message(snowflake(), sim.discord.channel_named(channel).id, "…", [], stored_components(rows),
                      flags=EPHEMERAL if member else 0, visible_to=member)
    sim.discord.messages[message.id] = message
    return message


async def test_buttons_posted_by_the_earlier_welcome_reach_todays_flows(sim: Simulator) -> None:
    """Start, a step and a claim as the earlier version's components wrote them (same ids: nothing to translate)."""
    await sim.join("Amal")
    await sim.join("Vera")
    await sim.grant("Vera", "volunteer")
    start = old_message(sim, "start-here", ["onb:start"])
    step = await sim.press("Amal", "onb:start", message=start)
    assert step.last().visible_to == "Amal" and step.last().components  # the language step
    await pick_step(sim, "Amal", "language", ["en"])
    old_step = old_message(sim, "start-here", [f"onb:step:{uid(sim, 'Amal')}:consent:yes"], visible_to="Amal")
    await pause(sim)
    step = await sim.press("Amal", f"onb:step:{uid(sim, 'Amal')}:consent:yes", message=old_step)
    state = await sim.running_bot.services.capabilities["onboarding"].get(GUILD_ID, uid(sim, "Amal"))
    assert state.consent is True and state.step == "topics"
    await pick_step(sim, "Amal", "topics", ["work"])
    await press_step(sim, "Amal", "area", "none")
    await press_step(sim, "Amal", "mentor", "no")
    old_card = old_message(sim, "volunteers", [f"onb:claim:{uid(sim, 'Amal')}"])
    step = await sim.press("Vera", f"onb:claim:{uid(sim, 'Amal')}", message=old_card)
    assert f"<@{uid(sim, 'Amal')}>" in step.last().content and step.last().visible_to == "Vera"
    state = await sim.running_bot.services.capabilities["onboarding"].get(GUILD_ID, uid(sim, "Amal"))
    assert state.claimed_by == uid(sim, "Vera")
