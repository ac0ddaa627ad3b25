"""FAQ: every privileged command, form and button tried by the wrong people and from the wrong place.

(a) a member without the role, (b) a member whose role was removed a moment ago (also between
opening a form and sending it), (c) from direct messages, (d) an old "Write the translation" button
replayed by someone else. Each is refused politely in the member's language, logged without names
or typed text, and changes nothing in the database.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.simulator import Simulator
from bot.simulator.harness import Step
from tests.helpers import faq, pause

SECRET = "my private reason text"

#: (command, options) for every staff command of the FAQ.
COMMANDS: list[tuple[str, dict[str, str]]] = [
    ("/faq add", {"slug": "new-entry", "category": "work"}),
    ("/faq edit", {"entry": "sfi", "reason": SECRET}),
    ("/faq translate", {"entry": "bankid", "language": "ti"}),
    ("/faq review", {"entry": "sfi", "language": "en"}),
    ("/faq checked", {"entry": "sfi"}),
    ("/faq history", {"entry": "sfi"}),
    ("/faq rollback", {"entry": "winter-tyres", "revision": "1", "reason": SECRET}),
    ("/faq remove", {"entry": "sfi", "reason": SECRET}),
    ("/faq todo", {}),
    ("/faq unanswered", {}),
    ("/faq unanswered", {"done": "1"}),
]


async def snapshot(sim: Simulator) -> dict[str, Any]:
    """Every FAQ row and every planned job (to prove a refusal changed nothing)."""
    db = sim.running_bot.services.db
    tables = ("faq_entries", "faq_texts", "faq_revisions", "faq_unanswered", "faq_meta")
    rows = {table: [tuple(r) for r in await db.fetchall(f"SELECT * FROM {table} ORDER BY 1, 2")]
            for table in tables}
    rows["jobs"] = [tuple(r) for r in await db.fetchall("SELECT * FROM scheduled_jobs WHERE key LIKE 'faq:%'")]
    return rows


async def setup(sim: Simulator) -> None:
    await sim.join("Amal", locale="sv-SE")
    await sim.join("Bertil", locale="sv-SE")
    await sim.join("Tesfay")
    await sim.grant("Tesfay", "translator")
    # Something in the queue and the history, so that "done" and "rollback" have a target.
    await faq(sim).add_unanswered(sim.running_bot.services.settings.guild_id, "Fiske?", "sv", None)


def assert_refused(step: Step, who: str, words: str) -> None:
    assert not step.of("modal"), step.actions
    reply = step.last()
    assert reply.kind in ("interaction_response", "followup") and reply.visible_to == who
    assert words in reply.text, reply.text
    assert reply.mentions == [] and not reply.pinged_everyone


def assert_clean_logs(caplog: pytest.LogCaptureFixture) -> None:
    for name in ("Amal", "Bertil", "Tesfay", SECRET):
        assert name not in caplog.text


async def test_members_without_the_role_are_refused_in_their_language(sim: Simulator,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await setup(sim)
    before = await snapshot(sim)
    for line, options in COMMANDS:
        await pause(sim)
        step = await sim.slash("Amal", line, options=options)
        assert_refused(step, "Amal", "Tyvärr")  # Swedish: "Sorry, only volunteers or translators ..."
    assert await snapshot(sim) == before
    assert_clean_logs(caplog)


async def test_a_role_removed_a_moment_ago_is_refused_also_in_an_open_form(sim: Simulator,
                                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await setup(sim)
    await sim.grant("Bertil", "volunteer")
    await sim.revoke("Bertil", "volunteer")
    before = await snapshot(sim)
    for line, options in COMMANDS:
        await pause(sim)
        assert_refused(await sim.slash("Bertil", line, options=options), "Bertil", "Tyvärr")
    assert await snapshot(sim) == before

    # The role goes while the form is open: sending it is refused.
    await sim.grant("Bertil", "volunteer")
    await pause(sim)
    await sim.slash("Bertil", "/faq edit", options={"entry": "sfi", "reason": SECRET})
    await sim.revoke("Bertil", "volunteer")
    old = faq(sim).get("sfi").source
    step = await sim.submit("Bertil", {"question": old.question, "answer": SECRET, "aliases": "", "sources": ""})
    assert_refused(step, "Bertil", "Tyvärr")
    await sim.grant("Bertil", "volunteer")
    await pause(sim)
    await sim.slash("Bertil", "/faq add", options={"slug": "new-entry", "category": "work"})
    await sim.revoke("Bertil", "volunteer")
    step = await sim.submit("Bertil", {"question": "Q?", "answer": SECRET, "aliases": "", "sources": ""})
    assert_refused(step, "Bertil", "Tyvärr")
    # A translator loses the role between pressing "Write the translation" and sending the form.
    step = await sim.slash("Tesfay", "/faq translate", options={"entry": "bankid", "language": "ti"})
    await pause(sim)
    await sim.press("Tesfay", step.last("interaction_response").buttons()[0]["custom_id"])
    await sim.revoke("Tesfay", "translator")
    step = await sim.submit("Tesfay", {"question": "Q?", "answer": SECRET, "aliases": "", "reason": SECRET})
    assert_refused(step, "Tesfay", "Sorry")
    assert await snapshot(sim) == before
    assert_clean_logs(caplog)


async def test_staff_commands_from_direct_messages_are_refused(sim: Simulator,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await setup(sim)
    await sim.grant("Bertil", "volunteer")
    before = await snapshot(sim)
    for line, options in COMMANDS:
        await pause(sim)
        step = await sim.slash("Bertil", line, options=options, channel="dm")
        assert_refused(step, "Bertil", "servern")  # "This only works in the server ..." in Swedish
    assert await snapshot(sim) == before
    assert_clean_logs(caplog)


async def test_a_replayed_translation_button_is_refused_for_other_members(sim: Simulator,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await setup(sim)
    step = await sim.slash("Tesfay", "/faq translate", options={"entry": "bankid", "language": "ti"})
    reply = step.last("interaction_response")
    message = sim.discord.messages[reply.message_id]
    custom_id = reply.buttons()[0]["custom_id"]
    before = await snapshot(sim)
    # Another member presses the old button, and one for an entry and language that were never offered.
    step = await sim.press("Amal", custom_id, message=message)
    assert_refused(step, "Amal", "Tyvärr")
    await pause(sim)
    other = f"faq:write:{faq(sim).get('sfi').id}:uk"
    message.components[0]["components"][0]["custom_id"] = other
    step = await sim.press("Amal", other, message=message)
    assert_refused(step, "Amal", "Tyvärr")
    # Someone whose role was removed presses it.
    await sim.grant("Bertil", "volunteer")
    await sim.revoke("Bertil", "volunteer")
    step = await sim.press("Bertil", other, message=message)
    assert_refused(step, "Bertil", "Tyvärr")
    # A forged id for an entry that does not exist, by a translator: refused, not an incident.
    await pause(sim)
    message.components[0]["components"][0]["custom_id"] = "faq:write:999999:ti"
    step = await sim.press("Tesfay", "faq:write:999999:ti", message=message)
    assert not step.of("modal") and "no longer available" in step.last().text
    assert await snapshot(sim) == before
    assert_clean_logs(caplog)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
