"""The translators' notice through the conversation port, on the in-memory platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core import places
from bot.core.clock import FixedClock
from bot.core.conversation import CommandRef
from bot.core.conversation_memory import MemoryConversation
from bot.core.i18n import Catalogs
from bot.core.jobs import Job
from bot.core.services import Services, build_services
from bot.core.settings import Settings
from bot.features.faq.flows import FaqFlows
from bot.features.faq.service import STALE_JOB

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
JOB = Job(1, STALE_JOB, "faq:stale:sfi:3", NOW, {"guild": 42, "slug": "sfi", "languages": ["uk", "ar"]}, 0)


@pytest.fixture
async def services(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Services]:
    services = await build_services(Settings(), clock=FixedClock(NOW), catalogs=catalogs,
                                    database_path=tmp_path / "faq.sqlite3", exclusive=False)
    yield services
    await services.close()


async def test_the_translators_hear_which_languages_need_work_once(services: Services) -> None:
    chat = MemoryConversation()
    flows = FaqFlows(services, chat)
    assert await flows.tell_translators(JOB)
    assert await flows.tell_translators(JOB)  # a re-run after a crash: the same key
    [told] = chat.of("notify", places.TRANSLATORS.name)
    assert "sfi" in str(told.message.text) and "Українська" in str(told.message.text)
    assert [c.path for c in told.message.text.commands] == [("faq", "translate"), ("faq", "todo")]
    assert chat.of("notify", places.VOLUNTEERS.name) == []


async def test_volunteers_are_told_when_the_translators_place_refuses_and_a_silent_platform_is_retried(
        services: Services) -> None:
    chat = MemoryConversation(refused_places={places.TRANSLATORS.name})
    flows = FaqFlows(services, chat)
    assert await flows.tell_translators(JOB)
    [told] = chat.of("notify", places.VOLUNTEERS.name)
    assert "sfi" in str(told.message.text) and CommandRef(("faq", "todo")) in told.message.text.commands
    chat.failing = True
    assert not await flows.tell_translators(JOB)  # tried again later
    chat.refused_places.add(places.VOLUNTEERS.name)
    chat.failing = False
    assert await flows.tell_translators(JOB)  # nobody can be told: logged, not retried forever
