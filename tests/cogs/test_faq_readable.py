"""FAQ answers that stay readable and lead somewhere, as Arabic, Tigrinya and Somali speakers see them
through the simulator: a stale translation instead of the editor's Swedish, other answers and checklist
entries as buttons that open in the member's language, one checklist answer per chosen topic, searches
that used to fail, "did you mean" for a lone letter, and old buttons that still work."""

from __future__ import annotations

from bot.core.conversation import Action, Button, Message, UserRef
from bot.edge.conversation import DiscordConversation
from bot.simulator import Simulator
from bot.simulator.harness import Step
from tests.cogs.test_faq import answer_action, answer_of, ask, speak
from tests.cogs.test_onboarding import walk
from tests.helpers import faq, pause, untranslated


def seen(step: Step) -> str:
    """Everything a member reads in a step: text, cards and the labels of buttons and menus."""
    parts = []
    for action in step.actions:
        parts.append(action.text)
        for component in action.components:
            parts.append(component.get("label") or "")
            parts += [option.get("label", "") for option in component.get("options", [])]
    return "\n".join(parts)


async def test_an_arabic_reader_keeps_arabic_with_a_notice_after_a_small_swedish_edit(sim: Simulator) -> None:
    await sim.join("Amal")
    await speak(sim, "Amal", "ar")
    service = faq(sim)
    entry = service.get("bankid")
    await service.edit(None, "bankid", reason="a comma", question=entry.source.question,
                       answer=entry.source.answer + " ", aliases=entry.source.aliases)
    await service.edit(None, "bankid", reason="one more word", question=entry.source.question,
                       answer=entry.source.answer + " Fråga banken.", aliases=entry.source.aliases)
    assert service.get("bankid").status("ar").value == "stale"
    notice, embed = answer_of(await ask(sim, "Amal", "bankid"))
    assert embed["title"] == "\u200f" + entry.texts["ar"].question  # still Arabic, laid out right to left
    assert "تغيّرت هذه الإجابة مؤخراً" in notice and "العربية" in notice  # told, in Arabic, it may be out of date
    assert "Hur får jag BankID?" not in embed["title"]


async def test_a_tigrinya_reader_without_a_translation_gets_english_not_the_editors_swedish(sim: Simulator) -> None:
    await untranslated(faq(sim), sim.running_bot.services.db, "bankid", "ti")
    await sim.join("Tesfay")
    await speak(sim, "Tesfay", "ti")
    entry = faq(sim).get("bankid")
    await faq(sim).edit(None, "bankid", reason="r", question=entry.source.question,
                        answer=entry.source.answer + " Fråga banken.", aliases=())
    notice, embed = answer_of(await ask(sim, "Tesfay", "bankid"))
    assert embed["title"] == entry.texts["en"].question
    assert notice.startswith("እዚ መልሲ ገና ብ") and "English" in notice and "ዘይተሓደሰ" in notice


async def test_a_somali_member_opens_another_answer_and_a_checklist_entry_with_one_press(sim: Simulator) -> None:
    await sim.join("Hodan")
    await speak(sim, "Hodan", "so")
    step = await ask(sim, "Hodan", "bank")
    reply = answer_action(step)
    others = {b["custom_id"]: b["label"] for b in reply.buttons() if b["custom_id"].startswith("faq:open:")}
    assert others and all(":" not in slug for slug in (c.removeprefix("faq:open:") for c in others))
    custom_id, label = next(iter(others.items()))
    entry = faq(sim).get(custom_id.removeprefix("faq:open:"))
    assert label == entry.texts["so"].question[:80]  # named in Somali, nothing to retype
    await pause(sim)
    step = await sim.press("Hodan", custom_id, message=sim.discord.messages[reply.message_id])
    _notice, embed = answer_of(step)
    assert embed["title"] == entry.texts["so"].question and answer_action(step).visible_to == "Hodan"

    # The onboarding checklist names its answers with the same control (`faq:open:<slug>`).
    await DiscordConversation(sim.running_bot).direct(
        UserRef.of(sim.member("Hodan").id), Message.of("Answers that may help", Button(Action("faq", "open", ("sfi",)),
                                                                                     "SFI")))
    checklist = sim.sent_to("dm:Hodan")[-1]
    await pause(sim)
    step = await sim.press("Hodan", "faq:open:sfi", message=sim.discord.messages[checklist.message_id])
    _notice, embed = answer_of(step)
    assert embed["title"] == faq(sim).get("sfi").texts["so"].question
    assert answer_action(step).visible_to == "Hodan" and answer_action(step).kind == "interaction_response"


async def test_the_checklist_gives_one_answer_per_chosen_topic_first(sim: Simulator) -> None:
    await sim.join("Hodan")
    topics = ("swedish", "housing", "work", "healthcare")
    step = await walk(sim, "Hodan", language="so", topics=topics)
    shown = seen(step)
    service = faq(sim)
    first = {"swedish": "sfi", "housing": "housing", "work": "introduction-programme",
             "healthcare": "healthcare"}
    for slug in first.values():
        assert service.title(service.get(slug), "so") in shown
    items = await service.entries_for_topics(list(topics), "so", limit=5)
    assert {item.action.args[0] for item in items[:4]} == set(first.values())


async def test_searches_that_used_to_fail_in_tigrinya_somali_and_arabic(sim: Simulator) -> None:
    await sim.join("Tesfay")
    await speak(sim, "Tesfay", "ti")
    _notice, embed = answer_of(await ask(sim, "Tesfay", "ፐርሶን ኑመር ከመይ ይርከብ"))
    assert embed["title"] == faq(sim).get("personnummer").texts["ti"].question
    await sim.join("Hodan")
    await speak(sim, "Hodan", "so")
    _notice, embed = answer_of(await ask(sim, "Hodan", "sidee baan ku helaa personnumer"))
    assert embed["title"] == faq(sim).get("personnummer").texts["so"].question
    _notice, embed = answer_of(await ask(sim, "Hodan", "laysinka baabuurka"))
    assert embed["title"] == faq(sim).get("driving-licence").texts["so"].question
    await sim.join("Amal")
    await speak(sim, "Amal", "ar")
    _notice, embed = answer_of(await ask(sim, "Amal", "ابحث عن شقه للايجار"))
    assert embed["title"] == "\u200f" + faq(sim).get("housing").texts["ar"].question


async def test_a_lone_letter_gets_did_you_mean_in_arabic_not_an_answer(sim: Simulator) -> None:
    await sim.join("Amal")
    await speak(sim, "Amal", "ar")
    step = await ask(sim, "Amal", "a")
    reply = step.last("interaction_response")
    assert not reply.embeds and reply.visible_to == "Amal"
    assert reply.content.startswith("لست متأكداً مما تبحث عنه")
    buttons = [b["custom_id"] for b in reply.buttons()]
    assert any(b.startswith("faq:open:") for b in buttons) and "faq:help:0:no" in buttons
    await pause(sim)
    step = await sim.press("Amal", next(b for b in buttons if b.startswith("faq:open:")),
                           message=sim.discord.messages[reply.message_id])
    assert answer_of(step)[1]["title"].startswith("\u200f")  # the chosen answer, in Arabic


async def test_old_buttons_and_menus_of_the_faq_still_work(sim: Simulator) -> None:
    await sim.join("Hodan")
    await speak(sim, "Hodan", "so")
    step = await ask(sim, "Hodan", "bankid")
    message = sim.discord.messages[answer_action(step).message_id]
    entry = faq(sim).get("bankid")
    # "No, I need more help" of an older version carried the search: the form opens prefilled with it.
    old = f"faq:help:{entry.id}:no:fiske licens"
    message.components[0]["components"][1]["custom_id"] = old
    await pause(sim)
    step = await sim.press("Hodan", old, message=message)
    assert step.last("modal").visible_to == "Hodan"
    form = sim.discord.open_modals[sim.member("Hodan").id]
    values = [c.get("value") for row in form["components"] for c in row.get("components", [row.get("component")])
              if c and c.get("custom_id") == "question"]
    assert values == ["fiske licens"]
    await sim.submit("Hodan", {})
    assert [q.question for q in await faq(sim).unanswered(sim.running_bot.services.settings.guild_id)] == [
        "fiske licens"]
    # The menu of an older /faq browse was called after its topic (faq:open:<category>).
    await pause(sim)
    step = await sim.slash("Hodan", "/faq browse", options={"category": "health"})
    listing = sim.discord.messages[step.last("interaction_response").message_id]
    listing.components[0]["components"][0]["custom_id"] = "faq:open:health"
    await pause(sim)
    step = await sim.pick("Hodan", ["emergency"], message=listing)
    assert answer_of(step)[1]["title"] == faq(sim).get("emergency").texts["so"].question
    # The language menu and a page button of older messages.
    await pause(sim)
    step = await sim.pick("Hodan", ["sv"], message=message)
    assert step.last("edit").embeds[0]["title"] == "Hur får jag BankID?"
    await pause(sim)
    page = "faq:page:browse:health:0:next"
    listing.components.append({"type": 1, "components": [{"type": 2, "style": 2, "label": "Next", "custom_id": page}]})
    step = await sim.press("Hodan", page, message=listing)
    assert step.last("edit").visible_to == "Hodan" and faq(sim).get("healthcare").texts["so"].question in seen(step)


async def test_commands_named_in_answers_are_written_as_the_members_platform_writes_them(sim: Simulator) -> None:
    await sim.join("Amal")
    await speak(sim, "Amal", "ar")
    await sim.grant("Amal", "volunteer")
    step = await sim.slash("Amal", "/faq remove", options={"entry": "winter-life", "reason": "قديم"})
    reply = step.last("interaction_response")
    assert reply.content.startswith("تمت إزالة") and "/faq rollback" in reply.content  # a command reference
    await pause(sim)
    await sim.slash("Amal", "/faq add", options={"slug": "fishing", "category": "community"})
    step = await sim.submit("Amal", {"question": "Var köper jag fiskekort?", "answer": "På turistbyrån."})
    assert "/faq translate" in step.last("interaction_response").content
