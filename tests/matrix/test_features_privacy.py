"""The member's own data on a real homeserver: `!privacy export` sends the export as a file in her direct
room; after a restart `!privacy delete`, confirmed, removes everything, the Matrix id mapping too."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.matrix.adapter import running_bot
from tests.matrix.conftest import MatrixCommunity
from tests.matrix.features import dm_of, next_body, number_of

pytestmark = pytest.mark.matrix


async def test_the_export_arrives_as_a_file_and_delete_removes_everything_after_a_restart(
        matrix: MatrixCommunity, tmp_path: Path) -> None:
    bot_user = matrix.bot.user_id
    amal = await matrix.member("amal")
    welcome = matrix.room("welcome")
    async with running_bot(matrix, tmp_path / "bot.db", features=True) as runner:
        await amal.send(welcome, "!privacy export")
        dm = await dm_of(amal, bot_user)
        assert "everything the bot stores about you" in await next_body(amal, dm, bot_user)
        event = await amal.next_message(dm, sender=bot_user, timeout=30)
        content = event["content"]
        assert content["msgtype"] == "m.file"
        assert content["info"]["mimetype"] == "application/json"
        server, media = content["url"].removeprefix("mxc://").split("/", 1)
        async with matrix.session.get(
                f"{matrix.url}/_matrix/client/v1/media/download/{quote(server)}/{quote(media)}",
                headers={"Authorization": f"Bearer {amal.account.access_token}"}) as answer:
            assert answer.status == 200
            exported = json.loads(await answer.read())
        assert exported["data"]["matrix"]["matrix_id"] == amal.user_id

        await runner.restart()
        local = await runner.bot.local_user(amal.user_id)
        await amal.send(dm, "!privacy delete")
        confirm = await next_body(amal, dm, bot_user, containing="cannot be undone")
        await amal.send(dm, number_of(confirm, "Yes, delete everything"))
        await next_body(amal, dm, bot_user, containing="has been deleted")
        assert await runner.services.privacy.export(local) == {}
        assert await runner.bot.store.known_local(amal.user_id) is None  # the mapping is gone too
        assert await runner.bot.store.direct_room(local) is None
