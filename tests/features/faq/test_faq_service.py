"""The FAQ service against a real migrated database: starter set, editing, staleness, rollback, transfer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.core.clock import FixedClock
from bot.core.db import Database
from bot.core.errors import UserError
from bot.features.faq.models import Status
from bot.features.faq.service import FaqService
from bot.features.faq.transfer import ImportProblem, dump_yaml, export_po, parse_document, to_document
from tests.helpers import untranslated

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
VOLUNTEER = 111_111_111_111_111_111


@pytest.fixture
async def service(db: Database) -> FaqService:
    faq = FaqService(db, FixedClock(NOW))
    await faq.ensure_starter()
    await faq.load()
    return faq


def snapshot(service: FaqService) -> dict[str, dict]:
    return {e.slug: e.content() for e in service.all_entries()}


async def test_starter_set_is_complete_in_swedish_and_english_and_unreviewed_elsewhere(service: FaqService) -> None:
    entries = service.entries
    assert len(entries) >= 20
    for entry in entries:
        assert entry.status("sv") is Status.CURRENT and entry.status("en") is Status.CURRENT
        assert entry.sources and all(s.startswith("https://") for s in entry.sources)
        for language, text in entry.texts.items():
            if language not in ("sv", "en"):
                assert not text.reviewed
    assert {"personnummer", "sfi", "bankid", "healthcare", "emergency", "winter-tyres", "migrationsverket"} <= {
        e.slug for e in entries
    }


async def test_starter_loading_is_idempotent_and_never_overwrites_edits(db: Database, service: FaqService) -> None:
    await service.edit(VOLUNTEER, "sfi", reason="local", question="SFI?", answer="Ring skolan.", aliases=())
    again = FaqService(db, FixedClock(NOW))
    assert await again.ensure_starter() == 0
    await again.load()
    assert again.get("sfi").source.answer == "Ring skolan."
    # A new starter entry in a later version is added, the edited one is still kept.
    await db.execute("DELETE FROM faq_meta")
    assert await again.ensure_starter() == 0
    assert (await db.fetchval("SELECT COUNT(*) FROM faq_entries")) == len(service.entries)


async def test_a_later_starter_set_brings_missing_translations_but_never_overwrites(
        db: Database, service: FaqService, tmp_path: Path) -> None:
    """An upgrade ships Tigrinya for 'sfi' and 'bankid' and a new Arabic text for 'personnummer':
    'sfi' gets it; 'bankid', whose Swedish answer a volunteer rewrote, does not (it would be out of
    date); the Arabic text that exists stays as it is."""
    from bot.features.faq.service import STARTER_DIR

    await service.edit(VOLUNTEER, "bankid", reason="local", question="BankID?", answer="Fråga banken.",
                       aliases=())
    arabic_before = service.get("personnummer").texts["ar"]
    document = yaml.safe_load((STARTER_DIR / "norsjo.yaml").read_text(encoding="utf-8"))
    for entry in document["entries"]:
        if entry["slug"] in ("sfi", "bankid"):
            entry["texts"]["ti"] = {"question": "ብዛዕባ ትምህርቲ ቋንቋ?", "answer": "ናብ ቤት ትምህርቲ ደውሉ።", "aliases": []}
        if entry["slug"] == "personnummer":
            entry["texts"]["ar"] = {"question": "سؤال آخر؟", "answer": "جواب آخر.", "aliases": []}
    later = tmp_path / "starter"
    later.mkdir()
    (later / "norsjo.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")

    await untranslated(service, db, "sfi", "ti")  # an install from before the Tigrinya texts
    await untranslated(service, db, "bankid", "ti")
    upgraded = FaqService(db, FixedClock(NOW))
    assert await upgraded.ensure_starter(later) == 0  # no new entries
    await upgraded.load()
    sfi = upgraded.get("sfi")
    assert sfi.status("ti") is Status.CURRENT and sfi.texts["ti"].answer == "ናብ ቤት ትምህርቲ ደውሉ።"
    assert not sfi.texts["ti"].reviewed
    assert "ti" not in upgraded.get("bankid").texts or not upgraded.get("bankid").texts["ti"].has_content
    assert upgraded.get("personnummer").texts["ar"] == arabic_before
    # Idempotent: the same files again change nothing.
    before = snapshot(upgraded)
    await db.execute("DELETE FROM faq_meta")
    assert await upgraded.ensure_starter(later) == 0
    await upgraded.load()
    assert snapshot(upgraded) == before


async def test_editing_the_answer_makes_current_translations_stale(service: FaqService) -> None:
    entry = service.get("bankid")
    assert entry.status("ar") is Status.CURRENT
    result = await service.edit(VOLUNTEER, "bankid", reason="new rule", question=entry.source.question,
                                answer=entry.source.answer + " Ny regel.", aliases=entry.source.aliases)
    assert {"en", "ar", "uk"} <= set(result.stale_languages)
    assert result.entry.status("ar") is Status.STALE
    view = service.view(result.entry, "ar")
    # The Arabic reader keeps the Arabic text, marked as possibly out of date (never the editor's Swedish).
    assert view.notice is Status.STALE and view.shown_language == "ar" and view.shown_stale
    assert view.text == result.entry.texts["ar"]
    # A reader whose language has no text gets English, not yet updated, rather than Swedish.
    await untranslated(service, service._db, "bankid", "de")
    view = service.view(service.get("bankid"), "de")
    assert (view.shown_language, view.notice, view.shown_stale) == ("en", Status.MISSING, True)
    # Aliases alone do not make translations stale.
    result = await service.edit(VOLUNTEER, "sfi", reason="aliases", question=service.get("sfi").source.question,
                                answer=service.get("sfi").source.answer, aliases=("svenskkurs",))
    assert result.stale_languages == []


async def test_translating_makes_it_current_and_dari_falls_back_to_persian(service: FaqService) -> None:
    await service.translate(VOLUNTEER, "bankid", "fa", question="چگونه BankID بگیرم؟", answer="از بانک.")
    entry = service.get("bankid")
    assert entry.status("fa") is Status.CURRENT
    view = service.view(entry, "prs")
    assert view.shown_language == "fa" and view.notice is Status.MISSING
    with pytest.raises(UserError):
        await service.translate(VOLUNTEER, "bankid", "sv", question="x", answer="y")


async def test_rollback_brings_back_content_and_current_translations(service: FaqService) -> None:
    before = service.get("emergency")
    await service.edit(VOLUNTEER, "emergency", reason="mistake", question=before.source.question,
                       answer="Fel.", aliases=())
    restored = await service.rollback(VOLUNTEER, "emergency", 1, "undo")
    assert restored.source.answer == before.source.answer
    assert restored.status("ar") is Status.CURRENT
    history = await service.history("emergency")
    assert [r.action for r in history] == ["rollback:1", "edit", "starter"]
    with pytest.raises(UserError):
        await service.rollback(VOLUNTEER, "emergency", 99, "nothing")


async def test_removed_entries_leave_search_and_rollback_restores_them(service: FaqService) -> None:
    await service.remove(VOLUNTEER, "winter-life", "seasonal")
    assert service.find("winter-life") is None
    assert all(e.slug != "winter-life" for e in service.search("vinter kyla"))
    await service.rollback(VOLUNTEER, "winter-life", 1, "back for winter")
    assert service.search("vinter kyla")[0].slug == "winter-life"


async def test_todo_lists_missing_stale_and_due_for_review(db: Database, service: FaqService) -> None:
    await untranslated(service, db, "bankid", "de")
    entry = service.get("sfi")
    await service.edit(VOLUNTEER, "sfi", reason="r", question=entry.source.question, answer="Ny text.", aliases=())
    todo = service.todo("de")
    assert "sfi" in todo.stale["de"] and "bankid" in todo.missing["de"]
    later = FaqService(db, FixedClock(NOW + timedelta(days=179)))
    await later.load()
    assert "personnummer" in later.todo().due_for_review and "sfi" not in later.todo().due_for_review


async def test_yaml_round_trip_loses_nothing(db: Database, service: FaqService, tmp_path: Path) -> None:
    await service.translate(VOLUNTEER, "housing", "so", question="Guri?", answer="Weydii.", reviewed=True)
    entry = service.get("sfi")
    await service.edit(VOLUNTEER, "sfi", reason="r", question=entry.source.question, answer="Ny.", aliases=())
    text = dump_yaml(to_document(service.all_entries()))
    assert [e.content() for e in parse_document(text, "faq.yaml")] == [
        e.content() for e in sorted(service.all_entries(), key=lambda e: e.slug)
    ]
    # Into an empty database: the same content.
    other_db = await Database.open(tmp_path / "other.sqlite3")
    try:
        other = FaqService(other_db, FixedClock(NOW))
        await other.import_document(text, "faq.yaml")
        assert snapshot(other) == snapshot(service)
    finally:
        await other_db.close()


async def test_po_round_trip_keeps_stale_translations_stale(service: FaqService) -> None:
    entry = service.get("bankid")
    await service.edit(VOLUNTEER, "bankid", reason="r", question=entry.source.question, answer="Ny text.",
                       aliases=entry.source.aliases)
    exported = export_po(service.all_entries(), "ar")
    assert "#, fuzzy" in exported
    before = snapshot(service)
    assert await service.import_po(exported, "ar.po", "ar") == 0
    assert snapshot(service) == before


async def test_bad_po_is_refused_with_its_line_and_nothing_changes(service: FaqService) -> None:
    before = snapshot(service)
    text = (
        'msgctxt "sfi|question"\nmsgid "Hur börjar jag läsa SFI (svenska för invandrare)?"\nmsgstr "SFI?"\n\n'
        'msgctxt "sfi|answer"\nmsgid "x"\nmsgstr "Svar."\n\n'
        'msgctxt "sfi|colour"\nmsgid "y"\nmsgstr "z"\n'
    )
    with pytest.raises(ImportProblem) as problem:
        await service.import_po(text, "nl.po", "nl")
    assert problem.value.filename == "nl.po" and problem.value.line == 10
    assert snapshot(service) == before


async def test_bad_document_names_the_line_of_the_broken_entry(service: FaqService) -> None:
    good = dump_yaml(to_document([service.get("sfi")]))
    broken = good.replace("category: language", "category: astrology")
    with pytest.raises(ImportProblem) as problem:
        await service.import_document(broken, "faq.yaml")
    assert problem.value.line == 4 and "astrology" in problem.value.message
    with pytest.raises(ImportProblem):
        parse_document("format: multinations-faq\nentries: [\n", "x.yaml")


async def test_unanswered_queue_stores_no_member(db: Database, service: FaqService) -> None:
    await service.add_unanswered(1, "Var köper jag fiskekort?", "sv", None)
    items = await service.unanswered(1)
    assert [i.question for i in items] == ["Var köper jag fiskekort?"]
    columns = {row["name"] for row in await db.fetchall("PRAGMA table_info(faq_unanswered)")}
    assert not {"user_id", "author_id", "member_id"} & columns
    await service.resolve_unanswered(1, items[0].id)
    assert await service.unanswered(1) == []
    with pytest.raises(UserError):
        await service.resolve_unanswered(1, items[0].id)


async def test_autocomplete_suggestions_are_limited_and_in_the_members_language(service: FaqService) -> None:
    for query in ("", "a", "how", "ال"):
        choices = service.suggestions(query, "uk")
        assert len(choices) <= 25 and all(len(name) <= 100 for name, _ in choices)
    assert service.suggestions("bankid", "uk")[0] == ("Як отримати BankID?", "bankid")


async def test_entries_for_topics_use_help_topics_and_fallback_titles(db: Database, service: FaqService) -> None:
    await untranslated(service, db, "introduction-programme", "so")
    items = await service.entries_for_topics(["work"], "so", limit=3)
    assert len(items) == 3
    assert items[0].title == "What is the introduction programme (etableringsprogrammet)?"
    assert await service.entries_for_topics(["unknown-topic"], "en") == []


async def test_marking_checked_clears_the_review_reminder(db: Database, service: FaqService) -> None:
    later = FaqService(db, FixedClock(NOW + timedelta(days=200)))
    await later.load()
    assert "personnummer" in later.todo().due_for_review
    entry = await later.mark_checked(VOLUNTEER, "personnummer")
    assert entry.last_checked == (NOW + timedelta(days=200)).date()
    assert "personnummer" not in later.todo().due_for_review
    assert (await later.history("personnummer"))[0].action == "checked"
    with pytest.raises(UserError):
        await later.mark_checked(VOLUNTEER, "personnummer")


async def test_an_import_that_changes_the_source_plans_the_translators_notice(db: Database) -> None:
    from bot.core.jobs import JobQueue

    clock = FixedClock(NOW)
    service = FaqService(db, clock, JobQueue(db, clock, timedelta(minutes=30)))
    await service.ensure_starter()
    document = to_document([service.get("emergency")])
    # An editor changes the Swedish answer and leaves the revision numbers alone.
    document["entries"][0]["texts"]["sv"]["answer"] = "Ring 112 vid fara."
    assert await service.import_document(dump_yaml(document), "faq.yaml") == 1
    assert service.get("emergency").status("ar") is Status.STALE
    payload = await db.fetchval("SELECT payload FROM scheduled_jobs WHERE kind = 'faq.stale'")
    assert '"emergency"' in payload and '"ar"' in payload
