"""What newcomers who read Tigrinya, Somali or Arabic now see in the welcome, through the simulator: a first step
they can read, an honest mentor request without stored answers, FAQ answers one press away, direct messages
asked for when they matter, and commands named as the client shows them."""

from __future__ import annotations

from bot.core.languages import LANGUAGES
from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID
from tests.cogs.test_onboarding import pause, pick_step, press_step, uid, walk


def mentoring(sim: Simulator):
    return sim.running_bot.services.capabilities["mentoring"]


async def test_the_first_step_names_every_language_in_its_own_words_for_a_tigrinya_reader(sim: Simulator) -> None:
    # Discord has no Tigrinya client: before she chooses, nothing knows she reads Tigrinya.
    await sim.join("Saba", locale="en-US")
    step = await sim.press("Saba", "onb:start")
    first = step.last("interaction_response")
    assert "ትግርኛ: ቋንቋኹም ምረጹ።" in first.content  # her language's name and one short line in it
    assert "Soomaali: Dooro luqaddaada." in first.content and "العربية: اختر لغتك." in first.content
    assert all(lang.native_name in first.content for lang in LANGUAGES.values())
    menu = first.components[0]
    assert "ቋንቋ" in menu["placeholder"]  # the menu's own hint too
    assert "ትግርኛ" in [o["label"] for o in menu["options"]]
    step = await pick_step(sim, "Saba", "language", ["ti"])
    assert "ብሕትውና" in step.last("edit").content  # then the privacy step in Tigrinya


async def test_a_somali_speaker_who_keeps_only_her_language_is_asked_before_a_mentor_request_keeps_it(
        sim: Simulator) -> None:
    await sim.join("Hodan")
    await sim.press("Hodan", "onb:start")
    await pick_step(sim, "Hodan", "language", ["so"])
    await press_step(sim, "Hodan", "consent", "no")
    await pick_step(sim, "Hodan", "topics", ["work"])
    await press_step(sim, "Hodan", "area", "none")
    step = await press_step(sim, "Hodan", "mentor", "yes")
    asked = step.last("edit")
    # In Somali: what a mentor request keeps (her language, nothing else), and a choice.
    assert "luqaddaada oo keliya" in asked.content and "wax kale" in asked.content
    assert [b["custom_id"].rsplit(":", 1)[1] for b in asked.buttons()] == ["keep", "no"]
    assert await mentoring(sim).profiles_of(GUILD_ID, uid(sim, "Hodan")) == []  # nothing stored yet
    step = await press_step(sim, "Hodan", "mentor", "keep")
    assert "lataliye" in step.last("edit").content  # told in Somali that a mentor was asked for
    [profile] = await mentoring(sim).profiles_of(GUILD_ID, uid(sim, "Hodan"))
    assert set(profile.languages) == {"so"} and profile.help == () and profile.area is None


async def test_a_somali_speaker_who_keeps_only_her_language_and_says_not_now_has_no_mentoring_profile(
        sim: Simulator) -> None:
    await sim.join("Hodan")
    await walk(sim, "Hodan", language="so", consent=False, topics=("work",), area=None, mentor=True)
    await press_step(sim, "Hodan", "mentor", "no")
    assert await mentoring(sim).profiles_of(GUILD_ID, uid(sim, "Hodan")) == []
    state = await sim.running_bot.services.capabilities["onboarding"].get(GUILD_ID, uid(sim, "Hodan"))
    assert state.finished and state.wants_mentor is None  # nothing kept without consent


async def test_an_arabic_checklist_opens_one_answer_per_chosen_topic_with_a_press(sim: Simulator) -> None:
    await sim.join("Amal")
    step = await walk(sim, "Amal", language="ar", topics=("swedish", "housing", "work", "healthcare"))
    done = step.last("edit")
    opens = [b for b in done.buttons() if b["custom_id"].startswith("faq:open:")]
    slugs = [b["custom_id"].split(":", 2)[2] for b in opens]
    faq = sim.running_bot.services.capabilities["faq"]
    topics_of = {slug: faq.get(slug).category for slug in slugs}
    # One answer for each topic she chose comes first (no longer five work answers), labelled in Arabic.
    assert sorted(topics_of[s] for s in slugs[:4]) == ["health", "housing", "language", "work"]
    assert all(b["label"] == faq.title(faq.get(s), "ar") for b, s in zip(opens, slugs, strict=True))
    assert "/faq search" not in done.text  # no slug to retype
    assert "اضغط على إجابة" in done.text


async def test_an_arabic_speaker_asking_for_a_mentor_is_offered_direct_messages_then_and_there(
        sim: Simulator) -> None:
    await sim.join("Amal")
    step = await walk(sim, "Amal", language="ar", mentor=True)
    done = step.last("edit")
    assert "إذا سمحت لي بمراسلتك مباشرة" in done.text  # how she will hear, in Arabic
    allow = [b for b in done.buttons() if b["custom_id"] == "core:allow-dm"]
    assert allow and allow[0]["label"] == "السماح بالرسائل المباشرة"
    await pause(sim)
    step = await sim.press("Amal", "core:allow-dm", message=sim.discord.messages[done.message_id])
    assert await sim.running_bot.services.prefs.dm_allowed(uid(sim, "Amal"))
    assert step.last().visible_to == "Amal"
    # Someone who already allowed it is not asked again, and nobody is promised a message on a mere "not now".
    await sim.join("Sven", locale="sv-SE")
    step = await walk(sim, "Sven", language="sv", mentor=False)
    assert "core:allow-dm" not in [b["custom_id"] for b in step.last("edit").buttons()]


async def test_commands_in_the_welcome_are_named_as_the_members_client_shows_them(sim: Simulator) -> None:
    await sim.join("Oksana", locale="uk")
    await sim.press("Oksana", "onb:start")
    step = await pick_step(sim, "Oksana", "language", ["uk"])
    assert "/приватність" in step.last("edit").content  # a Ukrainian client shows the command in Ukrainian
    await sim.join("Saba", locale="en-US")
    await sim.press("Saba", "onb:start")
    step = await pick_step(sim, "Saba", "language", ["ti"])
    assert "/privacy" in step.last("edit").content  # Discord has no Tigrinya client: the declared name
