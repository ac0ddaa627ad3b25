"""Bad or hostile input through the simulator: a clear, polite answer, nothing changed, nothing spoofed;
long lists are paged instead of cut off."""

from __future__ import annotations

from datetime import timedelta

import yaml

from bot.core.errors import QUOTE_LIMIT
from bot.simulator import Simulator
from tests.cogs.test_onboarding import walk
from tests.helpers import create, faq, organizer, pause

HOSTILE_TITLE = "<@&123456789012345678> [Free money](https://evil.example) ||hidden||"


def shown_raw(text: str) -> bool:
    """Whether the hostile title would render: a role ping, a masked link or a spoiler."""
    return "<@&123456789012345678>" in text or " [Free money](" in text or " ||hidden||" in text


def many_entries(category: str, count: int) -> str:
    entries = [{
        "slug": f"{category}-extra-{n:03d}", "category": category, "source_language": "en",
        "last_checked": "2026-11-27", "texts": {"en": {"question": f"Extra question {n:03d}?", "answer": "Yes."}},
    } for n in range(count)]
    return yaml.safe_dump({"format": "multinations-faq", "version": 1, "entries": entries})


async def test_browse_pages_through_a_large_category_also_from_an_old_message(sim: Simulator) -> None:
    await faq(sim).import_document(many_entries("health", 45), "many.yaml")
    wanted = {e.slug for e in faq(sim).by_category("health")}
    await sim.join("Jonas", locale="en-US")
    step = await sim.slash("Jonas", "/faq browse", options={"category": "health"})
    reply = step.last("interaction_response")
    assert "page 1 of 3" in reply.text
    seen: set[str] = set()
    message = sim.discord.messages[reply.message_id]
    for page in (1, 2, 3):
        select = next(c for row in message.components for c in row["components"] if c.get("options"))
        seen |= {o["value"] for o in select["options"]}
        assert len(select["options"]) <= 25
        if page == 2:
            await sim.restart()  # buttons of old messages keep working
        if page < 3:
            await pause(sim)
            step = await sim.press("Jonas", "Next", message=message)
            assert f"page {page + 1} of 3" in step.last("edit").text
            message = sim.discord.messages[step.last("edit").message_id]
    assert seen == wanted
    # On the last page "Next" is disabled; "Previous" goes back.
    buttons = {b["label"]: b for row in message.components for b in row["components"] if b.get("label")}
    assert buttons["Next"].get("disabled") and not buttons["Previous"].get("disabled")
    await pause(sim)
    step = await sim.press("Jonas", "Previous", message=message)
    assert "page 2 of 3" in step.last("edit").text


async def test_unanswered_questions_are_paged_so_every_one_can_be_read(sim: Simulator) -> None:
    guild = sim.running_bot.services.settings.guild_id
    service = faq(sim)
    for n in range(40):
        await service.add_unanswered(guild, f"Question {n:02d}: " + "Var finns det " * 25, "sv", None, asker=n)
    await sim.join("Bertil")
    await sim.grant("Bertil", "volunteer")
    step = await sim.slash("Bertil", "/faq unanswered")
    reply = step.last("interaction_response")
    texts = [reply.text]
    message = sim.discord.messages[reply.message_id]
    while True:
        buttons = {b["label"]: b for row in message.components for b in row["components"]}
        if buttons["Next"].get("disabled"):
            break
        await pause(sim)
        edit = (await sim.press("Bertil", "Next", message=message)).last("edit")
        texts.append(edit.text)
        message = sim.discord.messages[edit.message_id]
    assert len(texts) > 1 and all(len(text) <= 2000 for text in texts)
    for n in range(40):
        assert sum(f"Question {n:02d}:" in text for text in texts) == 1
    # Only volunteers and translators may page the queue.
    await sim.join("Amal")
    await pause(sim)
    step = await sim.press("Amal", "Previous", message=message)
    assert "Question" not in step.text


async def test_one_member_sends_at_most_five_questions_a_day(sim: Simulator) -> None:
    await sim.join("Amal")
    guild = sim.running_bot.services.settings.guild_id
    for n in range(5):
        step = await sim.slash("Amal", "/faq search", options={"query": f"zzqx nothing {n}"})
        await pause(sim)
        await sim.press("Amal", "Ask the volunteers", message=sim.discord.messages[step.last().message_id])
        step = await sim.submit("Amal", {"question": f"My question number {n}"})
        assert "sent to the volunteers" in step.last().text
        await pause(sim)
    step = await sim.slash("Amal", "/faq search", options={"query": "zzqx nothing more"})
    await pause(sim)
    await sim.press("Amal", "Ask the volunteers", message=sim.discord.messages[step.last().message_id])
    step = await sim.submit("Amal", {"question": "My sixth question"})
    assert "already sent several questions" in step.last().text
    assert len(await faq(sim).unanswered(guild)) == 5
    # A day later they may ask again.
    await sim.advance(timedelta(days=1))
    step = await sim.slash("Amal", "/faq search", options={"query": "zzqx nothing again"})
    await pause(sim)
    await sim.press("Amal", "Ask the volunteers", message=sim.discord.messages[step.last().message_id])
    step = await sim.submit("Amal", {"question": "My sixth question"})
    assert "sent to the volunteers" in step.last().text


async def test_an_answer_shows_the_real_host_of_a_masked_link(sim: Simulator) -> None:
    await faq(sim).edit(None, "personnummer", reason="new link", question="Hur får jag ett personnummer?",
                        answer="Logga in på [Migrationsverket](https://migrationsverket.se.evil.example/login).",
                        aliases=())
    await sim.join("Amal", locale="sv-SE")
    step = await sim.slash("Amal", "/faq search", options={"query": "personnummer"})
    embed = next(a for a in step.actions if a.embeds).embeds[0]
    assert "(migrationsverket.se.evil.example)" in embed["description"]


async def test_an_event_far_in_the_future_is_refused_and_the_calendar_still_works(sim: Simulator) -> None:
    await organizer(sim)
    await sim.join("Amal")
    step = await sim.slash("Bertil", '/event create title:"Language café" date:9999-12-31 time:18:00')
    reply = step.last("interaction_response")
    assert "up to two years ahead" in reply.text and reply.visible_to == "Bertil"
    assert await sim.running_bot.services.db.fetchval("SELECT COUNT(*) FROM events") == 0
    await create(sim, 'title:"Language café" date:2026-12-03 time:18:00')
    await pause(sim)
    for line in ("/event calendar", "/event show event:1"):
        step = await sim.slash("Amal", line)
        assert "incident" not in step.text.lower()
    # Two years ahead is still fine.
    await pause(sim)
    await create(sim, 'title:"Midsommar" date:2028-06-23 time:12:00')


async def test_an_event_has_at_most_five_reminders(sim: Simulator) -> None:
    await organizer(sim)
    offsets = ",".join(f"{n}h" for n in range(1, 300))
    step = await sim.slash("Bertil", f'/event create title:"Language café" date:2026-12-20 time:18:00 '
                                     f'reminders:"{offsets}"')
    assert "at most 5 reminders" in step.last("interaction_response").text
    assert await sim.running_bot.services.db.fetchval("SELECT COUNT(*) FROM events") == 0


async def test_a_lone_surrogate_in_a_title_is_refused_not_an_incident(sim: Simulator) -> None:
    await organizer(sim)
    step = await sim.slash("Bertil", "/event create time:18:00 date:2026-12-20",
                           options={"title": "Caf\ud83d night"})
    reply = step.last("interaction_response")
    assert "cannot read" in reply.text and "incident" not in reply.text.lower()


async def test_a_refusal_does_not_repeat_a_long_input_in_full(sim: Simulator) -> None:
    await organizer(sim)
    junk = "9" * 5000
    step = await sim.slash("Bertil", "/event create title:Café time:18:00", options={"date": junk})
    reply = step.last("interaction_response")
    assert "could not read the date" in reply.text
    assert junk not in reply.text and len(reply.text) < 300
    assert "9" * (QUOTE_LIMIT - 1) in reply.text


async def test_event_titles_are_escaped_in_the_checklist_and_the_mentor_status(sim: Simulator) -> None:
    await organizer(sim)
    await create(sim, f'title:"{HOSTILE_TITLE}" date:2026-12-03 time:18:00')
    await sim.join("Amal", locale="en-US")
    done = await walk(sim, "Amal", language="en", topics=("social",))
    coming = next(f["value"] for a in done.actions for e in a.embeds for f in e.get("fields", [])
                  if f["name"] == "Coming up")
    assert "Free money" in coming and not shown_raw(coming)
    await pause(sim)
    await sim.slash("Amal", '/mentor request languages:"en:3" help:work adult:true')
    await pause(sim)
    step = await sim.slash("Amal", "/mentor status")
    text = step.last().text
    assert "Free money" in text and not shown_raw(text)
    assert not any(a.mentions.get("roles") for a in step.actions if a.mentions)


async def test_an_event_stored_at_the_end_of_the_calendar_breaks_nothing_for_members(sim: Simulator) -> None:
    # Stored before dates were bounded: a weekly event whose next dates would be past the year 9999.
    await organizer(sim)
    await sim.join("Amal")
    await create(sim, 'title:"Language café" date:2026-12-03 time:18:00 repeat:weekly')
    await sim.running_bot.services.db.execute("UPDATE events SET start_local = '9999-12-30T18:00'")
    for line in ("/event calendar", "/event show event:1", "/event list"):
        await pause(sim)
        step = await sim.slash("Amal", line)
        assert "Incident" not in step.text and step.last().visible_to == "Amal"
