"""Storage of FAQ entries, texts, revisions and the unanswered queue (SQLite through `Tx`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.core.clock import from_db, to_db
from bot.core.db import Tx
from bot.features.faq.models import DEFAULT_REVIEW_DAYS, Entry, Text


@dataclass(frozen=True, slots=True)
class Revision:
    """One change of an entry."""

    entry_id: int
    number: int
    author_id: int | None
    author_deleted: bool
    action: str
    reason: str
    created_at: datetime
    snapshot: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Unanswered:
    """A question a member said was not answered (never who asked)."""

    id: int
    question: str
    language: str
    entry_slug: str | None
    created_at: datetime


def _entry_from_rows(row: Any, text_rows: list[Any]) -> Entry:
    texts = {
        t["language"]: Text(
            language=t["language"],
            question=t["question"],
            answer=t["answer"],
            aliases=tuple(a for a in t["aliases"].split("\n") if a),
            based_on=t["based_on_revision"],
            reviewed=bool(t["reviewed"]),
        )
        for t in text_rows
    }
    return Entry(
        id=row["id"],
        slug=row["slug"],
        category=row["category"],
        source_language=row["source_language"],
        sources=tuple(json.loads(row["sources"])),
        topics=tuple(row["topics"].split()),
        owner_id=row["owner_id"],
        last_checked=date.fromisoformat(row["last_checked"]),
        review_days=row["review_days"],
        source_revision=row["source_revision"],
        origin=row["origin"],
        removed=row["removed_at"] is not None,
        texts=texts,
    )


async def load_all(tx: Tx) -> list[Entry]:
    """Every entry (removed ones too) with its texts."""
    rows = await tx.fetchall("SELECT * FROM faq_entries ORDER BY id")
    text_rows = await tx.fetchall("SELECT * FROM faq_texts ORDER BY entry_id, language")
    by_entry: dict[int, list[Any]] = {}
    for t in text_rows:
        by_entry.setdefault(t["entry_id"], []).append(t)
    return [_entry_from_rows(row, by_entry.get(row["id"], [])) for row in rows]


async def load_one(tx: Tx, slug: str) -> Entry | None:
    """One entry by slug (removed ones too)."""
    row = await tx.fetchone("SELECT * FROM faq_entries WHERE slug = ?", (slug,))
    if row is None:
        return None
    texts = await tx.fetchall("SELECT * FROM faq_texts WHERE entry_id = ?", (row["id"],))
    return _entry_from_rows(row, texts)


async def insert(tx: Tx, entry: Entry, now: datetime) -> int:
    """Store a new entry and its texts; returns its id."""
    entry_id = await tx.execute(
        "INSERT INTO faq_entries(slug, category, topics, sources, source_language, owner_id, last_checked,"
        " review_days, source_revision, origin, removed_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entry.slug, entry.category, " ".join(entry.topics), json.dumps(list(entry.sources)),
            entry.source_language, entry.owner_id, entry.last_checked.isoformat(),
            entry.review_days or DEFAULT_REVIEW_DAYS, entry.source_revision, entry.origin,
            to_db(now) if entry.removed else None, to_db(now), to_db(now),
        ),
    )
    await _write_texts(tx, entry_id, entry, now, None)
    return entry_id


async def update(tx: Tx, entry: Entry, now: datetime, editor_id: int | None, changed: set[str] | None = None) -> None:
    """Write an entry's fields and texts (texts in `changed` get `editor_id` as their last editor)."""
    await tx.execute(
        "UPDATE faq_entries SET category = ?, topics = ?, sources = ?, source_language = ?, owner_id = ?,"
        " last_checked = ?, review_days = ?, source_revision = ?,"
        " removed_at = CASE WHEN ? THEN COALESCE(removed_at, ?) ELSE NULL END, updated_at = ? WHERE id = ?",
        (
            entry.category, " ".join(entry.topics), json.dumps(list(entry.sources)), entry.source_language,
            entry.owner_id, entry.last_checked.isoformat(), entry.review_days, entry.source_revision,
            int(entry.removed), to_db(now), to_db(now), entry.id,
        ),
    )
    marks = ",".join("?" * len(entry.texts)) or "''"
    await tx.execute(
        f"DELETE FROM faq_texts WHERE entry_id = ? AND language NOT IN ({marks})", (entry.id, *entry.texts)
    )
    await _write_texts(tx, entry.id, entry, now, editor_id, changed)


async def _write_texts(
    tx: Tx, entry_id: int, entry: Entry, now: datetime, editor_id: int | None, changed: set[str] | None = None
) -> None:
    rows = []
    for text in entry.texts.values():
        rows.append((
            entry_id, text.language, text.question, text.answer, "\n".join(text.aliases), text.based_on,
            int(text.reviewed), editor_id if changed is None or text.language in changed else None, to_db(now),
        ))
    await tx.executemany(
        "INSERT INTO faq_texts(entry_id, language, question, answer, aliases, based_on_revision, reviewed,"
        " updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(entry_id, language) DO UPDATE SET question = excluded.question, answer = excluded.answer,"
        " aliases = excluded.aliases, based_on_revision = excluded.based_on_revision,"
        " reviewed = excluded.reviewed,"
        " updated_by = CASE WHEN faq_texts.question IS excluded.question AND faq_texts.answer IS excluded.answer"
        "   AND faq_texts.aliases IS excluded.aliases THEN faq_texts.updated_by ELSE excluded.updated_by END,"
        " updated_at = CASE WHEN faq_texts.question IS excluded.question AND faq_texts.answer IS excluded.answer"
        "   AND faq_texts.aliases IS excluded.aliases THEN faq_texts.updated_at ELSE excluded.updated_at END",
        rows,
    )


async def add_revision(
    tx: Tx, entry: Entry, author_id: int | None, action: str, reason: str, now: datetime
) -> int:
    """Record a change with the entry's content after it; returns the revision number."""
    number = int(await tx.fetchval(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM faq_revisions WHERE entry_id = ?", (entry.id,)
    ))
    await tx.execute(
        "INSERT INTO faq_revisions(entry_id, number, author_id, action, reason, created_at, snapshot)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (entry.id, number, author_id, action, reason, to_db(now), json.dumps(entry.content(), ensure_ascii=False)),
    )
    return number


def _revision(row: Any) -> Revision:
    return Revision(
        entry_id=row["entry_id"], number=row["number"], author_id=row["author_id"],
        author_deleted=bool(row["author_deleted"]), action=row["action"], reason=row["reason"],
        created_at=from_db(row["created_at"]), snapshot=json.loads(row["snapshot"]),
    )


async def revisions(tx: Tx, entry_id: int) -> list[Revision]:
    """An entry's revisions, newest first."""
    rows = await tx.fetchall("SELECT * FROM faq_revisions WHERE entry_id = ? ORDER BY number DESC", (entry_id,))
    return [_revision(r) for r in rows]


async def revision(tx: Tx, entry_id: int, number: int) -> Revision | None:
    """One revision of an entry."""
    row = await tx.fetchone("SELECT * FROM faq_revisions WHERE entry_id = ? AND number = ?", (entry_id, number))
    return None if row is None else _revision(row)


async def add_unanswered(
    tx: Tx, guild_id: int | None, question: str, language: str, slug: str | None, now: datetime,
    asked_by: str | None = None,
) -> int:
    """Queue a question for volunteers (`asked_by`: the asker's digest, for their own export and deletion)."""
    return await tx.execute(
        "INSERT INTO faq_unanswered(guild_id, question, language, entry_slug, created_at, asked_by) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (guild_id, question, language, slug, to_db(now), asked_by),
    )


async def open_question_exists(tx: Tx, guild_id: int | None, question: str) -> bool:
    """Whether the same question is still open (asked again, it is not stored twice)."""
    found = await tx.fetchval(
        "SELECT 1 FROM faq_unanswered WHERE resolved_at IS NULL AND guild_id IS ? AND question = ?",
        (guild_id, question),
    )
    return bool(found)


async def redact_unanswered(tx: Tx, guild_id: int | None, item_id: int) -> bool:
    """Remove the text of a queued question (it held personal details); False when there is none."""
    changed = await tx.execute(
        "UPDATE faq_unanswered SET question = '' WHERE id = ? AND guild_id IS ?", (item_id, guild_id))
    return changed > 0


async def open_unanswered(tx: Tx, guild_id: int | None, limit: int) -> list[Unanswered]:
    """The oldest open questions of a guild."""
    rows = await tx.fetchall(
        "SELECT * FROM faq_unanswered WHERE resolved_at IS NULL AND guild_id IS ? ORDER BY created_at, id LIMIT ?",
        (guild_id, limit),
    )
    return [
        Unanswered(r["id"], r["question"], r["language"], r["entry_slug"], from_db(r["created_at"])) for r in rows
    ]


async def resolve_unanswered(tx: Tx, guild_id: int | None, item_id: int, now: datetime) -> bool:
    """Mark a queued question handled; False when there is no such open question."""
    changed = await tx.execute(
        "UPDATE faq_unanswered SET resolved_at = ? WHERE id = ? AND guild_id IS ? AND resolved_at IS NULL",
        (to_db(now), item_id, guild_id),
    )
    return changed > 0


async def get_meta(tx: Tx, key: str) -> str | None:
    """A stored FAQ setting (e.g. which starter set was loaded)."""
    return await tx.fetchval("SELECT value FROM faq_meta WHERE key = ?", (key,))


async def set_meta(tx: Tx, key: str, value: str) -> None:
    """Store a FAQ setting."""
    await tx.execute(
        "INSERT INTO faq_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


async def slugs(tx: Tx) -> set[str]:
    """Every entry's slug, removed ones too."""
    return {row["slug"] for row in await tx.fetchall("SELECT slug FROM faq_entries")}


async def slug_taken(tx: Tx, slug: str) -> bool:
    """Whether an entry (removed or not) has this slug."""
    return bool(await tx.fetchval("SELECT 1 FROM faq_entries WHERE slug = ?", (slug,)))


async def set_text_editor(tx: Tx, entry_id: int, editor_id: int | None) -> None:
    """Record who last edited every text of an entry."""
    await tx.execute("UPDATE faq_texts SET updated_by = ? WHERE entry_id = ?", (editor_id, entry_id))


async def count_up(tx: Tx, key: str) -> None:
    """Add one to a counter kept in the FAQ's settings (created at 1)."""
    await tx.execute(
        "INSERT INTO faq_meta(key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE"
        " SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)",
        (key,),
    )


async def meta_with_prefix(tx: Tx, prefix: str) -> list[tuple[str, str]]:
    """The FAQ's settings whose key starts with `prefix`."""
    rows = await tx.fetchall("SELECT key, value FROM faq_meta WHERE key LIKE ?", (f"{prefix}%",))
    return [(row["key"], row["value"]) for row in rows]


async def member_data(tx: Tx, user_id: int, asker: str) -> dict[str, list[Any]]:
    """What the FAQ stores about a member (`asker`: their keyed digest): revisions, entries, texts, questions."""
    return {
        "revisions": await tx.fetchall(
            "SELECT e.slug, r.number, r.action, r.reason, r.created_at FROM faq_revisions r"
            " JOIN faq_entries e ON e.id = r.entry_id WHERE r.author_id = ? ORDER BY r.created_at", (user_id,)),
        "owned": await tx.fetchall("SELECT slug FROM faq_entries WHERE owner_id = ? ORDER BY slug", (user_id,)),
        "texts": await tx.fetchall(
            "SELECT e.slug, t.language FROM faq_texts t JOIN faq_entries e ON e.id = t.entry_id"
            " WHERE t.updated_by = ? ORDER BY e.slug, t.language", (user_id,)),
        "asked": await tx.fetchall(
            "SELECT question, language, created_at, resolved_at FROM faq_unanswered WHERE asked_by = ? "
            "ORDER BY created_at, id", (asker,)),
    }


async def forget_member(tx: Tx, user_id: int, asker: str) -> None:
    """A member's FAQ data deleted: their changes shown as a deleted member's, their questions gone."""
    await tx.execute("UPDATE faq_revisions SET author_id = NULL, author_deleted = 1 WHERE author_id = ?", (user_id,))
    await tx.execute("UPDATE faq_entries SET owner_id = NULL WHERE owner_id = ?", (user_id,))
    await tx.execute("UPDATE faq_texts SET updated_by = NULL WHERE updated_by = ?", (user_id,))
    await tx.execute("DELETE FROM faq_unanswered WHERE asked_by = ?", (asker,))
