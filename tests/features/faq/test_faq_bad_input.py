"""Bad FAQ content gets a clear answer and changes nothing: imports are cleaned and bounded like `/faq add`,
and a large FAQ does not make the welcome's last step walk it per topic."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.core.clock import FixedClock
from bot.core.conversation import Action, CommandRef
from bot.core.db import Database
from bot.core.settings import Settings
from bot.features.faq.cli import register_cli
from bot.features.faq.models import CATEGORY_TOPICS, Entry
from bot.features.faq.service import FaqService
from bot.features.faq.transfer import ImportProblem, export_po

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
async def service(db: Database) -> FaqService:
    faq = FaqService(db, FixedClock(NOW))
    await faq.ensure_starter()
    await faq.load()
    return faq


def document(**overrides: object) -> str:
    """A one-entry FAQ document; `overrides` replace entry fields, `texts` the Swedish text fields."""
    text: dict[str, object] = {"question": "Var köper jag fiskekort?", "answer": "I kommunens turistbyrå."}
    text.update(overrides.pop("text", {}))  # type: ignore[arg-type]
    entry: dict[str, object] = {
        "slug": "fishing", "category": "community", "source_language": "sv",
        "sources": ["https://www.norsjo.se"], "last_checked": "2026-11-27", "texts": {"sv": text},
    }
    entry.update(overrides)
    return yaml.safe_dump({"format": "multinations-faq", "version": 1, "entries": [entry]}, allow_unicode=True)


def snapshot(service: FaqService) -> dict[str, dict]:
    return {e.slug: e.content() for e in service.all_entries()}


async def test_imported_texts_are_cleaned_like_the_add_form(service: FaqService) -> None:
    hidden = "Var\x00 köper\x07 jag\x1b fiske\u202ekort\u200b?"
    await service.import_document(document(text={"question": hidden, "answer": "I\u2066 turistbyrån\x00.",
                                                 "aliases": ["fiske\u200bkort", "\u3164"]}), "fish.yaml")
    text = service.get("fishing").source
    assert text.question == "Var köper jag fiskekort?"
    assert text.answer == "I turistbyrån."
    assert text.aliases == ("fiskekort",)


@pytest.mark.parametrize("overrides, problem", [
    ({"sources": ["https://www.skatteverket.se\u202e/evil"]}, "sources"),
    ({"sources": ["https://www.skatteverket.se/\x00x"]}, "sources"),
    ({"text": {"reviewed": "false"}}, "reviewed must be true or false"),
    ({"removed": "no"}, "removed must be true or false"),
    ({"review_days": 10**12}, "review_days"),
    ({"review_days": 10**30}, "review_days"),
    ({"review_days": True}, "review_days"),
    ({"source_revision": 10**30}, "source_revision"),
    ({"last_checked": "9999-12-31"}, "last_checked"),
    ({"last_checked": "2027-06-01"}, "last_checked"),
    ({"text": {"question": "Fiske\ud800?"}}, "cannot be stored"),
])
async def test_a_bad_value_refuses_the_whole_import(service: FaqService, overrides: dict, problem: str) -> None:
    before = snapshot(service)
    with pytest.raises(ImportProblem) as caught:
        await service.import_document(document(**overrides), "fish.yaml")
    assert problem in caught.value.message and caught.value.filename == "fish.yaml"
    assert snapshot(service) == before


async def test_todo_works_after_a_far_last_checked_date_reached_the_database(service: FaqService,
                                                                            db: Database) -> None:
    # Stored before imports were bounded: the review date would be past the end of the calendar.
    await service.import_document(document(), "fish.yaml")
    await db.execute("UPDATE faq_entries SET last_checked = '9999-12-30', review_days = 3650 WHERE slug = 'fishing'")
    await service.load()
    assert "fishing" not in service.todo().due_for_review


async def test_po_import_cleans_the_translation(service: FaqService) -> None:
    po = export_po(service.entries, "nl")
    # Poedit keeps control and bidi characters a translator pasted by accident.
    po = po.replace('msgstr "Hoe begin ik met SFI (Zweeds voor immigranten)?"',
                    'msgstr "Hoe\x1b begin ik\u200b met \u202eSFI\x07?"', 1)
    assert "\u202eSFI" in po
    await service.import_po(po, "nl.po", "nl")
    assert service.get("sfi").texts["nl"].question == "Hoe begin ik met SFI?"


async def test_cli_refuses_a_huge_number_with_one_line_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "fish.yaml"
    path.write_text(document(review_days=10**30), encoding="utf-8")
    parser = argparse.ArgumentParser()
    register_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["faq", "import", str(path)])
    status = await args.func(args, Settings(database_path=tmp_path / "bot.sqlite3"))
    printed = capsys.readouterr()
    assert status == 1
    assert "refused, nothing was imported" in printed.out and "review_days" in printed.out
    assert "Traceback" not in printed.out and "OverflowError" not in printed.out + printed.err


async def test_the_welcome_picks_five_of_five_thousand_entries_without_comparing_them(
        service: FaqService, monkeypatch: pytest.MonkeyPatch) -> None:
    entries = [{
        "slug": f"extra-{n:04d}", "category": "work", "source_language": "en", "topics": ["housing"],
        "last_checked": "2026-11-27",
        "texts": {"en": {"question": f"Question {n}?", "answer": "An answer."}},
    } for n in range(5000)]
    await service.import_document(yaml.safe_dump({"format": "multinations-faq", "version": 1,
                                                  "entries": entries}), "many.yaml")
    compared = 0
    original = Entry.__eq__

    def counting(self: Entry, other: object) -> bool:
        nonlocal compared
        compared += 1
        return original(self, other)

    monkeypatch.setattr(Entry, "__eq__", counting)
    items = await service.entries_for_topics(["work", "housing", "swedish"], "en", limit=5)
    # One per chosen topic first, each from the topic's own category in display order, then a second round.
    by_id = sorted(service.entries, key=lambda e: e.id)
    own = {topic: [e for e in by_id if CATEGORY_TOPICS.get(e.category) == topic] for topic in ("work", "housing",
                                                                                               "swedish")}
    picked = [own["work"][0], own["housing"][0], own["swedish"][0], own["work"][1], own["housing"][1]]
    assert [item.hint for item in items] == [CommandRef(("faq", "search"), (("query", e.slug),)) for e in picked]
    assert [item.action for item in items] == [Action("faq", "open", (e.slug,)) for e in picked]
    assert compared == 0
