"""The menu-based profile editor (`/mentor profile`) as a flow over the port.

Every control carries its owner and the whole draft (`Draft.encode`) in its action,
`mentoring:pe:<member>:<field or step>:<draft>`: the ids the editor always had, so editors opened
by older versions keep working. A pick redraws the editor with the new draft; Next checks the
first step; save checks the draft like the typed commands do and becomes the confirmation.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from bot.core.conversation import Action, Button, Choice, Control, Exchange, Message, Option, Style
from bot.core.errors import UserError
from bot.core.flows import Answer
from bot.core.i18n import N_, Translator
from bot.features.mentoring.editor import Draft, area_value
from bot.features.mentoring.model import (
    AVAILABILITY,
    INTERESTS,
    MAX_CAPACITY,
    MENTOR,
    SPOKEN_LANGUAGES,
    TOPICS,
    availability_label,
    interest_label,
    language_name,
    topic_label,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from bot.features.mentoring.flows import MentoringFlows

FEATURE = "mentoring"
EDITOR = "pe"
FIELDS = ("well", "little", "help", "interests", "availability", "area", "capacity")
STEPS = ("next", "back", "save", "cancel")


def editor_action(user_id: int | str, what: str, draft: Draft) -> Action:
    """The action of one editor control."""
    return Action(FEATURE, EDITOR, (str(user_id), what, draft.encode()))


class ProfileEditor:
    """Draws the editor and handles its picks and presses."""

    def __init__(self, flows: MentoringFlows) -> None:
        self.flows = flows
        self.services = flows.services

    def start(self) -> None:
        """Route the editor's controls."""
        self.services.routes.add(FEATURE, EDITOR, self.on_use)

    async def screen(self, turn: Exchange, draft: Draft) -> Message:
        """The editor at its step, for the member of this turn."""
        t = self.services.translator(turn.language)
        if draft.step == 1:
            text = t._("Step 1 of 2: choose the languages you speak and the help topics, then press Next.")
        else:
            text = t._("Step 2 of 2: the rest is optional. Press the save button when you are done.")
        areas = await self.flows.commands.areas(turn.community)
        return Message.of(text, *self.controls(t, turn.user.id, draft, areas))

    def controls(self, t: Translator, user_id: str, draft: Draft, areas: list[str]) -> list[Control]:
        """The step's menus and buttons (few enough for any platform: at most five menus and three buttons)."""
        out: list[Control] = []

        def menu(field: str, placeholder: str, options: list[tuple[str, str, bool]], *, many: bool = True) -> None:
            out.append(Choice(editor_action(user_id, field, draft),
                              tuple(Option(value, label, selected=chosen) for value, label, chosen in options),
                              placeholder, least=0, most=len(options) if many else 1))

        def codes(field: str, vocabulary: Iterable[str], label: Callable[[Translator, str], str]) -> list[
                tuple[str, str, bool]]:
            chosen = set(draft.codes(field))
            return [(code, label(t, code), code in chosen) for code in vocabulary]

        def button(what: str, label: str, style: Style = Style.SECONDARY) -> None:
            out.append(Button(editor_action(user_id, what, draft), label, style))

        if draft.step == 1:
            menu("well", t._("Languages I speak well"), codes("well", SPOKEN_LANGUAGES, language_name))
            menu("little", t._("Languages I speak a little"), codes("little", SPOKEN_LANGUAGES, language_name))
            menu("help", t._("Help topics"), codes("help", TOPICS, topic_label))
            button("next", t._("Next"), Style.PRIMARY)
            button("cancel", t._("Cancel"))
            return out
        menu("interests", t._("Interests (optional)"), codes("interests", INTERESTS, interest_label))
        menu("availability", t._("When I am free (optional)"), codes("availability", AVAILABILITY,
                                                                      availability_label))
        if areas:
            menu("area", t._("My part of the municipality (optional)"),
                 [(area_value(i, area), area, draft.area == i) for i, area in enumerate(areas, start=1)], many=False)
        if draft.role == MENTOR:
            menu("capacity", t._("How many newcomers I can take"),
                 [(str(n), t.number(n), draft.capacity == n) for n in range(1, MAX_CAPACITY + 1)], many=False)
        button("back", t._("Back"))
        button("save", t._("I am 18 or older - save"), Style.SUCCESS)
        button("cancel", t._("Cancel"))
        return out

    async def on_use(self, turn: Exchange, action: Action, answer: Answer) -> None:
        """A pick or a press in someone's editor; only the owner may use it."""
        if len(action.args) != 3 or action.args[1] not in (*FIELDS, *STEPS):
            raise UserError(N_("This button belongs to someone else."))
        owner, what, state = action.args
        if owner != turn.user.id:
            raise UserError(N_("This button belongs to someone else."))
        draft = Draft.decode(state)
        if what in FIELDS:
            await turn.replace(await self.screen(turn, draft.choose(what, answer.values)))
        elif what == "cancel":
            await turn.replace(Message.of(self.services.translator(turn.language)._("Nothing was changed.")))
        elif what == "save":
            await self.save(turn, draft)
        elif what == "next":
            # The first step's checks now, so the member does not learn of them only at the end.
            draft.to_profile(int(turn.user.id), await self.flows.commands.areas(turn.community), None)
            await turn.replace(await self.screen(turn, replace(draft, step=2)))
        else:
            await turn.replace(await self.screen(turn, replace(draft, step=1)))

    async def save(self, turn: Exchange, draft: Draft) -> None:
        """Save the draft (the button says the member is 18 or older); the editor becomes the answer."""
        guild_id = turn.community
        if guild_id is None:
            raise UserError(N_("This only works in the server, not in direct messages."))
        service = self.flows.service
        existing = [p for p in await service.profiles_of(guild_id, int(turn.user.id)) if p.role == draft.role]
        profile = draft.to_profile(int(turn.user.id), await self.flows.commands.areas(guild_id),
                                   existing[0] if existing else None)
        await turn.replace(await self.flows.commands.stored_text(turn, profile))
