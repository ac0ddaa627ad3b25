"""The translated FAQ through the simulator: search, fallback, editing, translation work and privacy."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.conversation import CommandRef
from bot.features.faq.transfer import ImportProblem, export_po
from bot.simulator import Simulator
from bot.simulator.discord_side import Action
from bot.simulator.harness import Step
from tests.helpers import faq, pause, untranslated


async def speak(sim: Simulator, name: str, language: str) -> None:
    await sim.running_bot.services.prefs.set_language(sim.member(name).id, language)


async def ask(sim: Simulator, name: str, query: str) -> Step:
    await pause(sim)
    return await sim.slash(name, "/faq search", options={"query": query})


def answer_action(step: Step) -> Action:
    """The message that carries the answer."""
    for action in step.actions:
        if action.embeds:
            return action
    raise AssertionError(f"no answer in {[a.kind for a in step.actions]}")


def answer_of(step: Step) -> tuple[str, dict]:
    """The notice line and the answer embed of a search."""
    action = answer_action(step)
    return action.content, action.embeds[0]


async def test_autocomplete_finds_entries_across_languages_and_typos(sim: Simulator) -> None:
    await untranslated(faq(sim), sim.running_bot.services.db, "coordination-number", "ar")
    await sim.join("Amal")
    await speak(sim, "Amal", "ar")
    # Arabic with a misspelt alef finds the entry that has an Arabic text; the suggestion is in Arabic.
    choices = await sim.autocomplete("Amal", "/faq search", "query", "الطبيب")
    assert choices[0]["value"] == "healthcare"
    assert choices[0]["name"] == "إلى أين أتوجه إذا مرضت؟"
    # An entry with no Arabic text is found through its Arabic aliases, named in the best fallback.
    choices = await sim.autocomplete("Amal", "/faq search", "query", "رقم التنسيق")
    assert choices[0]["value"] == "coordination-number"
    assert choices[0]["name"] == "What is a coordination number (samordningsnummer)?"
    # Typos, and Swedish å/ä/ö written as a/o.
    assert (await sim.autocomplete("Amal", "/faq search", "query", "personummer"))[0]["value"] == "personnummer"
    assert (await sim.autocomplete("Amal", "/faq search", "query", "vinterdack"))[0]["value"] == "winter-tyres"
    # Persian letter variants (keheh, Persian yeh) and Ukrainian.
    persian = await sim.autocomplete("Amal", "/faq search", "query", "گواهینامه رانندگی")
    assert persian[0]["value"] == "driving-licence"
    assert (await sim.autocomplete("Amal", "/faq search", "query", "зимові шини"))[0]["value"] == "winter-tyres"


async def test_autocomplete_respects_discord_limits(sim: Simulator) -> None:
    await sim.join("Oksana", locale="uk")
    choices = await sim.autocomplete("Oksana", "/faq search", "query", "")
    assert 0 < len(choices) <= 25
    assert all(len(c["name"]) <= 100 for c in choices)
    choices = await sim.autocomplete("Oksana", "/faq search", "query", "a")
    assert len(choices) <= 25


async def test_answer_in_own_language_with_source_and_last_checked(sim: Simulator) -> None:
    await sim.join("Amal")
    await speak(sim, "Amal", "ar")
    step = await ask(sim, "Amal", "bankid")
    # Not busy: the answer itself is the first response, one request.
    assert step.actions[0].kind == "interaction_response" and step.actions[0].embeds
    _notice, embed = answer_of(step)
    assert "BankID" in embed["title"] and embed["title"].startswith("\u200f")
    assert "https://www.skatteverket.se" in embed["fields"][0]["value"]
    assert embed["footer"]["text"]
    reply = answer_action(step)
    assert reply.visible_to == "Amal"
    helped = [b["custom_id"] for b in reply.buttons() if b["custom_id"].startswith("faq:help:")]
    assert len(helped) == 2


async def test_missing_translation_falls_back_with_a_notice_and_a_language_picker(sim: Simulator) -> None:
    await untranslated(faq(sim), sim.running_bot.services.db, "bankid", "so")
    await sim.join("Hodan")
    await speak(sim, "Hodan", "so")
    step = await ask(sim, "Hodan", "bankid")
    notice, embed = answer_of(step)
    assert embed["title"] == "How do I get BankID?"
    assert notice and "Soomaali" in notice and "English" in notice
    reply = answer_action(step)
    picker = next(c for c in reply.components if c["kind"] == "select")
    assert {"sv", "en", "ar", "uk"} <= {o["value"] for o in picker["options"]}
    message = sim.discord.messages[reply.message_id]
    await pause(sim)
    step = await sim.pick("Hodan", ["sv"], message=message)
    assert step.last("edit").embeds[0]["title"] == "Hur får jag BankID?"


async def test_edit_makes_translations_stale_and_tells_the_translators(sim: Simulator) -> None:
    await sim.join("Bertil")
    await sim.grant("Bertil", "volunteer")
    await sim.join("Oksana", locale="uk")
    step = await ask(sim, "Oksana", "SFI")
    _notice, embed = answer_of(step)
    assert embed["title"].startswith("Як почати")

    await pause(sim)
    step = await sim.slash("Bertil", "/faq edit", options={"entry": "sfi", "reason": "New application form"})
    assert step.last("modal").visible_to == "Bertil"
    old = faq(sim).get("sfi").source
    step = await sim.submit("Bertil", {"question": old.question, "answer": old.answer + " Ansök senast 1 maj.",
                                       "aliases": "\n".join(old.aliases), "sources": "https://www.norsjo.se"})
    assert "Українська" in step.last("interaction_response").text
    await sim.advance(timedelta(minutes=1))
    told = sim.sent_to("#translators")
    assert told and "sfi" in told[-1].content and "Українська" in told[-1].content

    # She still reads it in Ukrainian, told that it may miss the latest change (never in the editor's Swedish).
    step = await ask(sim, "Oksana", "SFI")
    notice, embed = answer_of(step)
    assert embed["title"].startswith("Як почати")
    assert notice and "Українська" in notice
    assert "sfi" in faq(sim).todo("uk").stale["uk"]


async def test_rollback_restores_the_old_text_and_history_tells_who(sim: Simulator) -> None:
    await sim.join("Bertil")
    await sim.grant("Bertil", "volunteer")
    service = faq(sim)
    bertil = sim.member("Bertil").id
    original = service.get("winter-tyres").source.answer
    await service.edit(bertil, "winter-tyres", reason="oops", question="När måste jag ha vinterdäck?",
                       answer="Fel text.", aliases=())
    await pause(sim)
    step = await sim.slash("Bertil", "/faq history", options={"entry": "winter-tyres"})
    text = step.last().text
    assert f"<@{bertil}>" in text and "oops" in text
    await pause(sim)
    step = await sim.slash("Bertil", "/faq rollback", options={"entry": "winter-tyres", "revision": "1",
                                                                "reason": "wrong text"})
    assert step.last().visible_to == "Bertil"
    assert service.get("winter-tyres").source.answer == original
    # The translations made for revision 1 are current again.
    assert "winter-tyres" not in service.todo("en").stale.get("en", [])
    await sim.join("Sven", locale="sv-SE")
    _notice, embed = answer_of(await ask(sim, "Sven", "vinterdäck"))
    assert embed["description"] == original


async def test_member_without_the_role_cannot_edit(sim: Simulator) -> None:
    await sim.join("Amal")
    before = faq(sim).get("sfi")
    step = await sim.slash("Amal", "/faq edit", options={"entry": "sfi", "reason": "mine"})
    reply = step.last("interaction_response")
    assert reply.visible_to == "Amal"
    assert "volunteers" in reply.content and "translators" in reply.content
    assert not step.of("modal")
    assert faq(sim).get("sfi") == before


async def test_a_replayed_translation_button_is_refused_without_the_role(sim: Simulator) -> None:
    await sim.join("Tesfay")
    await sim.grant("Tesfay", "translator")
    await sim.join("Amal")
    step = await sim.slash("Tesfay", "/faq translate", options={"entry": "bankid", "language": "ti"})
    reply = step.last("interaction_response")
    assert "Hur får jag BankID?" in reply.text  # the source text, for reference
    custom_id = reply.buttons()[0]["custom_id"]
    message = sim.discord.messages[reply.message_id]
    step = await sim.press("Amal", custom_id, message=message)
    assert not step.of("modal")
    await pause(sim)
    step = await sim.press("Tesfay", custom_id, message=message)
    assert step.last("modal").visible_to == "Tesfay"
    await sim.submit("Tesfay", {"question": "ባንክ ኣይዲ ብኸመይ ይርከብ?", "answer": "ብባንክኻ።", "aliases": ""})
    assert faq(sim).get("bankid").status("ti").value == "current"


async def test_po_round_trip_through_export_and_import(sim: Simulator) -> None:
    await untranslated(faq(sim), sim.running_bot.services.db, "id-card", "uk")
    service = faq(sim)
    exported = export_po(service.all_entries(), "uk")
    before = {e.slug: e.content() for e in service.all_entries()}
    assert await service.import_po(exported, "uk.po", "uk") == 0
    assert {e.slug: e.content() for e in service.all_entries()} == before

    # A translator fills in a missing Ukrainian text in Poedit and imports it.
    question = 'msgctxt "id-card|question"\nmsgid "Hur får jag en svensk id-handling?"\nmsgstr '
    assert question + '""' in exported
    edited = exported.replace(question + '""', question + '"Як отримати шведське посвідчення?"')
    lines = edited.split("\n")
    at = next(i for i, line in enumerate(lines) if line == 'msgctxt "id-card|answer"')
    end = next(i for i in range(at, len(lines)) if lines[i].startswith("msgstr"))
    lines[end] = 'msgstr "Зверніться до Skatteverket."'
    assert await service.import_po("\n".join(lines), "uk.po", "uk") == 1
    await sim.join("Oksana", locale="uk")
    _notice, embed = answer_of(await ask(sim, "Oksana", "id-handling"))
    assert embed["title"] == "Як отримати шведське посвідчення?"


async def test_a_malformed_import_changes_nothing(sim: Simulator) -> None:
    await untranslated(faq(sim), sim.running_bot.services.db, "bankid", "de")
    service = faq(sim)
    before = {e.slug: e.content() for e in service.all_entries()}
    good = 'msgctxt "bankid|question"\nmsgid "Hur får jag BankID?"\nmsgstr "Wie bekomme ich BankID?"\n\n'
    bad = 'msgctxt "no-such-entry|question"\nmsgid "x"\nmsgstr "y"\n'
    with pytest.raises(ImportProblem) as problem:
        await service.import_po(good + bad, "de.po", "de")
    assert str(problem.value).startswith("de.po:6:")
    broken = good + 'msgctxt "sfi|question"\nmsgid "Hur"\nmsgstr "unterminated\n'
    with pytest.raises(ImportProblem) as problem:
        await service.import_po(broken, "de.po", "de")
    assert problem.value.line is not None
    yaml_bad = "format: multinations-faq\nversion: 1\nentries:\n- slug: Bad Slug\n  category: work\n"
    with pytest.raises(ImportProblem) as problem:
        await service.import_document(yaml_bad, "faq.yaml")
    assert str(problem.value).startswith("faq.yaml:4:")
    assert {e.slug: e.content() for e in service.all_entries()} == before
    await sim.join("Jonas", locale="de")
    _notice, embed = answer_of(await ask(sim, "Jonas", "bankid"))
    assert embed["title"] == "How do I get BankID?"


async def test_no_sends_the_question_to_the_unanswered_queue_without_who_asked(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Bertil")
    await sim.grant("Bertil", "volunteer")
    step = await ask(sim, "Amal", "fiske licens")
    await pause(sim)
    reply = answer_action(step) if any(a.embeds for a in step.actions) else step.last()
    no_button = next(b for b in reply.buttons() if ":no" in b["custom_id"])
    step = await sim.press("Amal", no_button["custom_id"], message=sim.discord.messages[reply.message_id])
    assert step.last("modal").visible_to == "Amal"
    await sim.submit("Amal", {"question": "Where can I buy a fishing licence?"})
    step = await sim.slash("Bertil", "/faq unanswered")
    text = step.last().text
    assert "Where can I buy a fishing licence?" in text
    assert "Amal" not in text and str(sim.member("Amal").id) not in text
    item = (await faq(sim).unanswered(sim.running_bot.services.settings.guild_id))[0]
    await pause(sim)
    await sim.slash("Bertil", "/faq unanswered", options={"done": str(item.id)})
    assert await faq(sim).unanswered(sim.running_bot.services.settings.guild_id) == []


async def test_privacy_export_and_delete_keep_the_history_anonymous(sim: Simulator) -> None:
    await sim.join("Bertil")
    await sim.grant("Bertil", "volunteer")
    service = faq(sim)
    bertil = sim.member("Bertil").id
    await service.edit(bertil, "housing", reason="new landlord list", question="Hur hittar jag en bostad i Norsjö?",
                       answer="Ställ dig i bostadskön.", aliases=("bostad",))
    privacy = sim.running_bot.services.privacy
    exported = await privacy.export(bertil)
    assert exported["faq"]["revisions_written"][0]["entry"] == "housing"
    await privacy.delete(bertil)
    assert "faq" not in await privacy.export(bertil)
    await sim.grant("Bertil", "volunteer")
    step = await sim.slash("Bertil", "/faq history", options={"entry": "housing"})
    text = step.last().text
    assert f"<@{bertil}>" not in text
    assert "new landlord list" in text
    # The content itself stays.
    assert service.get("housing").source.answer == "Ställ dig i bostadskön."


async def test_browse_lists_a_category_and_opens_an_answer(sim: Simulator) -> None:
    await sim.join("Jonas", locale="de")
    step = await sim.slash("Jonas", "/faq browse", options={"category": "health"})
    reply = step.last("interaction_response")
    assert "Wohin wende ich mich, wenn ich krank werde?" in reply.text
    await pause(sim)
    step = await sim.pick("Jonas", ["emergency"], message=sim.discord.messages[reply.message_id])
    _notice, embed = answer_of(step)
    assert "112" in embed["description"]


async def test_starter_set_is_loaded_once_and_edits_survive_a_restart(sim: Simulator) -> None:
    service = faq(sim)
    assert len(service.entries) >= 20
    assert all(e.status("en").value == "current" for e in service.entries)
    await service.edit(None, "sfi", reason="local detail", question="Hur börjar jag läsa SFI?",
                       answer="Ring vuxenutbildningen.", aliases=())
    await sim.restart()
    assert faq(sim).get("sfi").source.answer == "Ring vuxenutbildningen."
    assert len(faq(sim).entries) == len(service.entries)


async def test_capability_gives_onboarding_titles_for_topics(sim: Simulator) -> None:
    capability = sim.running_bot.services.capabilities["faq"]
    items = await capability.entries_for_topics(["swedish"], "uk", limit=2)
    assert items[0].title == "Як почати навчання на SFI (шведська для іммігрантів)?"
    assert items[0].hint == CommandRef(("faq", "search"), (("query", "sfi"),))
    assert len(await capability.entries_for_topics(["healthcare", "housing"], "so", limit=5)) == 5


async def test_a_volunteer_adds_an_entry_that_members_then_find(sim: Simulator) -> None:
    await sim.join("Bertil")
    await sim.grant("Bertil", "volunteer")
    step = await sim.slash("Bertil", "/faq add", options={"slug": "fishing", "category": "community",
                                                          "source_language": "sv"})
    assert step.last("modal").visible_to == "Bertil"
    step = await sim.submit("Bertil", {"question": "Var köper jag fiskekort?",
                                       "answer": "Fiskekort säljs på kommunens turistbyrå och på nätet.",
                                       "aliases": "fiske, fishing licence", "sources": "https://www.norsjo.se"})
    assert "fishing" in step.last("interaction_response").content
    await sim.join("Sven", locale="sv-SE")
    _notice, embed = answer_of(await ask(sim, "Sven", "fiskekort"))
    assert embed["title"] == "Var köper jag fiskekort?"
    # The creator looks after it; the history names them.
    assert faq(sim).get("fishing").owner_id == sim.member("Bertil").id


async def test_swedish_members_get_the_notice_in_swedish(sim: Simulator) -> None:
    await untranslated(faq(sim), sim.running_bot.services.db, "bankid", "de")
    await sim.join("Sven", locale="sv-SE")
    await speak(sim, "Sven", "sv")
    await faq(sim).edit(None, "bankid", reason="r", question="Hur får jag BankID?", answer="Fråga din bank.",
                        aliases=())
    step = await sim.slash("Sven", "/faq translate", options={"entry": "bankid", "language": "en"})
    assert "volontärer" in step.last("interaction_response").content  # refused politely, in Swedish
    await sim.join("Jonas", locale="de")
    notice, embed = answer_of(await ask(sim, "Jonas", "bankid"))
    assert embed["title"] == "How do I get BankID?"  # English (not yet updated) rather than the editor's Swedish
    assert notice.startswith("Diese Antwort gibt es noch nicht auf") and "English" in notice


async def test_the_configured_translators_channel_is_used(sim: Simulator) -> None:
    services = sim.running_bot.services
    guild_id = services.settings.guild_id
    assert guild_id is not None
    await services.guild_config.set(guild_id, "faq.translators_channel", sim.discord.channel_named("volunteers").id)
    entry = faq(sim).get("sfi")
    await faq(sim).edit(None, "sfi", reason="r", question=entry.source.question, answer="Ny text.", aliases=(),
                        guild_id=guild_id)
    await sim.advance(timedelta(minutes=1))
    assert sim.sent_to("#volunteers") and not sim.sent_to("#translators")
    # The notice goes out once, also across a restart.
    await sim.restart()
    await sim.advance(timedelta(minutes=5))
    assert len(sim.sent_to("#volunteers")) == 1


async def test_an_entry_known_only_in_swedish_is_found_in_arabic_through_its_aliases(sim: Simulator) -> None:
    await faq(sim).create(None, slug="fishing", category="community", source_language="sv",
                          question="Var köper jag fiskekort?", answer="På turistbyrån.",
                          aliases=("fiskekort", "رخصة صيد", "صيد السمك"))
    await sim.join("Amal")
    await speak(sim, "Amal", "ar")
    choices = await sim.autocomplete("Amal", "/faq search", "query", "رخصه الصيد")
    assert choices[0] == {"name": "Var köper jag fiskekort?", "value": "fishing"}
    notice, embed = answer_of(await ask(sim, "Amal", "fishing"))
    assert embed["title"] == "Var köper jag fiskekort?"
    assert notice  # one line in Arabic: not yet written in Arabic
    assert "Svenska" in notice


async def todo_pages(sim: Simulator, who: str, options: dict[str, str] | None = None) -> list[Action]:
    """`/faq todo` and every further page through its Next button."""
    step = await sim.slash(who, "/faq todo", options=options or {})
    pages = [step.last("interaction_response")]
    while True:
        following = [b for b in pages[-1].buttons() if b["custom_id"].endswith(":next") and not b.get("disabled")]
        if not following:
            return pages
        await pause(sim)
        step = await sim.press(who, following[0]["custom_id"], message=sim.discord.messages[pages[-1].message_id])
        pages.append(step.last("edit"))


async def test_todo_for_every_language_arrives_whole_over_pages(sim: Simulator) -> None:
    await sim.join("Tesfay")
    await sim.grant("Tesfay", "translator")
    assert len(await todo_pages(sim, "Tesfay")) == 1  # the shipped set is translated: it fits
    for number in range(30):  # volunteers add answers in Swedish faster than translators follow
        await faq(sim).create(None, slug=f"local-tip-{number}", category="work", source_language="sv",
                              question=f"Lokalt tips nummer {number}?", answer="Fråga i Folkets hus.")
    await pause(sim)
    pages = await todo_pages(sim, "Tesfay")
    assert len(pages) > 1 and all(p.visible_to == "Tesfay" and len(p.content) <= 2000 for p in pages)
    listing = "\n".join(p.content for p in pages)
    assert "ትግርኛ" in listing and "Hindi" not in listing and "हिन्दी" in listing
    tigrinya = next(line for line in listing.splitlines() if "ትግርኛ" in line)
    assert all(f"local-tip-{number}" in tigrinya for number in range(30))  # whole, nothing cut off
    await pause(sim)
    [page] = await todo_pages(sim, "Tesfay", {"language": "ti"})
    assert "ትግርኛ" in page.content and "हिन्दी" not in page.content


async def test_yes_this_helped_is_counted_without_who_and_shown_in_the_history(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Sven", locale="sv-SE")
    await sim.join("Bertil")
    await sim.grant("Bertil", "volunteer")
    for name in ("Amal", "Sven"):
        step = await ask(sim, name, "bankid")
        reply = answer_action(step)
        yes = next(b for b in reply.buttons() if b["custom_id"].endswith(":yes"))
        await pause(sim)
        step = await sim.press(name, yes["custom_id"], message=sim.discord.messages[reply.message_id])
        assert step.last().visible_to == name
    assert await faq(sim).helped_count("bankid") == 2
    assert await faq(sim).helped_counts() == {"bankid": 2}
    stored = await sim.running_bot.services.db.fetchall("SELECT key, value FROM faq_meta")
    assert all(str(sim.member(n).id) not in f"{r['key']}{r['value']}" for r in stored for n in ("Amal", "Sven"))
    # A forged button for an entry that does not exist counts nothing.
    await pause(sim)
    message = sim.discord.messages[reply.message_id]
    message.components[0]["components"][0]["custom_id"] = "faq:help:999999:yes"
    await sim.press("Amal", "faq:help:999999:yes", message=message)
    assert await faq(sim).helped_counts() == {"bankid": 2}
    await pause(sim)
    step = await sim.slash("Bertil", "/faq history", options={"entry": "bankid"})
    assert "helped them 2 times" in step.last().text


async def test_a_translation_can_carry_a_reason_that_the_history_keeps(sim: Simulator) -> None:
    await sim.join("Tesfay")
    await sim.grant("Tesfay", "translator")
    step = await sim.slash("Tesfay", "/faq translate", options={"entry": "bankid", "language": "ti"})
    await pause(sim)
    await sim.press("Tesfay", step.last("interaction_response").buttons()[0]["custom_id"])
    await sim.submit("Tesfay", {"question": "ባንክ ኣይዲ ብኸመይ ይርከብ?", "answer": "ብባንክኻ።", "aliases": "",
                                "reason": "Checked with the bank's Tigrinya leaflet"})
    history = await faq(sim).history("bankid")
    assert (history[0].action, history[0].reason) == ("translate:ti", "Checked with the bank's Tigrinya leaflet")
    await pause(sim)
    step = await sim.slash("Tesfay", "/faq history", options={"entry": "bankid"})
    assert "Checked with the bank's Tigrinya leaflet" in step.last().text
    # Without a reason it is saved as before.
    await pause(sim)
    await sim.press("Tesfay", f"faq:write:{faq(sim).get('bankid').id}:ti")
    await sim.submit("Tesfay", {"question": "ባንክ ኣይዲ ብኸመይ ይርከብ?", "answer": "ብባንክኻ ይርከብ።", "aliases": ""})
    assert (await faq(sim).history("bankid"))[0].reason == ""


async def test_other_answers_that_may_fit_come_in_the_same_message(sim: Simulator) -> None:
    await sim.join("Oksana", locale="uk")
    step = await ask(sim, "Oksana", "winter")
    replies = [a for a in step.actions if a.visible_to == "Oksana"]
    assert len(replies) == 1
    notice, embed = answer_of(step)
    others = faq(sim).answers("winter").entries[1:]
    assert others, "the starter set has more than one winter answer"
    # Buttons that open them in her language, named in it (no slug to retype).
    buttons = {b["custom_id"]: b["label"] for b in replies[0].buttons()}
    for entry in others:
        assert buttons[f"faq:open:{entry.slug}"] == faq(sim).title(entry, "uk")[:80]
        assert entry.slug not in notice
    assert embed["title"]
    await pause(sim)
    step = await sim.press("Oksana", f"faq:open:{others[0].slug}", message=sim.discord.messages[replies[0].message_id])
    _notice, opened = answer_of(step)
    assert opened["title"] == faq(sim).title(others[0], "uk") and answer_action(step).visible_to == "Oksana"


async def test_under_a_burst_the_search_is_acknowledged_first_and_answered_after(sim: Simulator) -> None:
    await sim.join("Jonas", locale="de")
    quiet = answer_of(await ask(sim, "Jonas", "bankid"))
    sim.running_bot.busy_threshold = -1  # as if many members were being answered at this moment
    step = await ask(sim, "Jonas", "bankid")
    assert step.actions[0].kind == "defer" and step.actions[0].visible_to == "Jonas"
    assert answer_action(step).kind == "followup"
    assert answer_of(step) == quiet
