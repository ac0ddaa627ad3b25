"""What members now see (issue: messages that reach them, their own words, honest consent), through the
simulator in Arabic, Somali and Tigrinya: a mentor approved without direct messages allowed gets the
invitation at their next turn with the bot, sign-up asks for direct-message consent, `/mentor status` lists
what waits, choices are accepted in the member's words, a request is kept only within consent, and texts
name commands as the reader's client shows them."""

from __future__ import annotations

from datetime import timedelta

from bot.core.conversation import CommandRef
from bot.edge.translator import render_command
from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID
from tests.cogs.test_onboarding import walk


def t(sim: Simulator, code: str):
    return sim.running_bot.services.translator(code)


def command(sim: Simulator, code: str, *path: str, **options: str) -> str:
    return render_command(CommandRef(tuple(path), tuple(options.items())), t(sim, code))


async def member(sim: Simulator, name: str, language: str, *, dms: bool = False) -> None:
    await sim.join(name, locale="en-US")
    services = sim.running_bot.services
    await services.prefs.set_language(sim.member(name).id, language)
    await services.prefs.set_dm_allowed(sim.member(name).id, dms)


async def profiles(sim: Simulator, name: str) -> list:
    return await sim.running_bot.services.capabilities["mentoring"].profiles_of(GUILD_ID, sim.member(name).id)


async def approved_pair(sim: Simulator) -> None:
    """Layla (Arabic, no direct messages allowed) volunteers; Hodan (Somali, none either) asks; Cora approves."""
    await member(sim, "Layla", "ar")
    await member(sim, "Hodan", "so")
    await member(sim, "Cora", "en", dms=True)
    await sim.grant("Cora", "coordinator")
    await sim.slash("Layla", '/mentor volunteer languages:"ar:3 so:2 sv:3" help:work adult:true')
    await sim.slash("Hodan", '/mentor request languages:"so:3 ar:1" help:work adult:true')
    await sim.slash("Cora", "/match preview")
    await sim.slash("Cora", "/match approve pairs:all")


async def test_signing_up_without_direct_messages_says_where_invitations_wait_and_offers_the_press(
        sim: Simulator) -> None:
    await member(sim, "Layla", "ar")
    step = await sim.slash("Layla", '/mentor volunteer languages:"ar:3 sv:3" help:work adult:true')
    reply = step.last("interaction_response")
    ar = t(sim, "ar")
    promise = ar._("I may not write to you directly yet, so an invitation will wait for you: I show it the next "
                   "time you use the bot here, and {command} lists it. Press the button to get it as a direct "
                   "message instead.", command="\ue000")
    before, _marker, after = promise.partition("\ue000")
    assert before.strip() and before.strip()[:20] in reply.text and after.strip()[-10:] in reply.text
    assert [b["label"] for b in reply.buttons()] == [ar._("Allow direct messages")]
    await sim.press("Layla", reply.buttons()[0]["custom_id"], message=sim.discord.messages[reply.message_id])
    assert await sim.running_bot.services.prefs.dm_allowed(sim.member("Layla").id)
    # With direct messages allowed, the next sign-up change promises nothing it cannot keep and asks nothing.
    step = await sim.slash("Layla", '/mentor volunteer languages:"ar:3 sv:3" help:work adult:true')
    assert not step.last("interaction_response").buttons()


async def test_a_mentor_approved_without_direct_messages_sees_the_invitation_at_her_next_turn_in_arabic(
        sim: Simulator) -> None:
    await approved_pair(sim)
    assert not sim.sent_to("dm:Layla") and not sim.sent_to("dm:Hodan")
    ar = t(sim, "ar")
    # Her next turn with the bot is not a mentoring command at all.
    step = await sim.slash("Layla", "/privacy show")
    [held] = [a for a in step.actions if a.visible_to == "Layla" and "mentoring:answer:" in str(a.components)]
    assert ar._("While I could not write to you directly:") in held.text
    head = ar._("A coordinator suggests you as a mentor for {name}.", name="\ue000").partition("\ue000")[0]
    assert head.strip() and head.strip() in held.text and f"<@{sim.member('Hodan').id}>" in held.text
    labels = [b["label"] for b in held.buttons()]
    assert labels == [ar._("Accept"), ar._("No, thank you"), ar._("Allow direct messages")]
    # It is shown once; `/mentor status` still lists it with its buttons, until she answers.
    step = await sim.slash("Layla", "/mentor status")
    status = step.last("interaction_response")
    assert [b["label"] for b in status.buttons()][:2] == [ar._("Accept"), ar._("No, thank you")]
    assert not [a for a in step.actions if a.kind == "followup"]
    step = await sim.press("Layla", ar._("Accept"), message=sim.discord.messages[held.message_id])
    assert ar._("Thank you! We are waiting for the other person's answer.") in step.last().text
    step = await sim.slash("Layla", "/mentor status")
    text = step.last("interaction_response").text
    assert ar._("You accepted an invitation; we are waiting for the other person's answer.") in text
    assert not step.last("interaction_response").buttons()


async def test_a_pair_notice_and_a_check_in_wait_for_a_somali_newcomer_without_direct_messages(
        sim: Simulator) -> None:
    await approved_pair(sim)
    so = t(sim, "so")
    await sim.slash("Layla", "/mentor status")  # her invitation is shown to her
    layla_invite = [a for a in sim.actions if a.visible_to == "Layla" and "mentoring:answer:" in str(a.components)]
    await sim.press("Layla", t(sim, "ar")._("Accept"), message=sim.discord.messages[layla_invite[0].message_id])
    step = await sim.slash("Hodan", "/mentor status")
    status = step.last("interaction_response")
    assert "mentoring:answer:" in str(status.components)
    await sim.press("Hodan", so._("Accept"), message=sim.discord.messages[status.message_id])
    # A week later Hodan is asked in the pair's thread; /mentor status lists the question until she answers.
    await sim.advance(timedelta(days=7, hours=1))
    step = await sim.slash("Hodan", "/mentor status")
    status = step.last("interaction_response")
    question = so._("It has been {time} since your mentoring match started. Have you met?",
                    time=so._("one week"))
    assert question in status.text
    assert so._("Your mentor is {name}.", name=f"<@{sim.member('Layla').id}>") in status.text
    assert [b["label"] for b in status.buttons()] == [so._("Yes"), so._("Not yet"), so._("I need help")]
    step = await sim.press("Hodan", so._("Yes"), message=sim.discord.messages[status.message_id])
    assert so._("Wonderful, thank you! Enjoy your time together.") in step.last().text
    step = await sim.slash("Hodan", "/mentor status")
    assert question not in step.last("interaction_response").text


async def test_a_decline_notice_waits_for_the_mentor_who_had_accepted(sim: Simulator) -> None:
    await approved_pair(sim)
    ar = t(sim, "ar")
    await sim.slash("Layla", "/mentor status")
    status = [a for a in sim.actions if a.visible_to == "Layla" and "mentoring:answer:" in str(a.components)][-1]
    await sim.press("Layla", ar._("Accept"), message=sim.discord.messages[status.message_id])
    step = await sim.slash("Hodan", "/mentor status")
    await sim.press("Hodan", t(sim, "so")._("No, thank you"),
                    message=sim.discord.messages[step.last("interaction_response").message_id])
    assert not sim.sent_to("dm:Layla")
    step = await sim.slash("Layla", "/language")
    notice = ar._("The match a coordinator suggested will not go ahead this time. You stay in the pool, and a "
                  "coordinator will look for another match.")
    assert any(notice in a.text and a.visible_to == "Layla" for a in step.actions)


async def test_choices_in_the_members_own_words_somali_and_swedish(sim: Simulator) -> None:
    await member(sim, "Hodan", "so")
    step = await sim.slash("Hodan", '/mentor request languages:"so:3" help:"shaqo, guri" '
                                    'interests:"Kubbadda cagta iyo muusig" availability:fiidkii adult:true')
    reply = step.last("interaction_response").text
    so = t(sim, "so")
    [profile] = await profiles(sim, "Hodan")
    assert profile.help == ("work", "housing") and profile.interests == ("football", "music")
    assert profile.availability == ("evenings",)
    assert so._("football") in reply and so._("weekday evenings") in reply
    # The issue's own example: a Swedish speaker's "fotboll", and accents or case do not matter.
    await member(sim, "Sven", "sv")
    await sim.slash("Sven", '/mentor volunteer languages:"sv:3" help:Arbete interests:"FOTBOLL, Läsning" '
                            'adult:true')
    [mentor] = await profiles(sim, "Sven")
    assert mentor.interests == ("football", "reading") and mentor.help == ("work",)


async def test_an_unknown_word_is_refused_in_arabic_with_the_choices_in_arabic(sim: Simulator) -> None:
    await member(sim, "Layla", "ar")
    step = await sim.slash("Layla", '/mentor request languages:"ar:3" help:عمل interests:"كرة القدم، طيران" '
                                    'adult:true')
    reply = step.last("interaction_response")
    ar = t(sim, "ar")
    assert reply.visible_to == "Layla"
    text = reply.text.replace("\u2068", "").replace("\u2069", "")  # without the isolates of right-to-left text
    assert "«طيران»" in text  # only the word that did not match
    for label in ("football", "music", "cooking"):
        assert ar._(label) in text
    assert "football" not in text  # no codes, no English
    assert await profiles(sim, "Layla") == []


async def test_keep_only_my_language_then_yes_to_a_mentor_stores_no_request_tigrinya(sim: Simulator) -> None:
    await sim.join("Selam", locale="en-US")
    step = await walk(sim, "Selam", language="ti", consent=False, mentor=True)
    done = step.last("edit").content
    ti = t(sim, "ti")
    # Before anything is stored she is told what a mentor request keeps, and asked again.
    asked = ti._("You chose to keep only your language. A mentor request is stored by the mentoring coordinators: "
                 "your language, and nothing else from this welcome. May I ask for a mentor for you? You can "
                 "delete it any time with {command}.", command=command(sim, "ti", "privacy"))
    assert asked in done
    assert ti._("I have asked for a mentor for you. A coordinator will be in touch.") not in done
    assert await profiles(sim, "Selam") == []
    # Consenting to store the answers covers the request (and what it keeps).
    await sim.join("Tesfay", locale="en-US")
    await walk(sim, "Tesfay", language="ti", consent=True, topics=("work",), area="Bastuträsk", mentor=True)
    [kept] = await profiles(sim, "Tesfay")
    assert kept.languages == {"ti": 2} and kept.help == ("work",) and kept.area == "Bastuträsk"


async def test_texts_name_commands_as_the_readers_client_shows_them_tigrinya(sim: Simulator) -> None:
    await member(sim, "Selam", "ti")
    step = await sim.slash("Selam", "/mentor status")
    ti = t(sim, "ti")
    wanted = ti._("You have no mentoring profile. Use {request} to ask for a mentor, or {volunteer} to offer to be "
                  "one.", request=command(sim, "ti", "mentor", "request"),
                  volunteer=command(sim, "ti", "mentor", "volunteer"))
    assert wanted in step.last("interaction_response").text
    await member(sim, "Layla", "ar", dms=True)
    await sim.grant("Layla", "coordinator")
    step = await sim.slash("Layla", "/match preview")
    ar = t(sim, "ar")
    footer = ar._("Approve with {approve} (or numbers), drop with {reject}, change with {set} or {swap}.",
                  approve=command(sim, "ar", "match", "approve", pairs="all"),
                  reject=command(sim, "ar", "match", "reject"), set=command(sim, "ar", "match", "set"),
                  swap=command(sim, "ar", "match", "swap"))
    assert footer in step.last().text
