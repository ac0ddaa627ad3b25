"""A promised message reaches the member: directly when they allowed it, else at their next turn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.clock import FixedClock
from bot.core.commands import Commands
from bot.core.conversation import Delivery, Message, UserRef
from bot.core.conversation_memory import MemoryConversation, MemoryExchange
from bot.core.flows import Routes
from bot.core.members import MemberPrefs
from bot.core.notices import ALLOW_DM, KEEP_FOR, PER_TURN, HeldNotices, after_turn
from bot.core.privacy import PrivacyRegistry

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def setup(db, catalogs):
    clock = FixedClock(T0)
    prefs = MemberPrefs(db, clock)
    notices = HeldNotices(db, clock, prefs, lambda code: catalogs.translator(code or "sv", "Europe/Stockholm"))

    async def render(payload, t):
        if payload.get("gone"):
            return None
        return Message.of(t._("Saved.") + f" #{payload['event']}")

    notices.register("events.promoted", render)
    chat = MemoryConversation(allows_dms=lambda user: prefs.dm_allowed(int(user.id)))
    return clock, prefs, notices, chat


async def test_a_member_who_allowed_direct_messages_gets_the_notice_directly(db, catalogs):
    _clock, prefs, notices, chat = setup(db, catalogs)
    await prefs.set_dm_allowed(7, True)
    assert await notices.can_write(7)
    outcome = await notices.reach(chat, 7, 1, "events.promoted", "promote:1:7", {"event": 1})
    assert outcome is Delivery.SENT
    assert [s.to for s in chat.of("direct")] == ["7"]
    assert await notices.count(7) == 0


async def test_a_notice_the_bot_may_not_send_is_shown_at_the_next_turn_in_the_members_language(db, catalogs):
    _clock, _prefs, notices, chat = setup(db, catalogs)
    assert not await notices.can_write(7)
    outcome = await notices.reach(chat, 7, 1, "events.promoted", "promote:1:7", {"event": 1})
    assert outcome is Delivery.NOT_ALLOWED
    assert chat.of("direct") == []
    # the same promise planned twice (a job re-run) is kept once
    await notices.reach(chat, 7, 1, "events.promoted", "promote:1:7", {"event": 1})
    assert await notices.count(7) == 1

    routes, commands = Routes(), Commands()
    routes.after(after_turn(notices))
    commands.after(after_turn(notices))

    async def search(turn, call):
        await turn.answer(Message.of("found"))

    commands.declare("faq", ("faq", "search"), "Find", search)
    turn = MemoryExchange(UserRef("7"), community=1, language="ar")
    await commands.run(turn, ("faq", "search"))
    assert len(turn.answers) == 2
    held = turn.answers[1]
    arabic = catalogs.translator("ar", "Europe/Stockholm")
    assert str(held.text).startswith(arabic._("While I could not write to you directly:"))
    assert arabic._("Saved.") in str(held.text)
    assert ALLOW_DM in held.actions  # one press to allow, offered with it
    assert await notices.count(7) == 0
    again = MemoryExchange(UserRef("7"), community=1, language="ar")
    await commands.run(again, ("faq", "search"))
    assert len(again.answers) == 1  # shown once


async def test_one_press_allows_direct_messages_and_later_notices_go_directly(db, catalogs):
    _clock, prefs, notices, chat = setup(db, catalogs)
    routes = Routes()
    routes.add("core", "allow-dm", notices.on_allow)
    turn = MemoryExchange(UserRef("7"), community=1, language="ti")
    assert await routes.dispatch(turn, ALLOW_DM)
    assert await prefs.dm_allowed(7)
    assert turn.replaced  # the prompt says what changed
    assert await notices.reach(chat, 7, 1, "events.promoted", "promote:2:7", {"event": 2}) is Delivery.SENT


async def test_closed_direct_messages_hold_the_notice_and_a_failing_platform_leaves_it_to_the_job(db, catalogs):
    _clock, prefs, notices, chat = setup(db, catalogs)
    await prefs.set_dm_allowed(7, True)
    chat.closed_dms.add("7")
    assert await notices.reach(chat, 7, 1, "events.promoted", "k1", {"event": 1}) is Delivery.CLOSED
    assert await notices.count(7) == 1
    chat.closed_dms.clear()
    chat.failing = True
    assert await notices.reach(chat, 7, 1, "events.promoted", "k2", {"event": 2}) is Delivery.FAILED
    assert await notices.count(7) == 1


async def test_old_or_no_longer_true_notices_are_dropped_unseen_and_at_most_a_few_show_at_once(db, catalogs):
    clock, _prefs, notices, _chat = setup(db, catalogs)
    await notices.hold(7, 1, "events.promoted", "old", {"event": 1})
    clock.set(T0 + KEEP_FOR + timedelta(days=1))
    await notices.hold(7, 1, "events.promoted", "gone", {"event": 2, "gone": True})
    for n in range(PER_TURN + 1):
        await notices.hold(7, 1, "events.promoted", f"new{n}", {"event": 10 + n})
    turn = MemoryExchange(UserRef("7"), community=1, language="so")
    assert await notices.deliver(turn) == PER_TURN
    assert all("#1 " not in str(m.text) and not str(m.text).endswith("#1") for m in turn.answers)
    assert await notices.count(7) == 1
    assert await notices.deliver(MemoryExchange(UserRef("7"), community=1)) == 1


async def test_held_notices_are_exported_and_deleted_with_the_members_data(db, catalogs):
    _clock, _prefs, notices, _chat = setup(db, catalogs)
    privacy = PrivacyRegistry(db)
    privacy.register(notices.privacy_section())
    await notices.hold(7, 1, "events.promoted", "k", {"event": 1})
    exported = await privacy.export(7)
    assert exported["held_notices"] == [{"kind": "events.promoted", "kept_since": exported["held_notices"][0]
                                         ["kept_since"]}]
    await privacy.delete(7)
    assert await notices.count(7) == 0


async def test_a_turn_answered_with_a_form_keeps_the_notice_for_the_next_turn(db, catalogs):
    from bot.core.conversation import Action, Form, FormField

    _clock, _prefs, notices, _chat = setup(db, catalogs)
    await notices.hold(7, 1, "events.promoted", "k", {"event": 1})
    turn = MemoryExchange(UserRef("7"), community=1)
    await turn.ask(Form(Action("faq", "question"), "Ask", (FormField("text", "Question"),)))
    assert await notices.deliver(turn) == 0
    assert await notices.count(7) == 1
    later = MemoryExchange(UserRef("7"), community=1)
    assert await notices.deliver(later) == 1
