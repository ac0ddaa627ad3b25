"""/language and /privacy through the simulator."""

from __future__ import annotations

import json

from bot.simulator import Simulator


async def test_language_choice_survives_restart_and_privacy_answers_in_arabic(sim: Simulator) -> None:
    await sim.join("Amal", locale="en-US")
    step = await sim.slash("Amal", "/language")
    picker = step.last("interaction_response")
    assert picker.visible_to == "Amal"
    labels = [o["label"] for o in picker.components[0]["options"]]
    assert labels == ["Svenska", "English", "العربية", "دری", "فارسی", "Soomaali", "ትግርኛ", "Українська",
                      "Deutsch", "Nederlands", "हिन्दी"]

    step = await sim.pick("Amal", ["ar"])
    assert "العربية" in step.last("edit").content

    await sim.restart()
    step = await sim.slash("Amal", "/privacy show")
    reply = step.last("interaction_response")
    assert reply.visible_to == "Amal"
    assert "العربية" in reply.text
    # The reply is in Arabic, not English.
    assert "This is what the bot stores" not in reply.text


async def test_interaction_locale_is_used_when_nothing_is_stored(sim: Simulator) -> None:
    await sim.join("Oksana", locale="uk")
    step = await sim.slash("Oksana", "/language")
    options = step.last().components[0]["options"]
    assert [o["value"] for o in options if o.get("default")] == ["uk"]


async def test_privacy_export_is_a_private_json_file(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.slash("Amal", "/language")
    await sim.pick("Amal", ["so"])
    step = await sim.slash("Amal", "/privacy export")
    reply = step.last("interaction_response")
    assert reply.visible_to == "Amal"
    document = json.loads(reply.files[0]["content"])
    assert document["data"]["preferences"]["language"] == "so"


async def test_privacy_delete_needs_confirmation_from_the_member_themself(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Bertil")
    await sim.slash("Amal", "/language")
    await sim.pick("Amal", ["ar"])
    step = await sim.slash("Amal", "/privacy delete")
    confirm = step.last()
    assert confirm.buttons()
    # Replaying Amal's button as Bertil changes nothing.
    custom_id = confirm.buttons()[0]["custom_id"]
    message = sim.discord.messages[confirm.message_id]
    step = await sim.press("Bertil", custom_id, message=message)
    assert await sim.running_bot.services.prefs.language(sim.member("Amal").id) == "ar"

    await sim.press("Amal", custom_id, message=message)
    exported = await sim.running_bot.services.privacy.export(sim.member("Amal").id)
    assert exported == {}


async def test_privacy_works_in_direct_messages_too(sim: Simulator) -> None:
    await sim.join("Amal")
    step = await sim.slash("Amal", "/privacy show", channel="dm")
    reply = step.last("interaction_response")
    assert reply.to == "dm:Amal"
    assert "Preferences" in reply.text


async def test_the_swedish_client_gets_swedish_and_the_choice_overrides_it(sim: Simulator) -> None:
    await sim.join("Karin", locale="sv-SE")
    step = await sim.slash("Karin", "/privacy show")
    assert "Inställningar" in step.last().text or "lagrar" in step.last().text
    await sim.slash("Karin", "/language")
    await sim.pick("Karin", ["en"])
    step = await sim.slash("Karin", "/privacy show")
    assert "This is what the bot stores about you" in step.last().text


async def test_a_language_picker_posted_by_the_previous_version_still_works_after_a_restart(sim: Simulator) -> None:
    await sim.join("Amal", locale="en-US")
    step = await sim.slash("Amal", "/language")
    message = sim.discord.messages[step.last("interaction_response").message_id]
    # Exactly the component the previous version (a DynamicItem of the core cog) sent.
    message.components = [{"type": 1, "components": [{
        "type": 3, "custom_id": "core:lang", "min_values": 1, "max_values": 1,
        "placeholder": "Language · Språk · اللغة · زبان · Luqadda · ቋንቋ · Мова · भाषा",
        "options": [{"label": "العربية", "value": "ar"}, {"label": "ትግርኛ", "value": "ti"}]}]}]
    await sim.restart()
    step = await sim.pick("Amal", ["ti"], message=message)
    assert "ትግርኛ" in step.last("edit").content
    assert await sim.running_bot.services.prefs.language(sim.member("Amal").id) == "ti"
