"""The one writer of the place registry: the organizers' setup chooses every place a feature uses."""

from __future__ import annotations

from datetime import timedelta

from bot.core import places
from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID
from tests.helpers import create, faq, organizer, posts

EVERY_PLACE = ('/welcome setup welcome_channel:general start_channel:start-here volunteers_channel:volunteers '
               'organizers_channel:coordinators announcements_channel:events coordinators_channel:organizers '
               'pairs_channel:events translators_channel:general')


async def test_the_setup_chooses_every_place_and_shows_them(sim: Simulator) -> None:
    await organizer(sim, "Olle")
    step = await sim.slash("Olle", EVERY_PLACE)
    reply = step.last("interaction_response")
    assert reply.visible_to == "Olle"
    expected = {places.WELCOME: "general", places.START: "start-here", places.VOLUNTEERS: "volunteers",
                places.ORGANIZERS: "coordinators", places.ANNOUNCEMENTS: "events", places.COORDINATORS: "organizers",
                places.PAIRS: "events", places.TRANSLATORS: "general"}
    registry = sim.running_bot.services.places
    for place, name in expected.items():
        assert await registry.chosen(GUILD_ID, place) == str(sim.discord.channel_named(name).id), place.name
    # Every place is listed in the answer, each with the channel chosen for it.
    assert len([line for line in reply.text.splitlines() if line.startswith("•")]) >= len(places.PLACES)
    assert f"<#{sim.discord.channel_named('coordinators').id}>" in reply.text


async def test_event_notes_go_to_the_channels_chosen_in_the_setup(sim: Simulator) -> None:
    await organizer(sim)
    await sim.slash("Bertil", "/welcome setup organizers_channel:volunteers announcements_channel:events")
    await create(sim, 'title:"Job fair" date:2026-12-03 time:10:00')
    sim.discord.channel_named("events").bot_can_send = False
    await sim.advance(timedelta(days=2))
    assert posts(sim, "#events") == [] and posts(sim) == []
    # The note that the bot may not post goes to the organizers' channel chosen in the setup.
    [note] = posts(sim, "#volunteers")
    assert "Job fair" in note.text
    assert posts(sim, "#organizers") == []
    sim.discord.channel_named("events").bot_can_send = True
    await sim.press("Bertil", note.buttons()[0]["label"], message=sim.discord.messages[note.message_id])
    await sim.advance(timedelta(minutes=1))
    [post] = posts(sim, "#events")
    assert "Job fair" in post.text and posts(sim) == []


async def test_faq_notices_go_to_the_translators_channel_chosen_in_the_setup(sim: Simulator) -> None:
    await organizer(sim, "Olle")
    await sim.slash("Olle", "/welcome setup translators_channel:coordinators")
    entry = faq(sim).get("sfi")
    await faq(sim).edit(None, "sfi", reason="r", question=entry.source.question, answer="Ny text.", aliases=(),
                        guild_id=GUILD_ID)
    await sim.advance(timedelta(minutes=1))
    told = sim.sent_to("#coordinators")
    assert told and "sfi" in told[-1].content
    assert not sim.sent_to("#translators")
