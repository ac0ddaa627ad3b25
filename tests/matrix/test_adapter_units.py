"""The Matrix adapter's pieces that need no homeserver: the id mapping and its privacy section, prompts,
who manages the community (room version 12 creators), command parsing and the pacer."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.core.access import Capability
from bot.core.clock import FixedClock
from bot.core.commands import Kind, Param
from bot.core.privacy import PrivacyRegistry
from bot.core.services import build_services
from bot.core.settings import Settings
from bot.matrix.client import MatrixBot, MatrixConfig, txn_id
from bot.matrix.commands import CommandParser, HelpWanted, ParseProblem
from bot.matrix.http import Bucket
from bot.matrix.store import ROOM, USER, MatrixStore
from tests.conftest import START


async def test_ids_are_mapped_both_ways_and_survive_a_new_store(db) -> None:
    store = MatrixStore(db, FixedClock(START))
    amal = await store.local(USER, "@amal:localhost")
    room = await store.local(ROOM, "!welcome:localhost")
    assert amal != room
    assert await store.local(USER, "@amal:localhost") == amal
    fresh = MatrixStore(db, FixedClock(START))
    assert await fresh.matrix(amal) == "@amal:localhost"
    assert await fresh.matrix(str(room)) == "!welcome:localhost"
    assert await fresh.known_local("@nobody:localhost") is None
    assert await fresh.matrix("@already:matrix") == "@already:matrix"


async def test_the_privacy_section_exports_and_deletes_the_members_part_only(db) -> None:
    store = MatrixStore(db, FixedClock(START))
    privacy = PrivacyRegistry(db)
    privacy.register(store.privacy_section())
    amal = await store.local(USER, "@amal:localhost")
    bertil = await store.local(USER, "@bertil:localhost")
    await store.set_direct_room(amal, "!dm-amal:localhost")
    await store.set_direct_room(bertil, "!dm-bertil:localhost")
    await store.open_prompt(user_id=amal, room_id="!dm-amal:localhost", kind="choice", action="", options=[],
                            language="en")
    await store.change_labels(amal, 1, ["volunteers"], [])
    exported = await privacy.export(amal)
    assert exported["matrix"] == {"matrix_id": "@amal:localhost", "direct_room": "!dm-amal:localhost",
                                  "open_prompts": [""], "labels": ["volunteers"]}
    await privacy.delete(amal)
    assert await store.matrix(amal) is None
    assert await privacy.export(amal) == {}
    assert await store.direct_room(bertil) == "!dm-bertil:localhost"  # nobody else's


async def test_a_prompt_is_continued_once(db) -> None:
    store = MatrixStore(db, FixedClock(START))
    prompt = await store.open_prompt(user_id=5, room_id="!r:hs", kind="choice", action="",
                                     options=[["a:b", "x", "X"]], language="sv", most=2, community=3)
    await store.attach_event(prompt, "$e")
    found = await store.prompt_of_event("$e")
    assert found is not None and found.most == 2 and found.community == 3 and found.language == "sv"
    results = await asyncio.gather(store.close_prompt(prompt), store.close_prompt(prompt))
    assert sorted(results) == [False, True]


@pytest.fixture
async def bot(tmp_path: Path):
    settings = Settings(database_path=tmp_path / "bot.db", default_language="en", platform="matrix")
    services = await build_services(settings, clock=FixedClock(START), database_path=tmp_path / "bot.db")
    matrix_bot = MatrixBot(services, MatrixConfig("http://127.0.0.1:9", "@bot:hs", "token", "!space"))
    matrix_bot.space_id = "!space"
    yield matrix_bot
    await matrix_bot.close()
    await services.close()


async def test_the_creator_of_a_room_version_12_space_manages_it(bot: MatrixBot) -> None:
    bot._apply_state("!space", {"type": "m.room.create", "state_key": "", "sender": "@founder:hs",
                                "content": {"room_version": "12", "additional_creators": ["@cofounder:hs"]}})
    bot._apply_state("!space", {"type": "m.room.power_levels", "state_key": "",
                                "content": {"users": {"@chair:hs": 100, "@mod:hs": 50}, "users_default": 0}})
    assert bot.is_manager("@founder:hs") and bot.is_manager("@cofounder:hs")  # not in the users map
    assert bot.is_manager("@chair:hs")
    assert not bot.is_manager("@mod:hs") and not bot.is_manager("@amal:hs")


def _command(path: tuple[str, ...], *params: Param) -> SimpleNamespace:
    return SimpleNamespace(path=path, params=params, feature="t", summary="", needs=(), handler=None)


async def test_options_by_name_positional_and_quoted(bot: MatrixBot) -> None:
    services = bot.services

    async def noop(turn, call) -> None:
        return None

    services.commands.declare("t", ("event", "create"), "Plan", noop,
                              params=(Param("title"), Param("start"), Param("seats", Kind.INTEGER, required=False)),
                              needs=(Capability.ORGANIZER,))
    parser = CommandParser(services)
    turn = SimpleNamespace()
    command, options = await parser.parse('!event create "Language café" 18:30 seats:12', turn, bot)
    assert command.path == ("event", "create")
    assert options == {"title": "Language café", "start": "18:30", "seats": 12}  # "18:30" is not an option
    _, options = await parser.parse("!EVENT create start:“Friday 18:00” title:Café", turn, bot)
    assert options == {"title": "Café", "start": "Friday 18:00"}
    _, options = await parser.parse("!event create Café Friday at six", turn, bot)
    assert options == {"title": "Café", "start": "Friday at six"}  # the last option takes the rest
    with pytest.raises(ParseProblem) as missing:
        await parser.parse("!event create Café", turn, bot)
    assert missing.value.missing == "start"
    with pytest.raises(ParseProblem) as unknown:
        await parser.parse("!evnt create", turn, bot)
    assert unknown.value.unknown == "evnt"
    with pytest.raises(HelpWanted) as wanted:
        await parser.parse("!help event", turn, bot)
    assert wanted.value.group == "event"


def test_transaction_ids_come_from_the_key_alone() -> None:
    assert txn_id("events.announce:7:2026-12-01") == txn_id("events.announce:7:2026-12-01")
    assert txn_id("a") != txn_id("b")
    assert len(txn_id("x" * 500)) < 64


def test_buckets_pace_writes_and_a_429_pauses_everyone() -> None:
    room = Bucket(rate=2.0, burst=2)
    assert [room.reserve(10.0) for _ in range(4)] == [0.0, 0.0, 0.5, 1.0]  # the burst, then 2 a second
    assert room.reserve(12.0) == 0.0  # refilled meanwhile
    other = Bucket(rate=2.0, burst=2)
    assert other.reserve(10.0) == 0.0  # another room has its own bucket
    other.blocked_until = 15.0  # the homeserver said: wait until then
    assert other.reserve(11.0) == 4.0


def _protocol_members(protocol: type) -> set[str]:
    return {name for name in vars(protocol) if not name.startswith("_")} | set(
        getattr(protocol, "__annotations__", {}))


@pytest.mark.parametrize(("protocol", "adapter"),
                         [("Conversation", "MatrixConversation"), ("Exchange", "MatrixExchange")])
def test_the_adapter_implements_every_member_of_the_port(protocol: str, adapter: str) -> None:
    """A member the port grew (publish, is_member, ...) that the Matrix adapter lacks fails here, not in a feature."""
    import inspect

    import bot.core.conversation as port
    import bot.matrix.conversation as matrix

    wanted = getattr(port, protocol)
    have = getattr(matrix, adapter)
    for name in sorted(_protocol_members(wanted)):
        assert hasattr(have, name), f"{adapter} lacks {name}"
        expected = getattr(wanted, name, None)
        if inspect.isfunction(expected):
            got = getattr(have, name)
            assert inspect.iscoroutinefunction(got) == inspect.iscoroutinefunction(expected), name
            assert list(inspect.signature(got).parameters) == list(inspect.signature(expected).parameters), name


async def test_place_links_labels_and_a_written_card_title_are_rendered() -> None:
    from bot.core.conversation import Card, Label, LabelRef, Message, MessageRef, PlaceLink, PlaceRef, Said, Text
    from bot.matrix.render import render_message

    ids = {"4": "!welcome:hs"}

    async def resolve(local: str) -> str | None:
        return ids.get(local)

    message = Message(Text((PlaceLink(PlaceRef("4")), LabelRef(Label(None, "organizers")))),
                      card=Card(Text((Said("<b>Fika</b>"),))), reply_to=MessageRef(PlaceRef("4"), "9"))
    content = await render_message(message, resolve)
    assert content["body"].startswith("https://matrix.to/#/!welcome:hs" + "organizers")
    assert "<b>&lt;b&gt;Fika&lt;/b&gt;</b>" in content["formatted_body"]  # member text stays text
    assert content["m.mentions"] == {}  # a label never pings


async def test_a_batch_with_many_members_turns_is_handled_without_cycle_collection(bot: MatrixBot) -> None:
    import gc

    from bot.matrix.client import BURST_MEMBERS

    seen: dict[str, bool] = {}

    class Recording:
        async def handle(self, room_id: str, event: dict) -> None:
            await asyncio.sleep(0)
            seen[event["sender"]] = gc.isenabled()

    def batch(members: int) -> dict:
        events = [{"type": "m.room.message", "sender": f"@m{k}:hs", "event_id": f"$e{k}",
                   "content": {"msgtype": "m.text", "body": "!faq search sfi"}} for k in range(members)]
        return {"rooms": {"join": {"!dm:hs": {"timeline": {"events": events}}}}}

    bot.dispatcher = Recording()  # type: ignore[assignment]
    gc.enable()
    await bot.handle_sync(batch(BURST_MEMBERS + 1))
    assert len(seen) == BURST_MEMBERS + 1 and not any(seen.values())
    for _ in range(100):  # on again a moment after the batch (the collector's quiet period, real time)
        if gc.isenabled():
            break
        await asyncio.sleep(0.01)
    assert gc.isenabled(), "collection is on again once the batch is handled"
    seen.clear()
    await bot.handle_sync(batch(2))  # two members at once are no burst
    assert len(seen) == 2 and all(seen.values())
