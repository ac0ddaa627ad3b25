"""The FAQ's commands and controls through the port, on the in-memory platform: what each handler
answers (cards, controls, command references), who may run it, and forms checked again when sent."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.access import Capability
from bot.core.clock import FixedClock
from bot.core.conversation import Action, Button, Choice, CommandRef, UserRef
from bot.core.conversation_memory import MemoryConversation, MemoryExchange
from bot.core.errors import NotAllowed, UserError
from bot.core.flows import Answer
from bot.core.i18n import Catalogs
from bot.core.services import Services, build_services
from bot.core.settings import Settings
from bot.features.faq.flows import FaqFlows
from bot.features.faq.service import FaqService

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
COMMUNITY = 42


@pytest.fixture
async def services(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Services]:
    services = await build_services(Settings(), clock=FixedClock(NOW), catalogs=catalogs,
                                    database_path=tmp_path / "faq.sqlite3", exclusive=False)
    service = FaqService(services.db, services.clock, services.jobs)
    await service.ensure_starter()
    await service.load()
    services.capabilities["faq"] = service
    await FaqFlows(services, MemoryConversation(), service).start()
    yield services
    await services.close()


def member(language: str = "so", *staff: Capability) -> MemoryExchange:
    return MemoryExchange(UserRef("7"), COMMUNITY, language, frozenset(staff))


def faq(services: Services) -> FaqService:
    service = services.capabilities["faq"]
    assert isinstance(service, FaqService)
    return service


async def test_every_faq_command_is_declared_once_with_its_staff_groups(services: Services) -> None:
    declared = {c.path[1]: c for c in services.commands.under(("faq",))}
    assert set(declared) == {"search", "browse", "add", "edit", "translate", "review", "checked", "history",
                             "rollback", "remove", "todo", "unanswered"}
    assert not declared["search"].needs and not declared["browse"].needs
    assert all(c.needs == (Capability.VOLUNTEER, Capability.TRANSLATOR) for name, c in declared.items()
               if name not in ("search", "browse"))
    assert set(services.routes.names("faq")) >= {"help", "lang", "open", "page", "write", "question", "entry",
                                                 "translation"}


async def test_a_search_answers_with_a_card_and_controls_not_markup(services: Services) -> None:
    turn = member("so")
    await services.commands.run(turn, ("faq", "search"), {"query": "bank"})
    [answer] = turn.answers
    assert answer.card is not None and answer.card.title == faq(services).get("bank-account").texts["so"].question
    actions = [str(a) for a in answer.actions]
    entry = faq(services).get("bank-account")
    assert actions[:2] == [f"faq:help:{entry.id}:yes", f"faq:help:{entry.id}:no"]
    assert any(a.startswith("faq:open:") for a in actions)
    assert "`" not in str(answer.text) and "**" not in str(answer.text)
    # The other answers open privately, in the member's language.
    opened = member("so")
    other = next(a for a in answer.actions if a.name == "open")
    await services.routes.dispatch(opened, other)
    assert opened.answers[0].card.title == faq(services).get(other.args[0]).texts["so"].question


async def test_a_letter_is_met_with_did_you_mean_and_nothing_with_the_volunteers(services: Services) -> None:
    turn = member("ar")
    await services.commands.run(turn, ("faq", "search"), {"query": "a"})
    assert turn.last.card is None and any(a.name == "open" for a in turn.last.actions)
    assert Action("faq", "help", ("0", "no")) in turn.last.actions
    await services.commands.run(turn, ("faq", "search"), {"query": "qwertyuiop"})
    assert turn.last.actions == (Action("faq", "help", ("0", "no")),)


async def test_staff_commands_need_their_group_and_name_commands_as_references(services: Services) -> None:
    with pytest.raises(NotAllowed):
        await services.commands.run(member("so"), ("faq", "remove"), {"entry": "sfi", "reason": "old"})
    volunteer = member("ar", Capability.VOLUNTEER)
    await services.commands.run(volunteer, ("faq", "remove"), {"entry": "sfi", "reason": "old"})
    assert faq(services).find("sfi") is None
    assert volunteer.last.text.commands == (CommandRef(("faq", "rollback"), language="reader"),)
    assert "/faq" not in str(volunteer.last.text)


async def test_the_edit_form_is_checked_again_when_sent(services: Services) -> None:
    volunteer = member("sv", Capability.VOLUNTEER)
    await services.commands.run(volunteer, ("faq", "edit"), {"entry": "sfi", "reason": "Ny blankett"})
    [form] = volunteer.forms
    fields = {f.name: f for f in form.fields}
    assert fields["reason"].default == "Ny blankett"
    assert fields["answer"].default == faq(services).get("sfi").source.answer
    values = {f.name: f.default for f in form.fields} | {"answer": "Ring vuxenutbildningen."}
    gone = member("sv")  # the role went while the form was open
    with pytest.raises(NotAllowed):
        await services.routes.dispatch(gone, form.action, Answer(fields=values))
    assert faq(services).get("sfi").source.answer != "Ring vuxenutbildningen."
    await services.routes.dispatch(volunteer, form.action, Answer(fields=values))
    assert faq(services).get("sfi").source.answer == "Ring vuxenutbildningen."
    assert "Українська" in str(volunteer.last.text)  # the translations that went out of date


async def test_a_replayed_write_button_is_refused_and_a_forged_one_names_nothing(services: Services) -> None:
    entry = faq(services).get("bankid")
    with pytest.raises(NotAllowed):
        await services.routes.dispatch(member("ti"), Action("faq", "write", (str(entry.id), "ti")))
    translator = member("ti", Capability.TRANSLATOR)
    with pytest.raises(UserError):
        await services.routes.dispatch(translator, Action("faq", "write", ("999999", "ti")))
    await services.routes.dispatch(translator, Action("faq", "write", (str(entry.id), "ti")))
    assert translator.forms[0].action == Action("faq", "translation", (str(entry.id), "ti"))


async def test_todo_pages_hold_everything_and_only_staff_turn_them(services: Services) -> None:
    for number in range(40):
        await faq(services).create(None, slug=f"tip-{number}", category="work", source_language="sv",
                                   question=f"Tips {number}?", answer="Fråga.")
    translator = member("ti", Capability.TRANSLATOR)
    await services.commands.run(translator, ("faq", "todo"), {})
    pages = [translator.last]
    while (following := next((c for c in pages[-1].controls if isinstance(c, Button)
                              and c.action.args[-1] == "next" and not c.disabled), None)) is not None:
        await services.routes.dispatch(translator, following.action)
        pages.append(translator.replaced[-1])
    listed = {word for page in pages for word in re.split(r"[\s,:]+", str(page.text))}
    assert len(pages) > 1 and {f"tip-{n}" for n in range(40)} <= listed  # nothing cut off
    with pytest.raises(NotAllowed):
        await services.routes.dispatch(member("ti"), Action("faq", "page", ("todo", "", "1", "next")))


async def test_browse_offers_a_choice_that_opens_the_entry(services: Services) -> None:
    turn = member("ti")
    await services.commands.run(turn, ("faq", "browse"), {"category": "health"})
    [menu] = [c for c in turn.last.controls if isinstance(c, Choice)]
    assert "emergency" in [o.value for o in menu.options]
    await services.routes.dispatch(turn, menu.action, Answer(values=("emergency",)))
    assert turn.answers[-1].card.title == faq(services).get("emergency").texts["ti"].question
