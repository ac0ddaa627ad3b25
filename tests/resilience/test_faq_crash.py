"""FAQ: the bot killed at every database write of each multi-step action, then restarted.

For every action the writes are counted once (`arm_crash(None)`); then, for every point k, a fresh
simulator with the same setup dies at its k-th write, restarts (`recover`), and the test checks that
the data is consistent (all or nothing: texts, revisions and the planned translators' notice go
together), that the work resumes (the notice still arrives; the volunteer or member can redo the
step) and that nothing is sent twice.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from bot.core.db import SimulatedCrash
from bot.core.i18n import Catalogs
from bot.features.faq.cli import import_file
from bot.features.faq.models import Status
from bot.features.faq.transfer import dump_yaml, to_document
from bot.simulator import Simulator
from tests.conftest import START
from tests.helpers import faq, pause, untranslated

#: Only what the FAQ needs: each crash point starts a fresh bot twice.
EXTENSIONS = ("cogs.core", "cogs.faq")
NEW_ANSWER = "Ansök hos Skatteverket. Ny regel från 1 maj."


async def revisions(sim: Simulator, slug: str) -> int:
    return len(await faq(sim).history(slug))


async def _every_point(tmp_path: Path, catalogs: Catalogs, setup: Callable[[Simulator], Awaitable[None]],
                       action: Callable[[Simulator], Awaitable[object]],
                       check: Callable[[Simulator, int], Awaitable[None]], name: str) -> int:
    """Run `action` once to count its writes, then kill at each write and let `check` judge the recovery."""
    # A database with the starter set already loaded, copied for every run (loading it costs the most).
    template = tmp_path / f"{name}-template.db"
    async with Simulator.running(template, start=START, catalogs=catalogs, extensions=EXTENSIONS):
        pass

    def fresh(label: str) -> Path:
        path = tmp_path / f"{name}-{label}.db"
        shutil.copyfile(template, path)
        return path

    async with Simulator.running(fresh("count"), start=START, catalogs=catalogs, extensions=EXTENSIONS) as sim:
        await setup(sim)
        switch = sim.arm_crash(None)
        await action(sim)
        writes = switch.count
    assert writes >= 2
    for point in range(1, writes + 1):
        async with Simulator.running(fresh(f"crash-{point}"), start=START, catalogs=catalogs,
                                     extensions=EXTENSIONS) as sim:
            await setup(sim)
            sim.arm_crash(point)
            with contextlib.suppress(SimulatedCrash):
                await action(sim)
            await sim.recover()
            assert await sim.running_bot.services.db.check() == []
            await check(sim, point)
    return writes


def notices(sim: Simulator, slug: str) -> int:
    return sum(1 for a in sim.sent_to("#translators") if a.kind == "message" and slug in a.content)


# ----- /faq edit: the revision, the stale translations and the planned notice; then the notice job ----------
async def _edit_setup(sim: Simulator) -> None:
    await sim.join("Bertil")
    await sim.grant("Bertil", "volunteer")
    await sim.slash("Bertil", "/faq edit", options={"entry": "sfi", "reason": "New form"})


async def _edit_submit(sim: Simulator) -> None:
    old = faq(sim).get("sfi").source
    await sim.submit("Bertil", {"question": old.question, "answer": NEW_ANSWER,
                                "aliases": "\n".join(old.aliases), "sources": "https://www.norsjo.se"})


async def _edit_action(sim: Simulator) -> None:
    await _edit_submit(sim)
    await sim.advance(timedelta(minutes=1))  # the translators' notice job runs


async def test_a_kill_at_any_write_of_an_edit_and_its_notice_keeps_text_revision_and_notice_together(
        tmp_path: Path, catalogs: Catalogs) -> None:
    async def check(sim: Simulator, point: int) -> None:
        await sim.advance(timedelta(minutes=2))  # a notice planned before the kill still goes out
        entry = faq(sim).get("sfi")
        edited = entry.source.answer == NEW_ANSWER
        stale = [lang for lang in entry.texts if entry.status(lang) is Status.STALE]
        assert await revisions(sim, "sfi") == (2 if edited else 1), point
        assert entry.source_revision == (2 if edited else 1), point
        assert bool(stale) == edited, point
        assert notices(sim, "sfi") == (1 if edited else 0), point  # never twice, never lost
        if not edited:  # the volunteer simply does it again
            await pause(sim)
            await sim.slash("Bertil", "/faq edit", options={"entry": "sfi", "reason": "New form"})
            await _edit_action(sim)
            assert faq(sim).get("sfi").source.answer == NEW_ANSWER
            assert notices(sim, "sfi") == 1
        jobs = await sim.running_bot.services.db.fetchall(
            "SELECT state FROM scheduled_jobs WHERE key LIKE 'faq:stale:%'")
        assert [r["state"] for r in jobs] == ["done"], point

    await _every_point(tmp_path, catalogs, _edit_setup, _edit_action, check, "edit")


# ----- /faq translate (the form) ----------------------------------------------------------------------
async def _translate_setup(sim: Simulator) -> None:
    await untranslated(faq(sim), sim.running_bot.services.db, "bankid", "ti")
    await sim.join("Tesfay")
    await sim.grant("Tesfay", "translator")
    step = await sim.slash("Tesfay", "/faq translate", options={"entry": "bankid", "language": "ti"})
    await pause(sim)
    await sim.press("Tesfay", step.last("interaction_response").buttons()[0]["custom_id"])


async def _translate_action(sim: Simulator) -> None:
    await sim.submit("Tesfay", {"question": "ባንክ ኣይዲ ብኸመይ ይርከብ?", "answer": "ብባንክኻ።", "aliases": "",
                                "reason": "first version"})


async def test_a_kill_at_any_write_of_a_translation_stores_all_of_it_or_nothing(tmp_path: Path,
                                                                                catalogs: Catalogs) -> None:
    async def check(sim: Simulator, point: int) -> None:
        entry = faq(sim).get("bankid")
        history = await faq(sim).history("bankid")
        saved = entry.status("ti") is Status.CURRENT
        assert (history[0].action == "translate:ti") == saved, point
        assert len(history) == (2 if saved else 1), point
        if saved:
            assert history[0].reason == "first version"
        else:
            assert entry.status("ti") is Status.MISSING
            await pause(sim)
            await sim.press("Tesfay", f"faq:write:{entry.id}:ti")
            await _translate_action(sim)
            assert faq(sim).get("bankid").status("ti") is Status.CURRENT
        assert not sim.sent_to("#translators")

    await _every_point(tmp_path, catalogs, _translate_setup, _translate_action, check, "translate")


# ----- /faq rollback ----------------------------------------------------------------------------------
ORIGINAL: dict[str, str] = {}


async def _rollback_setup(sim: Simulator) -> None:
    await sim.join("Bertil")
    await sim.grant("Bertil", "volunteer")
    service = faq(sim)
    ORIGINAL["answer"] = service.get("winter-tyres").source.answer
    source = service.get("winter-tyres").source
    await service.edit(sim.member("Bertil").id, "winter-tyres", reason="oops", question=source.question,
                       answer="Fel text.", aliases=source.aliases)
    await sim.advance(timedelta(minutes=1))


async def _rollback_action(sim: Simulator) -> None:
    await pause(sim)
    await sim.slash("Bertil", "/faq rollback", options={"entry": "winter-tyres", "revision": "1",
                                                         "reason": "wrong text"})


async def test_a_kill_at_any_write_of_a_rollback_restores_whole_or_not_at_all(tmp_path: Path,
                                                                              catalogs: Catalogs) -> None:
    async def check(sim: Simulator, point: int) -> None:
        entry = faq(sim).get("winter-tyres")
        back = entry.source.answer == ORIGINAL["answer"]
        assert entry.source.answer in (ORIGINAL["answer"], "Fel text."), point
        assert await revisions(sim, "winter-tyres") == (3 if back else 2), point
        # The translations are current exactly when the old text is back.
        current = [lang for lang in entry.texts if lang != entry.source_language
                   and entry.status(lang) is Status.CURRENT]
        assert bool(current) == back, point
        if not back:
            await _rollback_action(sim)
            assert faq(sim).get("winter-tyres").source.answer == ORIGINAL["answer"]
        before = len(sim.sent_to("#translators"))
        await sim.advance(timedelta(minutes=5))
        assert len(sim.sent_to("#translators")) == before  # nothing re-sent after the restart

    await _every_point(tmp_path, catalogs, _rollback_setup, _rollback_action, check, "rollback")


# ----- "Did this help? No" and the question form ------------------------------------------------------
QUESTION = "Where can I buy a fishing licence?"


async def _no_setup(sim: Simulator) -> None:
    await sim.join("Amal")
    step = await sim.slash("Amal", "/faq search", options={"query": "bankid"})
    reply = next(a for a in step.actions if a.embeds)
    no_button = next(b for b in reply.buttons() if ":no" in b["custom_id"])
    await pause(sim)
    await sim.press("Amal", no_button["custom_id"], message=sim.discord.messages[reply.message_id])


async def _no_action(sim: Simulator) -> None:
    await sim.submit("Amal", {"question": QUESTION})


async def test_a_kill_while_queueing_a_question_queues_it_once_or_lets_the_member_ask_again(
        tmp_path: Path, catalogs: Catalogs) -> None:
    async def check(sim: Simulator, point: int) -> None:
        db = sim.running_bot.services.db
        rows = await db.fetchall("SELECT question FROM faq_unanswered")
        assert [r["question"] for r in rows] in ([], [QUESTION]), point
        if not rows:
            await pause(sim)
            await _no_setup(sim)
            await _no_action(sim)
            rows = await db.fetchall("SELECT question FROM faq_unanswered")
            assert [r["question"] for r in rows] == [QUESTION]

    await _every_point(tmp_path, catalogs, _no_setup, _no_action, check, "no")


# ----- `multinations-bot faq import` ------------------------------------------------------------------
async def _import_setup(sim: Simulator) -> None:
    service = faq(sim)
    picked = [service.get("sfi"), service.get("bankid")]
    document = to_document(picked)
    for item in document["entries"]:
        source = item["source_language"]
        item["texts"][source]["answer"] += " (uppdaterad)"
    document["entries"].append({**document["entries"][0], "slug": "fishing-licence", "category": "community"})
    path = sim.database_path.parent / f"{sim.database_path.stem}-import.yaml"
    path.write_text(dump_yaml(document), encoding="utf-8")


async def _import_action(sim: Simulator) -> None:
    path = sim.database_path.parent / f"{sim.database_path.stem}-import.yaml"
    assert await import_file(faq(sim), path, None) == 0


async def test_a_kill_in_the_middle_of_an_import_leaves_nothing_half_imported(tmp_path: Path,
                                                                               catalogs: Catalogs) -> None:
    slugs = ("sfi", "bankid")

    async def check(sim: Simulator, point: int) -> None:
        service = faq(sim)
        updated = [service.get(s).source.answer.endswith("(uppdaterad)") for s in slugs]
        added = service.find("fishing-licence") is not None
        assert set(updated) == {added}, (point, updated, added)  # all of it or none of it
        db = sim.running_bot.services.db
        planned = await db.fetchval("SELECT COUNT(*) FROM scheduled_jobs WHERE key LIKE 'faq:stale:%'")
        assert (planned > 0) == added, point
        if not added:  # the import is simply run again
            await _import_setup(sim)
            await _import_action(sim)
            assert service.find("fishing-licence") is not None
        await sim.advance(timedelta(minutes=1))
        assert all(notices(sim, s) == 1 for s in slugs), point

    await _every_point(tmp_path, catalogs, _import_setup, _import_action, check, "import")
