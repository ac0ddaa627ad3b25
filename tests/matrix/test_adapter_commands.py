"""Typed commands, numbered choices, reactions, form dialogues and permissions on a real Synapse."""

from __future__ import annotations

from pathlib import Path

from tests.matrix.adapter import Desk, direct_room_of, running_bot
from tests.matrix.conftest import MatrixCommunity


async def _dm(member, matrix: MatrixCommunity) -> str:
    room = await direct_room_of(member, matrix.bot.user_id)
    hello = await member.next_text(room, sender=matrix.bot.user_id)
    assert "not encrypted" in hello
    return room


async def test_a_command_by_name_and_positional_is_answered_privately(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    welcome = matrix.room("welcome")
    async with running_bot(matrix, tmp_path / "bot.db"):
        await amal.send(welcome, "!echo text:\"hello there\"")
        room = await _dm(amal, matrix)
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "echo: hello there"
        await amal.send(room, "!echo bank id please")
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "echo: bank id please"
    # Nothing was said in the shared room: the answer was private.
    assert not [e for e in amal.timeline.get(welcome, [])
                if e.get("sender") == matrix.bot.user_id and e["type"] == "m.room.message"]


async def test_mistakes_get_a_short_usage_reply(matrix: MatrixCommunity, tmp_path: Path) -> None:
    olga = await matrix.member("olga", staff=("organizers",))
    async with running_bot(matrix, tmp_path / "bot.db"):
        await olga.send(matrix.room("welcome"), "!nonsense")
        room = await _dm(olga, matrix)
        unknown = await olga.next_text(room, sender=matrix.bot.user_id)
        assert "!nonsense" in unknown and "!help" in unknown
        await olga.send(room, "!desk plan")
        missing = await olga.next_text(room, sender=matrix.bot.user_id)
        assert "title" in missing and "Usage: !desk plan <title> [seats:…]" in missing
        await olga.send(room, "!desk plan Café seats:many")
        wrong = await olga.next_text(room, sender=matrix.bot.user_id)
        assert "seats must be a whole number" in wrong and "Usage:" in wrong
        await olga.send(room, "!desk plan title:Café seats:4")
        assert await olga.next_text(room, sender=matrix.bot.user_id) == "planned Café for 4 seats"


async def test_staff_commands_are_refused_to_members_and_followed_by_room_membership(
        matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    olga = await matrix.member("olga", staff=("organizers",))
    async with running_bot(matrix, tmp_path / "bot.db"):
        await amal.send(matrix.room("welcome"), "!desk plan Café")
        amal_dm = await _dm(amal, matrix)
        refusal = await amal.next_text(amal_dm, sender=matrix.bot.user_id)
        assert refusal == "Sorry, only organizers can do this."
        await amal.send(amal_dm, "!help")
        listing = await amal.next_text(amal_dm, sender=matrix.bot.user_id)
        assert "!echo" in listing and "!desk plan" not in listing

        await olga.send(matrix.room("welcome"), "!help")
        olga_dm = await _dm(olga, matrix)
        assert "!desk plan <title>" in await olga.next_text(olga_dm, sender=matrix.bot.user_id)
        # Leaving the organizers' room ends the right at once.
        await olga.leave(matrix.room("organizers"))
        await olga.send(olga_dm, "!desk plan Café")
        assert await olga.next_text(olga_dm, sender=matrix.bot.user_id) == "Sorry, only organizers can do this."


async def test_a_choice_is_answered_by_number_by_value_and_by_reaction(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    desk = Desk()
    async with running_bot(matrix, tmp_path / "bot.db", desk=desk) as runner:
        await amal.send(matrix.room("welcome"), "!desk fruit")
        room = await _dm(amal, matrix)
        prompt = await amal.next_message(room, sender=matrix.bot.user_id)
        assert "1. Apple\n2. Pear\n3. Plum" in prompt["content"]["body"]
        await amal.send(room, "7")
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "Please answer with a number from 1 to 3."
        await amal.send(room, "2")
        edit = await amal.next_message(room, sender=matrix.bot.user_id)
        assert edit["content"]["m.relates_to"]["event_id"] == prompt["event_id"]
        assert edit["content"]["m.new_content"]["body"] == "You picked pear"

        await amal.send(room, "!desk fruit")
        prompt = await amal.next_message(room, sender=matrix.bot.user_id)
        await amal.send(room, "plum")
        await amal.next_message(room, sender=matrix.bot.user_id)

        await amal.send(room, "!desk fruit")
        prompt = await amal.next_message(room, sender=matrix.bot.user_id)
        # The bot restarts between the question and the answer: the prompt is kept.
        await runner.restart()
        await amal.react(room, prompt["event_id"], "1️⃣")
        edit = await amal.next_message(room, sender=matrix.bot.user_id)
        assert edit["content"]["m.new_content"]["body"] == "You picked apple"

        await amal.send(room, "!desk fruit many:yes")
        prompt = await amal.next_message(room, sender=matrix.bot.user_id)
        assert "like “1, 3”" in prompt["content"]["body"]
        await amal.send(room, "1, 3")
        edit = await amal.next_message(room, sender=matrix.bot.user_id)
        assert edit["content"]["m.new_content"]["body"] == "You picked apple, plum"
        # An answered prompt is closed: a late reaction does nothing.
        await amal.react(room, prompt["event_id"], "2️⃣")
        await amal.send(room, "!echo done")
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "echo: done"
    amal_id = str(await runner_local(matrix, tmp_path))
    assert desk.picked == [(amal_id, ("pear",)), (amal_id, ("plum",)), (amal_id, ("apple",)),
                           (amal_id, ("apple", "plum"))]


async def runner_local(matrix: MatrixCommunity, tmp_path: Path) -> int:
    """Amal's local id, read from the bot's database after the run."""
    from bot.core.db import Database

    db = await Database.open(tmp_path / "bot.db")
    try:
        return int(await db.fetchval("SELECT local_id FROM matrix_ids WHERE matrix_id LIKE '@amal-%'"))
    finally:
        await db.close()


async def test_buttons_are_numbered_too(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    desk = Desk()
    async with running_bot(matrix, tmp_path / "bot.db", desk=desk):
        await amal.send(matrix.room("welcome"), "!desk confirm")
        room = await _dm(amal, matrix)
        prompt = await amal.next_text(room, sender=matrix.bot.user_id)
        assert "1. Yes\n2. No" in prompt
        await amal.send(room, "1")
        edit = await amal.next_message(room, sender=matrix.bot.user_id)
        assert edit["content"]["m.new_content"]["body"] == "Confirmed."
    assert desk.pressed == ["yes:7"]


async def test_a_form_is_a_dialogue_with_skip_and_cancel(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    desk = Desk()
    async with running_bot(matrix, tmp_path / "bot.db", desk=desk) as runner:
        await amal.send(matrix.room("welcome"), "!desk survey")
        room = await _dm(amal, matrix)
        first = await amal.next_text(room, sender=matrix.bot.user_id)
        assert first.startswith("Tell us\nQuestion 1 of 3: Your name")
        assert "“cancel”" in first
        await amal.send(room, "skip")
        assert "This answer is needed" in await amal.next_text(room, sender=matrix.bot.user_id)
        await amal.send(room, "Amal")
        second = await amal.next_text(room, sender=matrix.bot.user_id)
        assert second.startswith("Question 2 of 3: A note") and "“skip”" in second
        await runner.restart()  # the dialogue survives a restart
        await amal.send(room, "skip")
        assert (await amal.next_text(room, sender=matrix.bot.user_id)).startswith("Question 3 of 3: Your town")
        await amal.send(room, "x" * 30)
        assert "at most 20 characters" in await amal.next_text(room, sender=matrix.bot.user_id)
        await amal.send(room, "Norsjö")
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "Thanks, Amal."

        await amal.send(room, "!desk survey")
        await amal.next_text(room, sender=matrix.bot.user_id)
        await amal.send(room, "cancel")
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "Cancelled: nothing was saved."
        await amal.send(room, "Bertil")  # not an answer any more: ignored
        await amal.send(room, "!echo after")
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "echo: after"
    assert desk.forms == [{"name": "Amal", "note": "", "city": "Norsjö"}]


async def test_a_swedish_member_types_the_swedish_names(matrix: MatrixCommunity, tmp_path: Path) -> None:
    sara = await matrix.member("sara")
    async with running_bot(matrix, tmp_path / "bot.db") as runner:
        await runner.services.prefs.set_language(await runner.bot.local_user(sara.user_id), "sv")
        await sara.send(matrix.room("welcome"), "!hjälp")
        room = await direct_room_of(sara, matrix.bot.user_id)
        hello = await sara.next_text(room, sender=matrix.bot.user_id)
        assert "inte krypterat" in hello and "!hjälp" in hello
        listing = await sara.next_text(room, sender=matrix.bot.user_id)
        assert listing.startswith("Det här kan du göra:") and "!echo" in listing
        await sara.send(room, "!okänt")
        unknown = await sara.next_text(room, sender=matrix.bot.user_id)
        assert unknown == "Jag känner inte till kommandot !okänt. Skriv !hjälp för att se vad du kan göra."
        await sara.send(room, "!desk survey")
        question = await sara.next_text(room, sender=matrix.bot.user_id)
        assert "Fråga 1 av 3" in question and "”avbryt”" in question
        await sara.send(room, "Avbryt")
        assert await sara.next_text(room, sender=matrix.bot.user_id) == "Avbrutet: ingenting sparades."
