"""The conversation port's data, its in-memory implementation, the outbox and the place registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core import places
from bot.core.areas import DEFAULT_AREAS, areas_of
from bot.core.clock import FixedClock
from bot.core.conversation import (
    Action,
    Button,
    CommandRef,
    Conversation,
    Delivery,
    Exchange,
    Mention,
    Message,
    Moment,
    Parts,
    PlaceRef,
    Plain,
    Said,
    Text,
    UserRef,
)
from bot.core.conversation_memory import MemoryConversation, MemoryExchange
from bot.core.db import Database
from bot.core.flows import Answer, Routes
from bot.core.jobs import JobQueue
from bot.core.members import GuildConfig
from bot.core.outbox import Outbox, send_key

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
AMAL = UserRef("@amal:example.org")


def test_a_translated_sentence_keeps_its_placeholders_as_segments() -> None:
    parts = Parts()
    translated = "{name} bad om hjälp med par #{id}. Använd {command}.".format(
        name=parts.mention(AMAL), id=7, command=parts.command("match", "end", pair=7))
    text = parts.text(translated)
    assert text.segments == (Mention(AMAL), Plain(" bad om hjälp med par #7. Använd "),
                             CommandRef(("match", "end"), (("pair", "7"),)), Plain("."))
    assert text.mentions == (AMAL,)
    assert str(text) == "@amal:example.org bad om hjälp med par #7. Använd match end pair:7."


def test_member_text_and_moments_are_segments_of_their_own() -> None:
    parts = Parts()
    at = datetime(2026, 12, 3, 17, tzinfo=UTC)
    text = parts.text(f"{parts.said('*Kaffe*')} {parts.moment(at, 'relative', 'om två dagar')}")
    assert text.segments == (Said("*Kaffe*"), Plain(" "), Moment(at, "relative", "om två dagar"))
    assert not Text() and Text.plain("x") and Text.plain("a") + "b" == Text((Plain("a"), Plain("b")))


def test_an_action_has_one_wire_form_that_reads_back() -> None:
    action = Action("mentoring", "answer", ("12", "yes"))
    assert str(action) == "mentoring:answer:12:yes"
    assert Action.parse(str(action)) == action
    assert Action.parse("nonsense") is None and Action.parse(":x") is None


def test_the_memory_platform_implements_the_port() -> None:
    assert isinstance(MemoryConversation(), Conversation)
    assert isinstance(MemoryExchange(AMAL), Exchange)


async def test_a_repeated_key_is_not_shown_twice_and_closed_dms_are_an_outcome() -> None:
    chat = MemoryConversation(closed_dms={"@bo:example.org"})
    message = Message.of("Hej")
    assert await chat.direct(AMAL, message, key="k|1") is Delivery.SENT
    assert await chat.direct(AMAL, message, key="k|1") is Delivery.SENT
    assert len(chat.of("direct")) == 1
    assert await chat.direct(UserRef("@bo:example.org"), message) is Delivery.CLOSED
    chat.failing = True
    assert await chat.direct(AMAL, message) is Delivery.FAILED
    assert await chat.notify(1, places.COORDINATORS, message) is Delivery.FAILED
    assert not Delivery.FAILED and not Delivery.CLOSED and Delivery.SENT


async def test_a_member_who_did_not_allow_dms_is_not_written_to() -> None:
    async def allows(user: UserRef) -> bool:
        return user != AMAL

    chat = MemoryConversation(allows_dms=allows)
    assert await chat.direct(AMAL, Message.of("Hej"), only_if_allowed=True) is Delivery.NOT_ALLOWED
    assert chat.of("direct") == []


async def test_routes_reach_the_handler_also_from_an_old_wire_form() -> None:
    routes = Routes()
    seen: list[tuple[Action, Answer]] = []

    async def handler(exchange: Exchange, action: Action, answer: Answer) -> None:
        seen.append((action, answer))
        await exchange.answer(Message.of("ok"))

    routes.add("mentoring", "answer", handler)
    routes.translate(r"mentor_accept_(?P<id>\d+)", lambda m: Action("mentoring", "answer", (m["id"], "yes")))
    turn = MemoryExchange(AMAL)
    for wire in ("mentoring:answer:3:yes", "mentor_accept_3"):
        action = routes.resolve(wire)
        assert action == Action("mentoring", "answer", ("3", "yes"))
        assert await routes.dispatch(turn, action, Answer(values=("a",)))
    assert routes.resolve("mentoring:unknown:1") is None and routes.resolve("onb:start") is None
    assert len(seen) == 2 and len(turn.answers) == 2
    assert routes.names("mentoring") == ["answer"]


async def test_the_outbox_drops_the_safety_net_only_when_the_send_succeeded(db: Database) -> None:
    clock = FixedClock(T0)
    jobs = JobQueue(db, clock, default_grace=timedelta(minutes=30))
    outbox = Outbox(jobs, clock)
    chat = MemoryConversation()
    sends: list[str] = []

    async def sender(job) -> bool:  # the job path and the direct path share one sender
        sends.append(job.key)
        return await chat.notify(1, places.ORGANIZERS, Message.of("note"), key=send_key(job.key))

    outbox.register("test.note", sender, grace=None, retry=timedelta(minutes=5))
    await outbox.plan("test.note", "note:1", {})
    await outbox.plan("test.note", "note:2", {})
    assert await outbox.now("note:1", lambda: chat.notify(1, places.ORGANIZERS, Message.of("note"),
                                                           key=send_key("note:1")))
    assert await jobs.state_of("note:1") == "cancelled"
    chat.failing = True
    assert not await outbox.now("note:2", lambda: chat.notify(1, places.ORGANIZERS, Message.of("note"),
                                                               key=send_key("note:2")))
    await jobs.run_due()
    assert await jobs.state_of("note:2") == "pending"  # RetryLater: tried again later
    chat.failing = False
    clock.set(T0 + timedelta(minutes=6))
    await jobs.run_due()
    assert await jobs.state_of("note:2") == "done"
    assert [s.key for s in chat.of("notify", "organizers")] == ["note:1|", "note:2|"]
    # Skips a row that already ran.
    assert await outbox.now("note:2", lambda: chat.notify(1, places.ORGANIZERS, Message.of("again")),
                            only_pending=True) is None
    assert len(chat.of("notify")) == 2


async def test_the_registry_reads_the_setup_choice_and_the_old_key(db: Database) -> None:
    config = GuildConfig(db, FixedClock(T0))
    registry = places.PlaceRegistry(config)
    assert await registry.chosen(1, places.ORGANIZERS) is None
    await config.set(1, "events.organizers_channel", 55)  # written by hand on an old installation
    assert await registry.chosen(1, places.ORGANIZERS) == "55"
    await registry.choose(1, {places.ORGANIZERS: "77", places.PAIRS: "!room:example.org"},
                          also={"onboarding.areas": ["Kusfors"]})
    assert await registry.chosen(1, places.ORGANIZERS) == "77"
    assert await registry.chosen(1, places.PAIRS) == "!room:example.org"
    assert await config.get(1, "onboarding.organizers_channel") == 77
    assert await areas_of(config, 1) == ["Kusfors"]
    assert await areas_of(config, 2) == list(DEFAULT_AREAS)
    assert len({p.key for p in places.PLACES}) == len(places.PLACES)


def test_messages_list_their_actions() -> None:
    message = Message.of("Ja?", Button(Action("x", "yes"), "Ja"), Button(Action("x", "no"), "Nej"))
    assert [str(a) for a in message.actions] == ["x:yes", "x:no"]
    assert PlaceRef.of(5) == PlaceRef("5") and UserRef.of(5) == UserRef("5")
