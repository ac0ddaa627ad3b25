"""Commands declared once: the permission and place checks, and the text parsing adapters share."""

import pytest

from bot.core.access import Capability
from bot.core.commands import Call, Commands, Kind, Param, UsageError, Where, parse_value
from bot.core.conversation import Message, UserRef
from bot.core.conversation_memory import MemoryExchange
from bot.core.errors import NotAllowed, UserError


def registry(seen: list[Call]) -> Commands:
    async def handler(exchange, call: Call) -> None:
        seen.append(call)
        await exchange.answer(Message.of(f"ran {' '.join(call.command.path)}"))

    commands = Commands()
    commands.declare("faq", ("faq", "search"), "Find an answer", handler, params=(Param("query"),),
                     where=Where.ANYWHERE)
    commands.declare("faq", ("faq", "remove"), "Hide an entry", handler,
                     params=(Param("entry"), Param("reason")), needs=(Capability.VOLUNTEER,))
    commands.declare("events", ("event", "create"), "Create an event", handler, needs=(Capability.ORGANIZER,))
    return commands


async def test_a_member_without_the_staff_group_is_refused_and_nothing_runs():
    seen: list[Call] = []
    commands = registry(seen)
    member = MemoryExchange(UserRef("7"), community=1)
    with pytest.raises(NotAllowed):
        await commands.run(member, ("faq", "remove"), {"entry": "sfi", "reason": "old"})
    assert seen == []
    volunteer = MemoryExchange(UserRef("8"), community=1, staff=frozenset({Capability.VOLUNTEER}))
    await commands.run(volunteer, ("faq", "remove"), {"entry": "sfi", "reason": "old"})
    assert [c["entry"] for c in seen] == ["sfi"]
    assert str(volunteer.last.text) == "ran faq remove"


async def test_a_manager_may_run_every_staff_command():
    seen: list[Call] = []
    manager = MemoryExchange(UserRef("9"), community=1, manager=True)
    await registry(seen).run(manager, ("event", "create"))
    assert len(seen) == 1


async def test_community_commands_are_refused_in_a_direct_conversation_and_others_work_there():
    seen: list[Call] = []
    commands = registry(seen)
    alone = MemoryExchange(UserRef("7"), community=None, staff=frozenset({Capability.VOLUNTEER}))
    with pytest.raises(UserError):
        await commands.run(alone, ("faq", "remove"), {"entry": "sfi", "reason": "x"})
    await commands.run(alone, ("faq", "search"), {"query": "sfi"})
    assert [c.get("query") for c in seen] == ["sfi"]


async def test_absent_options_read_as_their_default_and_help_lists_only_what_the_member_may_run():
    seen: list[Call] = []
    commands = registry(seen)
    member = MemoryExchange(UserRef("7"), community=1)
    await commands.run(member, ("faq", "search"), {"query": None})
    assert seen[0].get("query", "nothing") == "nothing"
    assert [c.path for c in commands.visible_to(member)] == [("faq", "search")]
    organizer = MemoryExchange(UserRef("8"), community=1, staff=frozenset({Capability.ORGANIZER}))
    assert ("event", "create") in [c.path for c in commands.visible_to(organizer)]
    assert commands.groups() == ["event", "faq"]
    with pytest.raises(LookupError):
        await commands.run(member, ("faq", "nothing"))


async def test_reloading_a_feature_replaces_and_removes_its_declarations():
    commands = registry([])
    commands.remove_feature("faq")
    assert [c.path for c in commands] == [("event", "create")]


def test_typed_text_is_parsed_by_the_declared_kind():
    assert parse_value(Param("count", Kind.INTEGER, min_value=1, max_value=5), " 3 ") == 3
    assert parse_value(Param("on", Kind.BOOLEAN), "Yes") is True
    assert parse_value(Param("on", Kind.BOOLEAN), "off") is False
    assert parse_value(Param("lang", choices=(("ar", "Arabic"), ("ti", "Tigrinya"))), "ti") == "ti"
    found = parse_value(Param("who", Kind.MEMBER), "@amal", member=lambda text: UserRef("17") if text == "@amal"
                        else None)
    assert found == UserRef("17")
    for param, raw in [(Param("count", Kind.INTEGER), "three"), (Param("count", Kind.INTEGER, max_value=5), "9"),
                       (Param("on", Kind.BOOLEAN), "perhaps"), (Param("lang", choices=(("ar", "Arabic"),)), "xx"),
                       (Param("who", Kind.MEMBER), "@nobody"), (Param("title", max_length=3), "four")]:
        with pytest.raises(UsageError) as refused:
            parse_value(param, raw)
        assert refused.value.param is param
