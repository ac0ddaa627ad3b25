"""Restarts on a real Synapse: the stored sync position, a batch handled again after a crash, encrypted
rooms, and the member's mapping deleted with their data."""

from __future__ import annotations

from pathlib import Path

from bot.core.conversation import Delivery, Message, UserRef
from bot.matrix.store import NEXT_BATCH
from tests.matrix.adapter import BotRunner, direct_room_of
from tests.matrix.conftest import MatrixCommunity


async def test_a_command_sent_while_the_bot_was_down_is_answered_once(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    runner = BotRunner(matrix, tmp_path / "bot.db")
    await runner.start()
    try:
        await amal.send(matrix.room("welcome"), "!echo one")
        room = await direct_room_of(amal, matrix.bot.user_id)
        assert (await amal.next_text(room, sender=matrix.bot.user_id)).startswith("This is your private room")
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "echo: one"
        await runner.stop()
        await amal.send(room, "!echo two")  # nobody is listening
        await runner.start()
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "echo: two"
        await runner.restart()
        await amal.send(room, "!echo three")
        # "two" was not answered again: the next answer is the one to "three".
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "echo: three"
    finally:
        await runner.stop()


async def test_a_batch_handled_again_after_a_crash_is_not_answered_twice(
        matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    runner = BotRunner(matrix, tmp_path / "bot.db")
    await runner.start()
    try:
        await amal.send(matrix.room("welcome"), "!echo warm up")
        room = await direct_room_of(amal, matrix.bot.user_id)
        await amal.next_text(room, sender=matrix.bot.user_id)
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "echo: warm up"
        before = await runner.bot.store.state(NEXT_BATCH)
        await amal.send(room, "!echo only once")
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "echo: only once"
        await runner.stop()
        # As if the process died after answering but before it stored the new sync position.
        runner2 = BotRunner(matrix, tmp_path / "bot.db")
        await runner2.start()
        await runner2.bot.store.set_state(NEXT_BATCH, before)
        await runner2.stop()
        await runner.start()  # handles "!echo only once" again; Synapse drops the repeated transaction
        assert runner.bot.handled >= 1
        await amal.send(room, "!echo next")
        assert await amal.next_text(room, sender=matrix.bot.user_id) == "echo: next"
    finally:
        await runner.stop()


async def test_an_encrypted_room_gets_one_clear_pointer_to_the_direct_room(
        matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    created = await amal.request("POST", "/_matrix/client/v3/createRoom", {
        "preset": "trusted_private_chat", "is_direct": True, "invite": [matrix.bot.user_id],
        "initial_state": [{"type": "m.room.encryption", "state_key": "",
                           "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]})
    secret = created["room_id"]
    runner = BotRunner(matrix, tmp_path / "bot.db")
    await runner.start()
    try:
        # Element's own direct chat: encrypted. The bot joins it but cannot read it.
        ciphertext = {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgAEn...", "device_id": "AMALPHONE",
                      "sender_key": "k", "session_id": "s"}
        await amal.send_event(secret, "m.room.encrypted", ciphertext)
        pointer = await amal.next_message(secret, sender=matrix.bot.user_id, timeout=30)
        direct = await direct_room_of(amal, matrix.bot.user_id)
        assert "cannot read encrypted messages" in pointer["content"]["body"]
        assert direct in pointer["content"]["body"]
        await amal.send_event(secret, "m.room.encrypted", ciphertext)
        await amal.send(direct, "!echo here")
        await amal.next_text(direct, sender=matrix.bot.user_id)  # the direct room's greeting
        assert await amal.next_text(direct, sender=matrix.bot.user_id) == "echo: here"
        assert not [e for e in amal.timeline.get(secret, []) if e.get("sender") == matrix.bot.user_id
                    and e["type"] == "m.room.message" and e["event_id"] != pointer["event_id"]]  # said once
    finally:
        await runner.stop()


async def test_deleting_a_members_data_removes_their_matrix_mapping(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    runner = BotRunner(matrix, tmp_path / "bot.db")
    await runner.start()
    try:
        bot = runner.bot
        local = await bot.local_user(amal.user_id)
        assert await bot.conversation.direct(UserRef.of(local), Message.of("Hi")) is Delivery.SENT
        exported = await runner.services.privacy.export(local)
        assert exported["matrix"]["matrix_id"] == amal.user_id
        assert exported["matrix"]["direct_room"]
        assert "matrix" in await runner.services.privacy.delete(local)
        assert await bot.store.matrix(local) is None
        assert await bot.store.direct_room(local) is None
        assert await bot.conversation.direct(UserRef.of(local), Message.of("Hi")) is Delivery.CLOSED
        assert await bot.local_user(amal.user_id) != local  # a new start if they write again
    finally:
        await runner.stop()


async def test_joins_and_departures_of_the_space(matrix: MatrixCommunity, tmp_path: Path) -> None:
    from bot.core.retention import MemberRetention

    runner = BotRunner(matrix, tmp_path / "bot.db")
    await runner.start()
    try:
        bot = runner.bot
        arrived: list[tuple[int, str]] = []

        async def hook(community: int, user: UserRef) -> None:
            arrived.append((community, user.id))

        bot.on_join(hook)
        amal = await matrix.member("amal")  # joins the space and the welcome room
        await amal.send(matrix.room("welcome"), "!echo hi")
        await direct_room_of(amal, matrix.bot.user_id)  # the bot has seen her joins by now
        local = await bot.local_user(amal.user_id)
        assert arrived == [(bot.community, str(local))]  # once, though she joined two rooms
        key = MemberRetention.key(bot.community, local)
        await amal.leave(matrix.room("welcome"))
        await amal.leave(matrix.community.space_id)
        olga = await matrix.member("olga")
        await olga.send(matrix.room("welcome"), "!echo marker")
        await direct_room_of(olga, matrix.bot.user_id)
        assert await bot.services.jobs.state_of(key) == "pending"  # her data is forgotten later
        await amal.join(matrix.community.space_id)
        await olga.send(matrix.room("welcome"), "!echo marker 2")
        room = olga.invites[-1]
        await olga.next_text(room, sender=matrix.bot.user_id)
        assert (await olga.next_text(room, sender=matrix.bot.user_id)).startswith("echo: marker")
        assert await olga.next_text(room, sender=matrix.bot.user_id) == "echo: marker 2"
        assert await bot.services.jobs.state_of(key) != "pending"  # she came back in time
    finally:
        await runner.stop()
