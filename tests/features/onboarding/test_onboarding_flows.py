"""The whole welcome through the conversation port, on the in-memory platform (what a Matrix adapter drives):
a join, the greeting, every step as a choice or a button, the end with labels, the card and the checklist."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core import places
from bot.core.capabilities import LinkItem
from bot.core.clock import FixedClock
from bot.core.conversation import (
    Action,
    Button,
    Card,
    Choice,
    CommandRef,
    Mention,
    Message,
    PlaceLink,
    UserRef,
)
from bot.core.conversation_memory import MemoryConversation, MemoryExchange
from bot.core.flows import Answer
from bot.core.i18n import Catalogs
from bot.core.jobs import Job
from bot.core.languages import LANGUAGES
from bot.core.services import Services, build_services
from bot.core.settings import Settings
from bot.features.onboarding.flows import OnboardingFlows
from bot.features.onboarding.service import GREET_KIND, OnboardingService
from tests.conftest import START

G = 42


@pytest.fixture
async def services(tmp_path: Path, catalogs: Catalogs) -> AsyncIterator[Services]:
    services = await build_services(Settings(), clock=FixedClock(START), catalogs=catalogs,
                                    database_path=tmp_path / "welcome.sqlite3", exclusive=False)
    yield services
    await services.close()


@pytest.fixture
async def welcome(services: Services) -> tuple[OnboardingFlows, MemoryConversation]:
    service = OnboardingService(services.db, services.clock, services.jobs, services.prefs, services.guild_config)
    chat = MemoryConversation()
    flows = OnboardingFlows(service, services, chat)
    await flows.start()
    return flows, chat


def turn(user: int, language: str = "en") -> MemoryExchange:
    return MemoryExchange(UserRef.of(user), community=G, language=language)


async def press(services: Services, who: MemoryExchange, control: Button | Choice, *values: str) -> Message:
    """What a platform does with a member's answer: dispatch the control's action with the values."""
    assert await services.routes.dispatch(who, control.action, Answer(values=values))
    return who.last


def control(message: Message, name: str, *args: str) -> Button | Choice:
    [found] = [c for c in message.controls if c.action.name == name and c.action.args[-len(args):] == args]
    return found


async def test_a_member_who_joins_is_greeted_and_walks_the_whole_welcome_as_choices(
        services: Services, welcome: tuple[OnboardingFlows, MemoryConversation]) -> None:
    flows, chat = welcome
    await flows.member_joined(G, UserRef.of(7))
    await flows.run_greet(Job(1, GREET_KIND, f"onboarding:greet:{G}:1", START, {"guild": G}, 0))
    [greeting] = chat.of("post", places.WELCOME.name)
    assert greeting.message.ping == (UserRef.of(7),) and Mention(UserRef.of(7)) in greeting.message.text.segments
    assert PlaceLink(await chat.locate(G, places.START)) in greeting.message.text.segments  # where Start is

    member = turn(7)
    assert await services.routes.dispatch(member, Action("onb", "start"))
    first = member.last
    [languages] = [c for c in first.controls if isinstance(c, Choice)]
    # A numbered choice works: one option per language, each named in its own script.
    assert [o.value for o in languages.options] == list(LANGUAGES)
    assert [o.label for o in languages.options] == [lang.native_name for lang in LANGUAGES.values()]
    # Readable without any of the languages yet: every language's own name with a short line in it.
    assert all(lang.native_name in str(first.text) for lang in LANGUAGES.values())
    assert "ቋንቋኹም ምረጹ" in str(first.text) and "Dooro luqaddaada" in str(first.text) and "اختر لغتك" in str(first.text)

    consent = await press(services, member, languages, "so")
    assert "Tallaabada" in str(consent.text)  # from here on in Somali
    assert CommandRef(("privacy",), (), "so") in consent.text.commands  # the command, not its spelling
    topics = await press(services, member, control(consent, "step", "consent", "yes"))
    area = await press(services, member, control(topics, "pick", "topics"), "work", "housing")
    mentor = await press(services, member, control(area, "pick", "area"), "Kusfors")
    done = await press(services, member, control(mentor, "step", "mentor", "no"))

    assert isinstance(done.card, Card) and "Arbetsförmedlingen" in str(done.card.body)
    [relabel] = chat.of("relabel", "7")
    assert set(relabel.detail) == {"+newcomer", "+lang-so", "+help-work", "+help-housing"}
    [card] = chat.of("post", places.VOLUNTEERS.name)
    assert card.message.actions == (Action("onb", "claim", ("7",)),)
    assert card.key is not None  # an idempotent send: a retry after a crash is not shown twice
    state = await flows.service.get(G, 7)
    assert state.finished and state.card_message_id is not None


async def test_another_members_press_changes_nothing_and_says_whose_it_is(
        services: Services, welcome: tuple[OnboardingFlows, MemoryConversation]) -> None:
    flows, _chat = welcome
    owner = turn(7)
    await services.routes.dispatch(owner, Action("onb", "start"))
    [languages] = [c for c in owner.last.controls if isinstance(c, Choice)]
    intruder = turn(8)
    await press(services, intruder, languages, "ar")
    assert CommandRef(("welcome", "start"), (), "en") in intruder.last.text.commands
    assert (await flows.service.get(G, 7)).step == "language"
    assert await services.prefs.language(7) is None


async def test_a_member_who_left_cannot_continue_from_a_direct_conversation(
        services: Services, welcome: tuple[OnboardingFlows, MemoryConversation]) -> None:
    from bot.core.errors import UserError

    flows, chat = welcome
    chat.strangers.add("9")
    with pytest.raises(UserError):
        await services.routes.dispatch(turn(9), Action("onb", "start"))
    assert await flows.service.get(G, 9) is None


class Faq:
    """One entry per topic in the FAQ; asked for several topics it gives the first topic's entries first."""

    def __init__(self) -> None:
        self.entries = {"swedish": ["sfi", "sfi-bonus"], "housing": ["housing", "scams"], "work": ["work", "cv"],
                        "healthcare": ["1177", "dentist"]}

    async def entries_for_topics(self, topics, language, limit=5):
        picked = [slug for topic in topics for slug in self.entries.get(topic, [])][:limit]
        return [LinkItem(f"{slug} ({language})", CommandRef(("faq", "search"), (("query", slug),))) for slug in picked]


async def test_the_checklist_opens_one_answer_per_chosen_topic_first_as_presses(
        services: Services, welcome: tuple[OnboardingFlows, MemoryConversation]) -> None:
    flows, _chat = welcome
    services.capabilities["faq"] = Faq()
    checklist = await flows.build_checklist(G, ["swedish", "housing", "work", "healthcare"], "ar")
    assert [item.title for item in checklist.faq][:4] == ["sfi (ar)", "housing (ar)", "work (ar)", "1177 (ar)"]
    from bot.features.onboarding.steps import faq_buttons

    assert [b.action for b in faq_buttons(checklist)][:4] == [
        Action("faq", "open", (slug,)) for slug in ("sfi", "housing", "work", "1177")]


async def test_roles_the_platform_refuses_are_told_to_organizers_and_a_silent_platform_is_tried_again(
        services: Services, welcome: tuple[OnboardingFlows, MemoryConversation]) -> None:
    flows, chat = welcome
    chat.refused_labels.add("help-work")
    assert await flows.apply_labels(G, 7, "ar", ["work"])
    [note] = chat.of("notify", places.ORGANIZERS.name)
    assert "help-work" in str(note.message.text) and Mention(UserRef.of(7)) in note.message.text.segments
    assert chat.labels["7"] == {"newcomer", "lang-ar"}
    chat.failing = True
    assert not await flows.apply_labels(G, 7, "ar", ["work"])
