"""The privacy register: one transaction for every section, and `after_delete` only after it committed."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime

import pytest

from bot.core.clock import FixedClock
from bot.core.db import Database, Tx
from bot.core.members import MemberPrefs
from bot.core.privacy import PrivacyRegistry, PrivacySection

AMAL = 1001


async def _nothing(tx: Tx, user_id: int) -> None:
    return None


def _committed_language(db: Database, user_id: int) -> str | None:
    """What another process would see: a separate connection reads only committed data."""
    other = sqlite3.connect(str(db.path))
    try:
        row = other.execute("SELECT language FROM member_prefs WHERE user_id = ?", (user_id,)).fetchone()
    finally:
        other.close()
    return None if row is None else row[0]


@pytest.fixture
async def prefs(db: Database) -> MemberPrefs:
    member_prefs = MemberPrefs(db, FixedClock(datetime(2026, 12, 1, 12, tzinfo=UTC)))
    await member_prefs.set_language(AMAL, "ar")
    return member_prefs


async def test_after_delete_runs_once_the_deletion_is_visible_to_others(db: Database, prefs: MemberPrefs) -> None:
    seen: list[tuple[int, str | None]] = []

    async def after_delete(user_id: int) -> None:
        seen.append((user_id, _committed_language(db, user_id)))

    registry = PrivacyRegistry(db)
    registry.register(prefs.privacy_section())
    registry.register(PrivacySection("probe", "Probe", "", _nothing, _nothing, after_delete=after_delete))
    assert await registry.delete(AMAL) == ["preferences"]
    assert seen == [(AMAL, None)]  # called once, and the row was already gone for everyone


async def test_a_rolled_back_deletion_calls_no_after_delete_and_keeps_everything(
        db: Database, prefs: MemberPrefs) -> None:
    called: list[int] = []

    async def after_delete(user_id: int) -> None:
        called.append(user_id)

    async def broken(tx: Tx, user_id: int) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    registry = PrivacyRegistry(db)
    registry.register(PrivacySection("probe", "Probe", "", _nothing, _nothing, after_delete=after_delete))
    registry.register(prefs.privacy_section())
    registry.register(PrivacySection("broken", "Broken", "", _nothing, broken))
    with pytest.raises(sqlite3.OperationalError):
        await registry.delete(AMAL)
    assert called == []
    assert _committed_language(db, AMAL) == "ar"
    assert await prefs.language(AMAL) == "ar"


async def test_a_failing_after_delete_neither_fails_the_deletion_nor_skips_the_others(
        db: Database, prefs: MemberPrefs, caplog: pytest.LogCaptureFixture) -> None:
    called: list[str] = []

    async def failing(user_id: int) -> None:
        called.append("failing")
        raise RuntimeError("the scheduler is gone")

    async def fine(user_id: int) -> None:
        called.append("fine")

    registry = PrivacyRegistry(db)
    registry.register(PrivacySection("first", "First", "", _nothing, _nothing, after_delete=failing))
    registry.register(prefs.privacy_section())
    registry.register(PrivacySection("last", "Last", "", _nothing, _nothing, after_delete=fine))
    with caplog.at_level(logging.ERROR, logger="bot.core.privacy"):
        assert await registry.delete(AMAL) == ["preferences"]
    assert called == ["failing", "fine"]
    assert await prefs.language(AMAL) is None
    assert "section first failed" in caplog.text


async def test_a_language_lookup_during_the_deletion_does_not_keep_the_deleted_choice(
        db: Database, prefs: MemberPrefs) -> None:
    # An interaction of the same member arrives while the deletion's transaction is still open: it
    # reads the last committed choice. Once the deletion has committed, nothing of it may remain.
    looked_up: list[str | None] = []

    async def concurrent_lookup(tx: Tx, user_id: int) -> None:
        looked_up.append(await prefs.language(user_id))

    registry = PrivacyRegistry(db)
    registry.register(prefs.privacy_section())
    registry.register(PrivacySection("slow", "Slow", "", _nothing, concurrent_lookup))
    await registry.delete(AMAL)
    assert looked_up == ["ar"]
    assert await prefs.language(AMAL) is None
