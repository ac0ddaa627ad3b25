"""The core's own commands and jobs through the port, on the in-memory platform: a second platform gets the
member's data as the same file, the language picker and the deletion work without Discord, and the bot's
messages that named a deleted member are edited through `Conversation.edit`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FixedClock
from bot.core.conversation import Attachment, UserRef
from bot.core.conversation_memory import MemoryConversation, MemoryExchange
from bot.core.errors import UserError
from bot.core.flows import Answer
from bot.core.i18n import Catalogs
from bot.core.jobs import RetryLater
from bot.core.mentions import REDACT_KIND
from bot.core.own_data import CoreFlows
from bot.core.services import Services, build_services
from bot.core.settings import Settings

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
AMAL, BERTIL = 11, 12


@pytest.fixture
async def core(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[tuple[Services, CoreFlows, MemoryConversation]]:
    services = await build_services(Settings(), clock=FixedClock(NOW), catalogs=catalogs,
                                    database_path=tmp_path / "core.sqlite3", exclusive=False)
    chat = MemoryConversation()
    flows = CoreFlows(services, chat)
    await flows.start()
    try:
        yield services, flows, chat
    finally:
        flows.stop()
        await services.close()


def turn(user: int, language: str = "en") -> MemoryExchange:
    return MemoryExchange(UserRef.of(user), community=None, language=language)


async def test_the_export_is_the_same_json_file_on_any_platform(core) -> None:
    services, flows, _chat = core
    await services.prefs.set_language(AMAL, "ti")
    amal = turn(AMAL, "ti")
    await services.commands.run(amal, ("privacy", "export"))
    [answer] = amal.answers
    [file] = answer.files
    assert isinstance(file, Attachment) and file.name == "my-data.json" and file.media_type == "application/json"
    document = json.loads(file.data.decode("utf-8"))
    assert document == {"user_id": str(AMAL), "data": await services.privacy.export(AMAL)}
    assert document["data"]["preferences"]["language"] == "ti"
    wanted = services.translator("ti")._("Here is everything the bot stores about you.")
    assert str(answer.text) == wanted != "Here is everything the bot stores about you."  # in Tigrinya
    assert (await flows.export_file(AMAL)).attachment() == file


async def test_the_language_is_picked_and_confirmed_in_the_new_language(core) -> None:
    services, _flows, _chat = core
    amal = turn(AMAL)
    await services.commands.run(amal, ("language",))
    [picker] = amal.answers
    assert [str(a) for a in picker.actions] == ["core:lang"]
    assert await services.routes.dispatch(amal, services.routes.resolve("core:lang"), Answer(values=("so",)))
    assert await services.prefs.language(AMAL) == "so"
    assert "Soomaali" in str(amal.replaced[-1].text)


async def test_only_the_member_shown_the_delete_button_can_press_it(core) -> None:
    services, _flows, _chat = core
    await services.prefs.set_language(AMAL, "ar")
    amal = turn(AMAL, "ar")
    await services.commands.run(amal, ("privacy", "delete"))
    [wire] = [str(a) for a in amal.answers[0].actions]
    assert wire == f"core:privacy-delete:{AMAL}"
    with pytest.raises(UserError):
        await services.routes.dispatch(turn(BERTIL), services.routes.resolve(wire))
    assert await services.prefs.language(AMAL) == "ar"
    assert await services.routes.dispatch(amal, services.routes.resolve(wire))
    assert await services.privacy.export(AMAL) == {}


async def test_a_message_naming_a_deleted_member_is_edited_through_the_port(core) -> None:
    services, flows, chat = core
    await services.messages.record(7, 300, 400, [AMAL])
    await services.privacy.delete(AMAL)
    job_key = await services.db.fetchval("SELECT key FROM scheduled_jobs WHERE kind = ?", (REDACT_KIND,))
    assert job_key is not None
    job = type("J", (), {"id": 1, "payload": {"guild": 7, "channel": 300, "message": 400}})()
    chat.failing = True
    with pytest.raises(RetryLater):
        await flows.run_redact(job)  # type: ignore[arg-type]
    chat.failing = False
    await flows.run_redact(job)  # type: ignore[arg-type]
    [edit] = chat.of("edit")
    assert edit.ref is not None and (edit.ref.place.id, edit.ref.id) == ("300", "400")
    assert edit.message is not None and not edit.message.text.mentions and not edit.message.controls
    chat.deleted.add("400")
    await flows.run_redact(job)  # gone: done, nothing to retry
