"""Volunteers, organizers and the links to other features, through the simulator."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from bot.core.capabilities import LinkItem
from bot.core.conversation import CommandRef
from bot.simulator import Simulator
from tests.cogs.test_onboarding import pause, uid, walk


async def test_a_second_volunteer_claim_is_refused_politely(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Vera")
    await sim.join("Viktor")
    await sim.grant("Vera", "volunteer")
    await sim.grant("Viktor", "volunteer")
    await walk(sim, "Amal", language="ar", topics=("housing",))
    card = sim.sent_to("#volunteers")[-1]
    message = sim.discord.messages[card.message_id]
    # Viktor's client still shows the card as it was before Vera's press (the race).
    stale = copy.deepcopy(message)
    claim_id = f"onb:claim:{uid(sim, 'Amal')}"

    step = await sim.press("Vera", claim_id, message=message)
    edited = step.last("edit")
    assert f"<@{uid(sim, 'Vera')}>" in edited.content  # who claimed it is shown on the card
    assert edited.buttons() == []
    assert step.last("followup").visible_to == "Vera"

    step = await sim.press("Viktor", claim_id, message=stale)
    refusal = step.last()
    assert refusal.visible_to == "Viktor"
    assert f"<@{uid(sim, 'Vera')}>" in refusal.content
    assert not step.of("edit")


async def test_only_volunteers_can_claim(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Nils")
    await walk(sim, "Amal", language="en")
    card = sim.sent_to("#volunteers")[-1]
    step = await sim.press("Nils", f"onb:claim:{uid(sim, 'Amal')}", message=sim.discord.messages[card.message_id])
    assert "Sorry, only" in step.last().content
    step = await sim.slash("Nils", "/welcome queue")
    assert "Sorry, only" in step.last().content


async def test_an_unclaimed_card_forgets_a_newcomer_who_left(sim: Simulator) -> None:
    await sim.join("Amal")
    await walk(sim, "Amal", language="en", topics=("housing",))
    card = sim.sent_to("#volunteers")[-1]
    await sim.leave("Amal")
    message = sim.discord.messages[card.message_id]
    assert "Bostad" not in message.content and "Housing" not in message.content
    assert message.components == []


async def test_the_queue_lists_unclaimed_newcomers_with_what_they_shared(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Farid")
    await sim.join("Vera")
    await sim.grant("Vera", "volunteer")
    step = await sim.slash("Vera", "/welcome queue")
    assert "Nobody" in step.last().content
    await walk(sim, "Amal", language="en", topics=("work",))
    await walk(sim, "Farid", language="en", consent=False)
    step = await sim.slash("Vera", "/welcome queue")
    reply = step.last()
    assert reply.visible_to == "Vera"
    assert f"<@{uid(sim, 'Amal')}>" in reply.content and "Work" in reply.content
    assert f"<@{uid(sim, 'Farid')}>" not in reply.content  # declined consent: not shared


async def test_stats_show_the_funnel_as_aggregates(sim: Simulator) -> None:
    await sim.join("Olle")
    await sim.grant("Olle", "organizer")
    await sim.join("Amal")
    await sim.join("Bertil")
    await walk(sim, "Amal", language="en")
    await pause(sim)
    await sim.press("Bertil", "onb:start")
    step = await sim.slash("Olle", "/welcome stats")
    text = step.last().content
    assert "Joined: 3" in text
    assert "Started the welcome: 2" in text
    assert "Finished: 1" in text
    assert "Amal" not in text and str(uid(sim, "Amal")) not in text


async def test_a_non_organizer_cannot_use_welcome_setup(sim: Simulator) -> None:
    await sim.join("Nils")
    step = await sim.slash("Nils", "/welcome setup areas:Ingenstans")
    assert "Sorry, only" in step.last().content
    assert step.last().visible_to == "Nils"
    assert "Ingenstans" not in await sim.running_bot.services.guild_config.get(
        sim.running_bot.guilds[0].id, "onboarding.areas", [])


async def test_organizers_set_areas_and_welcome_text(sim: Simulator) -> None:
    await sim.join("Olle")
    await sim.grant("Olle", "organizer")
    step = await sim.slash("Olle", '/welcome setup areas:"Norsjö, Bastuträsk" language:en '
                                   'welcome_text:"Hi and welcome, see {channel}"')
    await sim.slash("Olle", '/welcome setup language:de welcome_text:"Herzlich willkommen!"')
    assert "Saved" in step.last().content
    step = await sim.slash("Olle", "/welcome setup language:xx welcome_text:hello")
    assert step.last().visible_to == "Olle" and "language code" in step.last().content
    await sim.join("Amal")
    await sim.advance(timedelta(seconds=10))
    assert "Hi and welcome, see <#" in sim.sent_to("#welcome")[-1].content
    assert "Herzlich willkommen!" in sim.sent_to("#welcome")[-1].content  # German is not greeted by default
    await pause(sim)
    await sim.press("Amal", "onb:start")
    for step_name, value in (("language", "en"), ("consent", "yes"), ("topics", "none")):
        await pause(sim)
        step = await sim.press("Amal", f"onb:step:{uid(sim, 'Amal')}:{step_name}:{value}")
    options = [o["value"] for o in step.last("edit").components[0]["options"]]
    assert options == ["Norsjö", "Bastuträsk", "other"]


async def test_organizers_can_name_their_own_roles_for_languages_and_topics(sim: Simulator) -> None:
    await sim.join("Olle")
    await sim.grant("Olle", "organizer")
    step = await sim.slash("Olle", "/welcome setup role_for:housing role:mentor")
    assert "housing" in step.last().content
    step = await sim.slash("Olle", "/welcome setup role_for:klingon role:mentor")
    assert "help topic" in step.last().content
    await sim.join("Amal")
    await walk(sim, "Amal", language="en", topics=("housing",))
    assert "mentor" in {sim.discord.roles[r].name for r in sim.member("Amal").roles}
    assert "help-housing" not in {sim.discord.roles[r].name for r in sim.member("Amal").roles}


async def test_moving_the_start_channel_posts_the_start_button_there(sim: Simulator) -> None:
    await sim.join("Olle")
    await sim.grant("Olle", "organizer")
    await sim.slash("Olle", "/welcome setup start_channel:general")
    posts = sim.sent_to("#general")
    assert [b["custom_id"] for p in posts for b in p.buttons()] == ["onb:start"]


async def test_organizer_texts_are_cleaned_and_cannot_ping_everyone(sim: Simulator) -> None:
    await sim.join("Olle")
    await sim.grant("Olle", "organizer")
    await sim.slash("Olle", '/welcome setup areas:"Kus\u200bfors, \u202eBöle" language:sv '
                            'welcome_text:"@everyone Hej och välkommen!"')
    assert await sim.running_bot.services.guild_config.get(
        sim.running_bot.guilds[0].id, "onboarding.areas") == ["Kusfors", "Böle"]
    await sim.join("Amal")
    await sim.advance(timedelta(seconds=10))
    greeting = sim.sent_to("#welcome")[-1]
    assert "Hej och välkommen!" in greeting.content
    assert not greeting.pinged_everyone and "Amal" in greeting.mentions


async def test_role_permission_problems_are_told_to_organizers_and_the_flow_finishes(sim: Simulator) -> None:
    sim.discord.inject("PUT", r"/guilds/\d+/members/\d+/roles/\d+", 403, code=50013, times=10)
    await sim.join("Amal")
    step = await walk(sim, "Amal", language="en", topics=("work",))
    assert "All done" in step.last("edit").content
    note = sim.sent_to("#organizers")[-1]
    # In the server's language (Swedish), naming the roles, the place to fix it and the member (unpinged).
    assert "newcomer" in note.content and "help-work" in note.content
    assert "Serverinställningar → Roller" in note.content
    assert f"<@{uid(sim, 'Amal')}>" in note.content and note.mentions == []
    assert sim.member("Amal").roles == []


class FakeMentoring:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    async def request_from_onboarding(self, guild_id, user_id, languages, help_topics, area, consent=None) -> bool:
        assert consent is not None and consent.keep_request and consent.keep_answers  # "Yes, store my answers"
        self.calls.append((guild_id, user_id, languages, help_topics, area))
        return True


class FakeFaq:
    async def entries_for_topics(self, topics, language, limit=5):
        return [LinkItem(title=f"Bostad ({language})", hint=CommandRef(("faq", "search"), (("query", "housing"),)))]


class FakeEvents:
    async def upcoming(self, guild_id, language, limit=3):
        return [LinkItem(title="Språkcafé", hint=CommandRef(("events",)), when=datetime(2026, 12, 3, 17, tzinfo=UTC))]


async def test_mentor_faq_and_events_are_linked_when_installed(sim: Simulator) -> None:
    mentoring = FakeMentoring()
    capabilities = sim.running_bot.services.capabilities
    capabilities.update(mentoring=mentoring, faq=FakeFaq(), events=FakeEvents())
    await sim.join("Amal")
    step = await walk(sim, "Amal", language="en", topics=("housing",), area="Kusfors", mentor=True)
    done = step.last("edit")
    assert "asked for a mentor" in done.content
    assert mentoring.calls == [(sim.running_bot.guilds[0].id, uid(sim, "Amal"), ["en"], ["housing"], "Kusfors")]
    # The FAQ entry is a press that opens it in the member's language (the FAQ's route), not a slug to retype.
    assert "Bostad (en)" in done.text and "faq:open:housing" in [b["custom_id"] for b in done.buttons()]
    assert [b["label"] for b in done.buttons() if b["custom_id"] == "faq:open:housing"] == ["Bostad (en)"]
    assert "Språkcafé" in done.text


async def test_without_mentoring_the_member_is_told_plainly(sim: Simulator) -> None:
    sim.running_bot.services.capabilities.pop("mentoring", None)
    await sim.join("Amal")
    step = await walk(sim, "Amal", language="en", mentor=True)
    assert "no mentor programme" in step.last("edit").content


async def test_a_broken_capability_does_not_break_the_welcome(sim: Simulator) -> None:
    class Broken:
        async def entries_for_topics(self, *args, **kwargs):
            raise RuntimeError("boom")

    sim.running_bot.services.capabilities["faq"] = Broken()
    await sim.join("Amal")
    step = await walk(sim, "Amal", language="en")
    assert "All done" in step.last("edit").content
