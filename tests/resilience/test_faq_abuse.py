"""FAQ: every text a member can type, tried with abuse and bad input.

Searches (autocomplete and /faq search), the question form of "No, I need more help", the texts of
/faq add and /faq edit (question, answer, search words, reason) and of the translation form. Nothing
pings anyone, member text shown to others is escaped, over-long input gets a translated message
with the limit, hidden and bidi characters never reach the database, and nothing is stored half-way.
"""

from __future__ import annotations

from datetime import timedelta

from bot.features.faq.models import ANSWER_LIMIT, QUESTION_LIMIT
from bot.features.faq.service import REASON_LIMIT, SEARCH_LIMIT, UNANSWERED_LIMIT
from bot.simulator import Simulator
from bot.simulator.harness import Step
from tests.helpers import faq, pause

LONG = "x" * 10_000
HIDDEN = ("\u202e", "\u200b", "\u2066", "\ufeff")


def nasty(sim: Simulator) -> list[str]:
    """Texts that try to ping, break the layout, hide or reorder text, or are empty or huge."""
    role = sim.discord.role_named("volunteer").id
    user = sim.member("Bertil").id
    return [
        "@everyone look", "@here look", f"<@&{role}> look", f"<@{user}> look",
        "**bold** __under__ ~~gone~~ > quote", "```\ncode fence\n```", "https://example.org/phish and [x](https://a.b)",
        "safe \u202egnp.exe", "zero\u200bwidth\ufeff text", "😀🎉🇸🇪", "Hej مرحبا Привіт नमस्ते ሰላም",
    ]


def assert_no_pings(steps: list[Step] | Step) -> None:
    for step in steps if isinstance(steps, list) else [steps]:
        for action in step.actions:
            assert action.mentions == [] and not action.pinged_everyone, action


async def people(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Bertil")
    await sim.grant("Bertil", "volunteer")
    await sim.join("Tesfay")
    await sim.grant("Tesfay", "translator")


async def test_searches_with_abuse_ping_nobody_and_too_long_ones_say_the_limit(sim: Simulator) -> None:
    await people(sim)
    for text in [*nasty(sim), "", "   "]:
        choices = await sim.autocomplete("Amal", "/faq search", "query", text)
        assert len(choices) <= 25 and all(len(c["name"]) <= 100 for c in choices)
        await pause(sim)
        step = await sim.slash("Amal", "/faq search", options={"query": text})
        assert_no_pings(step)
        for action in step.actions:
            for button in action.buttons():
                custom_id = button.get("custom_id", "")
                assert len(custom_id) <= 100 and not any(c in custom_id for c in HIDDEN)
        if not text.strip():
            assert "Please write something" in step.text
    assert len(await sim.autocomplete("Amal", "/faq search", "query", LONG)) <= 25
    await pause(sim)
    step = await sim.slash("Amal", "/faq search", options={"query": LONG})
    reply = step.last()
    assert reply.visible_to == "Amal" and f"at most {SEARCH_LIMIT} characters" in reply.text


async def _ask_the_volunteers(sim: Simulator, text: str, who: str = "Amal") -> Step:
    await pause(sim)
    step = await sim.slash(who, "/faq search", options={"query": "bankid"})
    reply = next(a for a in step.actions if a.embeds)
    no_button = next(b for b in reply.buttons() if ":no" in b["custom_id"])
    await pause(sim)
    await sim.press(who, no_button["custom_id"], message=sim.discord.messages[reply.message_id])
    return await sim.submit(who, {"question": text})


async def test_questions_for_the_volunteers_are_cleaned_and_shown_escaped(sim: Simulator) -> None:
    await people(sim)
    guild = sim.running_bot.services.settings.guild_id
    texts = nasty(sim)
    # Several members ask (one member may send five questions a day).
    askers = ["Amal", "Hodan", "Oksana"]
    await sim.join("Hodan")
    await sim.join("Oksana")
    for number, text in enumerate(texts):
        assert_no_pings(await _ask_the_volunteers(sim, text, askers[number // 5]))
    stored = [item.question for item in await faq(sim).unanswered(guild, limit=50)]
    assert len(stored) == len(texts)
    assert not any(c in q for q in stored for c in HIDDEN)
    assert "safe gnp.exe" in stored and "zerowidth text" in stored
    # Empty, blank and huge questions are refused politely and store nothing.
    for text, expected in (("", "Please write something"), ("  \n ", "Please write something"),
                           (LONG, f"at most {UNANSWERED_LIMIT} characters")):
        step = await _ask_the_volunteers(sim, text)
        assert expected in step.last().text and step.last().visible_to == "Amal"
    assert len(await faq(sim).unanswered(guild, limit=50)) == len(texts)
    # The volunteers see the questions with markdown and mentions neutralised.
    await pause(sim)
    step = await sim.slash("Bertil", "/faq unanswered")
    assert_no_pings(step)
    shown = step.last().content
    assert "@everyone" not in shown and "@here" not in shown
    assert f"<@{sim.member('Bertil').id}>" not in shown and "<@&" not in shown
    assert "**bold**" not in shown and "```" not in shown
    assert "Amal" not in shown


async def test_entry_texts_from_volunteers_are_cleaned_limited_and_ping_nobody(sim: Simulator) -> None:
    await people(sim)
    service = faq(sim)
    # /faq add with abuse in every field: stored cleaned; shown to members without pings.
    await sim.slash("Bertil", "/faq add", options={"slug": "abuse-test", "category": "community",
                                                    "source_language": "en"})
    role = sim.discord.role_named("volunteer").id
    step = await sim.submit("Bertil", {"question": "@everyone safe \u202eexe?", "answer": f"Hi <@&{role}> **x**\u200b",
                                       "aliases": "a\u200bb\n\u202eword\n😀", "sources": ""})
    assert_no_pings(step)
    entry = service.get("abuse-test")
    assert entry.source.question == "@everyone safe exe?"
    assert entry.source.answer == f"Hi <@&{role}> **x**"
    assert entry.source.aliases == ("ab", "word", "😀")
    await pause(sim)
    step = await sim.slash("Amal", "/faq search", options={"query": "abuse-test"})
    assert_no_pings(step)
    answer = next(a for a in step.actions if a.embeds).embeds[0]
    assert "@everyone" not in answer["title"] and f"<@&{role}>" not in answer["description"]

    # Too long or empty fields: a translated message naming the field and the limit; nothing stored.
    before = {e.slug: e.content() for e in service.all_entries()}
    for values, expected in (
        ({"question": LONG, "answer": "ok"}, f"at most {QUESTION_LIMIT} characters"),
        ({"question": "ok?", "answer": LONG}, f"at most {ANSWER_LIMIT} characters"),
        ({"question": "   ", "answer": "ok"}, "Please write something in the question"),
        ({"question": "ok?", "answer": "\u200b\u202e"}, "Please write something in the answer"),
        ({"question": "ok?", "answer": "ok", "aliases": "y" * 600}, "the search words"),
    ):
        await pause(sim)
        await sim.slash("Bertil", "/faq add", options={"slug": "too-long", "category": "community"})
        step = await sim.submit("Bertil", {"aliases": "", "sources": "", **values})
        assert expected in step.last().text, (values, step.last().text)
        assert step.last().visible_to == "Bertil"
    assert {e.slug: e.content() for e in service.all_entries()} == before

    # /faq edit: the reason is cleaned and limited; in /faq history it is shown escaped.
    for reason, expected in ((LONG, f"at most {REASON_LIMIT} characters"), ("  ", "short reason")):
        await pause(sim)
        step = await sim.slash("Bertil", "/faq edit", options={"entry": "sfi", "reason": reason})
        assert expected in step.last().text and not step.of("modal")
    await pause(sim)
    await sim.slash("Bertil", "/faq edit", options={"entry": "sfi", "reason": "@here **why**\u202e"})
    old = service.get("sfi").source
    step = await sim.submit("Bertil", {"question": old.question, "answer": old.answer + " <@&2> @everyone",
                                       "aliases": "\n".join(old.aliases), "sources": ""})
    assert_no_pings(step)
    await sim.advance(timedelta(minutes=1))
    assert_no_pings(Step(sim.sent_to("#translators")))
    await pause(sim)
    step = await sim.slash("Bertil", "/faq history", options={"entry": "sfi"})
    assert_no_pings(step)
    shown = step.last().content
    assert "@here" not in shown and "**why**" not in shown and "\u202e" not in shown
    history = await service.history("sfi")
    assert history[0].reason == "@here **why**"


async def test_translation_texts_are_cleaned_and_a_too_long_one_stores_nothing(sim: Simulator) -> None:
    await people(sim)
    service = faq(sim)
    entry = service.get("bankid")
    custom_id = f"faq:write:{entry.id}:ti"
    await sim.slash("Tesfay", "/faq translate", options={"entry": "bankid", "language": "ti"})
    for values, expected in (
        ({"question": LONG, "answer": "ok"}, f"at most {QUESTION_LIMIT} characters"),
        ({"question": "ok?", "answer": ""}, "Please write something in the answer"),
        ({"question": "ok?", "answer": "ok", "reason": LONG}, f"at most {REASON_LIMIT} characters"),
    ):
        await pause(sim)
        await sim.press("Tesfay", custom_id)
        step = await sim.submit("Tesfay", {"aliases": "", "reason": "", **values})
        assert expected in step.last().text
    assert service.get("bankid").content() == entry.content()
    await pause(sim)
    await sim.press("Tesfay", custom_id)
    step = await sim.submit("Tesfay", {"question": "ባንክ ኣይዲ\u202e?", "answer": "@everyone ብባንክኻ። ```",
                                       "aliases": "\u200bባንክ", "reason": "<@&3> first\u200b version"})
    assert_no_pings(step)
    text = service.get("bankid").texts["ti"]
    assert (text.question, text.answer) == ("ባንክ ኣይዲ?", "@everyone ብባንክኻ። ```")
    assert "ባንክ" in text.aliases
    assert (await service.history("bankid"))[0].reason == "<@&3> first version"


async def test_source_links_with_hidden_characters_are_refused(sim: Simulator) -> None:
    await people(sim)
    before = faq(sim).get("sfi").content()
    await sim.slash("Bertil", "/faq edit", options={"entry": "sfi", "reason": "links"})
    old = faq(sim).get("sfi").source
    step = await sim.submit("Bertil", {"question": old.question, "answer": old.answer, "aliases": "",
                                       "sources": "https://evil.example/\u202egpj.exe"})
    assert "Source links must start with https://" in step.last().text
    assert faq(sim).get("sfi").content() == before


async def test_a_question_sent_from_direct_messages_reaches_the_volunteers(sim: Simulator) -> None:
    await people(sim)
    step = await sim.slash("Amal", "/faq search", options={"query": "bankid"}, channel="dm")
    reply = next(a for a in step.actions if a.embeds)
    no_button = next(b for b in reply.buttons() if ":no" in b["custom_id"])
    await pause(sim)
    await sim.press("Amal", no_button["custom_id"], message=sim.discord.messages[reply.message_id])
    await sim.submit("Amal", {"question": "@everyone where is the bank?"}, channel="dm")
    await pause(sim)
    step = await sim.slash("Bertil", "/faq unanswered")
    assert "where is the bank?" in step.last().text and "@everyone" not in step.last().text
    assert_no_pings(step)


async def test_titles_listed_in_messages_are_escaped(sim: Simulator) -> None:
    await people(sim)
    role = sim.discord.role_named("volunteer").id
    await faq(sim).create(None, slug="odd-title", category="community", source_language="en",
                          question=f"@everyone <@&{role}> **Where** to fish?", answer="At the lake.")
    await pause(sim)
    step = await sim.slash("Amal", "/faq browse", options={"category": "community"})
    assert_no_pings(step)
    listed = step.last().content
    assert "@everyone" not in listed and f"<@&{role}>" not in listed and "**Where**" not in listed
    await pause(sim)
    step = await sim.slash("Amal", "/faq search", options={"query": "fish"})
    assert_no_pings(step)
    assert all("@everyone" not in a.content for a in step.actions)
