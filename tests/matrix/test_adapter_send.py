"""The Matrix adapter's sends on a real Synapse: posts, pings, edits, direct rooms, idempotent keys."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from bot.core.access import Capability
from bot.core.conversation import Delivery, Label, Message, Parts, PlaceRef, UserRef
from bot.core.places import PAIRS, VOLUNTEERS, WELCOME
from tests.matrix.adapter import direct_room_of, running_bot
from tests.matrix.conftest import MatrixCommunity


async def test_a_post_reaches_the_place_and_pings_only_whom_it_names(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    bertil = await matrix.member("bertil")
    async with running_bot(matrix, tmp_path / "bot.db") as runner:
        bot = runner.bot
        amal_ref = UserRef.of(await bot.local_user(amal.user_id))
        bertil_ref = UserRef.of(await bot.local_user(bertil.user_id))
        parts = Parts()
        text = parts.text(f"Welcome {parts.mention(amal_ref)} and {parts.mention(bertil_ref)}! "
                          f"{parts.said('@room <b>hi</b>')}")
        ref = await bot.conversation.post(bot.community, WELCOME, Message(text, ping=(amal_ref,)))
        assert ref is not None
        event = await amal.next_message(matrix.room("welcome"), sender=matrix.bot.user_id)
    content = event["content"]
    assert content["msgtype"] == "m.notice"
    assert amal.user_id in content["body"] and bertil.user_id in content["body"]
    assert content["m.mentions"] == {"user_ids": [amal.user_id]}  # never the room, never Bertil
    assert "&lt;b&gt;hi&lt;/b&gt;" in content["formatted_body"]  # member-written text is escaped
    assert f'href="https://matrix.to/#/{amal.user_id}"' in content["formatted_body"]
    # The port saw local integers, never Matrix ids.
    assert ref.place.id.isdigit() and ref.id.isdigit()


async def test_an_edit_replaces_the_posted_message(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    async with running_bot(matrix, tmp_path / "bot.db") as runner:
        bot = runner.bot
        ref = await bot.conversation.post(bot.community, WELCOME, Message.of("Café at 18:00"))
        assert ref is not None
        first = await amal.next_message(matrix.room("welcome"), sender=matrix.bot.user_id)
        assert await bot.conversation.edit(ref, Message.of("Café at 19:00")) is Delivery.SENT
        edit = await amal.next_message(matrix.room("welcome"), sender=matrix.bot.user_id)
    assert edit["content"]["m.relates_to"] == {"rel_type": "m.replace", "event_id": first["event_id"]}
    assert edit["content"]["m.new_content"]["body"] == "Café at 19:00"


async def test_direct_messages_go_to_an_unencrypted_direct_room_the_bot_made(
        matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    async with running_bot(matrix, tmp_path / "bot.db") as runner:
        bot = runner.bot
        amal_ref = UserRef.of(await bot.local_user(amal.user_id))
        assert await bot.conversation.direct(amal_ref, Message.of("Your reminder")) is Delivery.SENT
        room = await direct_room_of(amal, matrix.bot.user_id)
        hello = await amal.next_text(room, sender=matrix.bot.user_id)
        reminder = await amal.next_text(room, sender=matrix.bot.user_id)
        # A second message goes to the same room.
        assert await bot.conversation.direct(amal_ref, Message.of("Another one")) is Delivery.SENT
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "Another one"
        direct_data = await bot.account_data("m.direct")
    assert "not encrypted" in hello
    assert reminder == "Your reminder"
    state = await amal.room_state(room)
    assert not [e for e in state if e["type"] == "m.room.encryption"]
    me = next(e for e in state if e["type"] == "m.room.member" and e["state_key"] == amal.user_id)
    assert me["content"]["membership"] == "join"
    invite = next(e for e in state if e["type"] == "m.room.create")
    assert invite["sender"] == matrix.bot.user_id
    assert direct_data[amal.user_id] == [room]
    assert len(await amal.joined_rooms()) == 3  # the space, welcome and the one direct room


async def test_a_repeated_key_is_sent_once_even_after_a_restart(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    async with running_bot(matrix, tmp_path / "bot.db") as runner:
        bot = runner.bot
        first = await bot.conversation.post(bot.community, WELCOME, Message.of("Once"), key="announce:1:welcome")
        await runner.restart()
        bot = runner.bot
        again = await bot.conversation.post(bot.community, WELCOME, Message.of("Once"), key="announce:1:welcome")
        marker = await bot.conversation.post(bot.community, WELCOME, Message.of("Marker"))
        assert first is not None and again is not None and marker is not None
        assert again.id == first.id  # Synapse answered the repeat with the first event
    seen = [await amal.next_text(matrix.room("welcome"), sender=matrix.bot.user_id) for _ in range(2)]
    assert seen == ["Once", "Marker"]


async def test_places_and_private_rooms(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    bertil = await matrix.member("bertil")
    async with running_bot(matrix, tmp_path / "bot.db") as runner:
        bot = runner.bot
        conversation = bot.conversation
        volunteers = await conversation.locate(bot.community, VOLUNTEERS)
        assert volunteers is not None
        assert await bot.store.matrix(volunteers.id) == matrix.room("volunteers")
        space = await conversation.open_private(bot.community, PAIRS, "Mentoring pair 3")
        assert space is not None
        members = [UserRef.of(await bot.local_user(m.user_id)) for m in (amal, bertil)]
        assert await conversation.invite_private(space, members)
        assert await conversation.invite_private(space, members)  # idempotent
        room = await amal.next_invite()
        await amal.join(room)
        join_rule = await amal.state(room, "m.room.join_rules")
        assert join_rule["join_rule"] == "invite"
        assert await conversation.close_private(space)
        levels = await amal.state(room, "m.room.power_levels")
        assert levels["events_default"] == 100  # read-only
        now = bot.services.clock.now()
        found = await conversation.find_private(bot.community, PAIRS, "Mentoring pair 3", since=now)
        assert found == space
        levels = await amal.state(room, "m.room.power_levels")
        assert levels["events_default"] == 0  # reopened
        assert await conversation.find_private(bot.community, PAIRS, "Another pair",
                                               since=bot.services.clock.now()) is None
        nowhere = await conversation.post(bot.community, PlaceRef("999999"), Message.of("x"))
        assert nowhere is None


async def test_a_member_who_left_their_direct_room_gets_a_new_one(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    async with running_bot(matrix, tmp_path / "bot.db") as runner:
        bot = runner.bot
        amal_ref = UserRef.of(await bot.local_user(amal.user_id))
        assert await bot.conversation.direct(amal_ref, Message.of("First")) is Delivery.SENT
        first = await direct_room_of(amal, matrix.bot.user_id)
        await amal.next_text(first, sender=matrix.bot.user_id)
        assert await amal.next_text(first, sender=matrix.bot.user_id) == "First"
        await amal.leave(first)
        await amal.send(matrix.room("welcome"), "!echo back")  # seen after her leave
        second = await direct_room_of(amal, matrix.bot.user_id)
        assert second != first
        assert "not encrypted" in await amal.next_text(second, sender=matrix.bot.user_id)
        assert await amal.next_text(second, sender=matrix.bot.user_id) == "echo: back"


async def test_a_staff_label_is_membership_of_the_staff_room(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    async with running_bot(matrix, tmp_path / "bot.db") as runner:
        bot = runner.bot
        amal_ref = UserRef.of(await bot.local_user(amal.user_id))
        added = [Label(None, "volunteers"), Label(None, "lang-ar")]
        assert await bot.conversation.relabel(bot.community, amal_ref, add=added)
        room = await amal.next_invite()
        assert room == matrix.room("volunteers")
        await amal.join(room)
        await amal.send(room, "!help")  # the bot sees her join before her command
        dm = await direct_room_of(amal, matrix.bot.user_id)
        await amal.next_text(dm, sender=matrix.bot.user_id)
        await amal.next_text(dm, sender=matrix.bot.user_id)
        assert await bot.staff_of(amal.user_id) == frozenset({Capability.VOLUNTEER})
        assert await bot.store.labels(int(amal_ref.id), bot.community) == {"volunteers", "lang-ar"}
        assert await bot.conversation.relabel(bot.community, amal_ref, remove=[Label(None, "volunteers")])
        member = await amal.state(matrix.room("welcome"), "m.room.member", amal.user_id)
        assert member["membership"] == "join"
        joined = await matrix.admin.request("GET", f"/_matrix/client/v3/rooms/{quote(room, safe='')}/joined_members",
                                            token=matrix.bot.access_token)
        assert amal.user_id not in joined["joined"]
        assert await bot.store.labels(int(amal_ref.id), bot.community) == {"lang-ar"}
