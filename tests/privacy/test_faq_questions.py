"""Questions sent to the volunteers: the asker can export and delete them, volunteers can redact one."""

from __future__ import annotations

from bot.simulator import Simulator
from tests.cogs.test_faq import answer_action, ask
from tests.helpers import faq, pause

PHONE = "My number is 070-123 45 67, where can I buy a fishing licence?"


async def send_question(sim: Simulator, who: str, text: str) -> None:
    step = await ask(sim, who, "fiske licens")
    await pause(sim)
    reply = answer_action(step) if any(a.embeds for a in step.actions) else step.last()
    no_button = next(b for b in reply.buttons() if ":no" in b["custom_id"])
    await sim.press(who, no_button["custom_id"], message=sim.discord.messages[reply.message_id])
    await sim.submit(who, {"question": text})
    await pause(sim)


async def test_a_member_exports_and_deletes_the_questions_they_sent(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Dawit")
    await sim.join("Bertil")
    await sim.grant("Bertil", "volunteer")
    await send_question(sim, "Amal", PHONE)
    await send_question(sim, "Dawit", "Is there a sauna in Norsjö?")
    privacy = sim.running_bot.services.privacy
    amal = sim.member("Amal").id
    [mine] = (await privacy.export(amal))["faq"]["questions_sent_to_volunteers"]
    assert mine["question"] == PHONE
    step = await sim.slash("Bertil", "/faq unanswered")
    assert str(amal) not in step.last().text  # the volunteers still never see who asked

    step = await sim.slash("Amal", "/privacy delete")
    await sim.press("Amal", step.last().buttons()[0]["custom_id"])
    db = sim.running_bot.services.db
    assert await db.fetchval("SELECT COUNT(*) FROM faq_unanswered WHERE question LIKE '%070-123%'") == 0
    assert [q.question for q in await faq(sim).unanswered(sim.running_bot.services.settings.guild_id)] == [
        "Is there a sauna in Norsjö?"]  # someone else's question stays


async def test_a_volunteer_removes_the_text_of_a_question_with_personal_details(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Bertil")
    await sim.join("Cora")
    await sim.grant("Bertil", "volunteer")
    await send_question(sim, "Amal", PHONE)
    guild = sim.running_bot.services.settings.guild_id
    [item] = await faq(sim).unanswered(guild)
    step = await sim.slash("Cora", "/faq unanswered", options={"redact": str(item.id)})
    assert step.last().visible_to == "Cora" and "070-123" in (await faq(sim).unanswered(guild))[0].question
    step = await sim.slash("Bertil", "/faq unanswered", options={"redact": str(item.id)})
    assert f"question {item.id} is removed" in step.last().text
    db = sim.running_bot.services.db
    assert await db.fetchval("SELECT COUNT(*) FROM faq_unanswered WHERE question LIKE '%070-123%'") == 0
    step = await sim.slash("Bertil", "/faq unanswered")
    assert "070-123" not in step.last().text and "text removed by a volunteer" in step.last().text
    step = await sim.slash("Bertil", "/faq unanswered", options={"redact": "999"})
    assert "no question number 999" in step.last().text
