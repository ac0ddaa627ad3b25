"""The conversation port: what a flow needs from a chat platform, said without the platform.

A feature's flows (in `bot/features/<name>/`) speak only through these types; an adapter per
platform (`bot/edge/conversation.py` for Discord, later one for Matrix) shows them with what the
platform has. Nothing here knows a platform:

- references (`UserRef`, `PlaceRef`, `MessageRef`) carry the platform's id as text: a Discord
  snowflake `"1234"`, a Matrix `"@amal:example.org"`, `"!room:example.org"`, `"$event"`;
- messages are data: rich `Text` made of segments (plain text, a mention, a moment in time, a
  reference to a command), an optional `Card`, and `Control`s (buttons and choices) whose
  `Action` names the flow handler that continues when a member uses them;
- every send that must not happen twice carries an idempotency `key` (Discord: the message nonce;
  Matrix: the transaction id). `bot.core.outbox.send_key` derives it once from the job key;
- limits (lengths, rows, options) are the adapter's concern: it clips, splits or lays out.

`Exchange` is one member's turn (a command, a press, a form they submitted): answer them
privately, replace the prompt they pressed, ask a choice or a short form. `Conversation` is the
platform outside a turn: post to a place, write to a member directly, notify a staff group, edit a
post, open and close a private space for a pair, change a member's labels (roles).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from bot.core.access import Capability
from bot.core.places import Place


# ----- references ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class UserRef:
    """A member, by the platform's id as text."""

    id: str

    @classmethod
    def of(cls, value: int | str) -> UserRef:
        """From a stored id (the database keeps the platform id; numbers on Discord)."""
        return cls(str(value))


@dataclass(frozen=True, slots=True)
class PlaceRef:
    """A place where messages are posted (a channel, a thread, a room), by the platform's id as text."""

    id: str

    @classmethod
    def of(cls, value: int | str) -> PlaceRef:
        """From a stored id."""
        return cls(str(value))

    @property
    def stored(self) -> int | str:
        """The id as the database keeps it: a number where the platform's ids are numbers, else the text."""
        return int(self.id) if self.id.isdigit() else self.id


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message that was posted, so that it can be edited later."""

    place: PlaceRef
    id: str


# ----- rich text -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Plain:
    """Literal text of the bot (already translated). Member-written text is `Said`."""

    text: str


@dataclass(frozen=True, slots=True)
class Said:
    """Text a member wrote, shown to others: the adapter neutralises markup and mentions in it.

    `formatted`: the writer's formatting (bold, lists, links) is kept, as for FAQ answers volunteers
    write; mentions are still neutralised."""

    text: str
    formatted: bool = False


@dataclass(frozen=True, slots=True)
class Mention:
    """A member named in the text. Whether it notifies them is the message's `ping` list."""

    user: UserRef


@dataclass(frozen=True, slots=True)
class Moment:
    """A point in time. `style`: "full", "date", "time" or "relative"; the adapter localizes it
    (Discord: `<t:...>`), with `fallback` (already formatted in the reader's zone) where it cannot."""

    at: datetime
    style: str = "full"
    fallback: str = ""


@dataclass(frozen=True, slots=True)
class Jump:
    """A link to a posted message (Discord: its jump URL; Matrix: a matrix.to link)."""

    community: int
    message: MessageRef


@dataclass(frozen=True, slots=True)
class PlaceLink:
    """A place named in the text, as a link to it (Discord: `<#id>`; Matrix: a matrix.to link to the room)."""

    place: PlaceRef


@dataclass(frozen=True, slots=True)
class Label:
    """A label a member can hold (Discord: a role; Matrix: whatever the adapter maps it to): the platform id
    organizers chose for it, if any, and its conventional name (used when nothing was chosen, or the chosen
    one is gone)."""

    chosen: str | None
    name: str


@dataclass(frozen=True, slots=True)
class LabelRef:
    """A label named in the text (Discord: the role's mention, which never pings here)."""

    label: Label


@dataclass(frozen=True, slots=True)
class CommandRef:
    """A reference to one of the bot's commands, e.g. ("event", "show") with options {"event": "7"}.

    The adapter renders it as the platform writes commands (Discord: the command's mention or
    `/event show event:7`; Matrix: `!event show event:7`)."""

    path: tuple[str, ...]
    options: tuple[tuple[str, str], ...] = ()
    #: Where the platform localizes command names (Discord does): "" shows the names as declared, a language
    #: code shows them in that language, `READER` in the language of the member reading it where the
    #: adapter knows it (their own turn, an error answered to them), else as declared.
    language: str = ""


#: `CommandRef.language` for "in the reader's language".
READER = "reader"


Segment = Plain | Said | Mention | Moment | CommandRef | Jump | PlaceLink | LabelRef


@dataclass(frozen=True, slots=True)
class Text:
    """Text as segments. `str(text)` gives a platform-neutral reading (tests and logs of ids only)."""

    segments: tuple[Segment, ...] = ()

    @classmethod
    def plain(cls, text: str) -> Text:
        """Text without segments."""
        return cls((Plain(text),)) if text else cls()

    def __add__(self, other: Text | str) -> Text:
        extra = Text.plain(other) if isinstance(other, str) else other
        return Text(self.segments + extra.segments)

    def __radd__(self, other: str) -> Text:
        return Text.plain(other) + self

    def __bool__(self) -> bool:
        return any(not isinstance(s, Plain) or s.text for s in self.segments)

    def __str__(self) -> str:
        return "".join(_neutral(s) for s in self.segments)

    @property
    def mentions(self) -> tuple[UserRef, ...]:
        """The members named in the text (in order, once each)."""
        return tuple(dict.fromkeys(s.user for s in self.segments if isinstance(s, Mention)))

    @property
    def commands(self) -> tuple[CommandRef, ...]:
        """The commands referred to."""
        return tuple(s for s in self.segments if isinstance(s, CommandRef))


def _neutral(segment: Segment) -> str:
    if isinstance(segment, Plain | Said):
        return segment.text
    if isinstance(segment, Mention):
        return segment.user.id if segment.user.id.startswith("@") else f"@{segment.user.id}"
    if isinstance(segment, Moment):
        return segment.fallback or segment.at.isoformat()
    if isinstance(segment, Jump):
        return f"{segment.message.place.id}/{segment.message.id}"
    if isinstance(segment, PlaceLink):
        return f"#{segment.place.id}"
    if isinstance(segment, LabelRef):
        return f"@{segment.label.chosen or segment.label.name}"
    options = "".join(f" {name}:{value}" for name, value in segment.options)
    return " ".join(segment.path) + options


_MARK = re.compile("\ue000(\\d+)\ue001")


class Parts:
    """Build `Text` from a translated sentence whose placeholders are segments.

    The catalogs keep whole sentences with `{placeholders}`; a placeholder that is a mention, a
    moment or a command is given as a marker, and `text()` cuts the translation at the markers::

        parts = Parts()
        text = parts.text(t._("{name} asked for help with match #{id}.", name=parts.mention(user), id=7))
    """

    def __init__(self) -> None:
        self._segments: list[Segment] = []

    def _mark(self, segment: Segment) -> str:
        self._segments.append(segment)
        return f"\ue000{len(self._segments) - 1}\ue001"

    def mention(self, user: UserRef | int | str) -> str:
        """A marker for a mention of `user`."""
        return self._mark(Mention(user if isinstance(user, UserRef) else UserRef.of(user)))

    def said(self, text: str) -> str:
        """A marker for member-written text."""
        return self._mark(Said(text))

    def moment(self, at: datetime, style: str = "full", fallback: str = "") -> str:
        """A marker for a moment in time."""
        return self._mark(Moment(at, style, fallback))

    def command(self, *path: str, shown_in: str = "", **options: object) -> str:
        """A marker for a command reference (`shown_in`: the reader's language)."""
        return self._mark(CommandRef(tuple(path), tuple((k, str(v)) for k, v in options.items()), shown_in))

    def jump(self, community: int, message: MessageRef) -> str:
        """A marker for a link to a posted message."""
        return self._mark(Jump(community, message))

    def place(self, place: PlaceRef) -> str:
        """A marker for a link to a place."""
        return self._mark(PlaceLink(place))

    def label(self, label: Label) -> str:
        """A marker for a label (role) named in the text."""
        return self._mark(LabelRef(label))

    def text(self, translated: str) -> Text:
        """The translation with its markers replaced by their segments."""
        out: list[Segment] = []
        position = 0
        for found in _MARK.finditer(translated):
            if found.start() > position:
                out.append(Plain(translated[position:found.start()]))
            out.append(self._segments[int(found.group(1))])
            position = found.end()
        if position < len(translated):
            out.append(Plain(translated[position:]))
        return Text(tuple(out))


# ----- cards and controls --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Card:
    """A framed summary (Discord: an embed; Matrix: a formatted block). A title a member wrote is `Text`
    with a `Said` segment (escaped like the rest of their text)."""

    title: str | Text
    body: Text = field(default_factory=Text)
    fields: tuple[tuple[str, Text], ...] = ()
    footer: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    """What continues when a member uses a control: a feature's flow handler and its arguments.

    Its wire form is `feature:name:arg:arg` (Discord keeps it as the component's custom id, Matrix
    with the prompt); arguments are short ids and codes, never personal text."""

    feature: str
    name: str
    args: tuple[str, ...] = ()

    def __str__(self) -> str:
        return ":".join((self.feature, self.name, *self.args))

    @classmethod
    def parse(cls, wire: str) -> Action | None:
        """The action of a wire form, or None when it is not one."""
        parts = wire.split(":")
        if len(parts) < 2 or not all(parts[:2]):
            return None
        return cls(parts[0], parts[1], tuple(parts[2:]))


class Style(StrEnum):
    """How prominent a button is."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    SUCCESS = "success"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Button:
    """One press."""

    action: Action
    label: str
    style: Style = Style.SECONDARY
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a choice."""

    value: str
    label: str
    description: str = ""
    selected: bool = False


@dataclass(frozen=True, slots=True)
class Choice:
    """A single (`most == 1`) or multiple choice among options."""

    action: Action
    options: tuple[Option, ...]
    placeholder: str = ""
    least: int = 1
    most: int = 1


Control = Button | Choice


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that comes with an answer (a member's data export, a calendar file): its name, bytes and media type.

    Discord attaches it to the private answer; Matrix uploads it to the media repository and sends it
    as an `m.file` event in the member's direct room."""

    name: str
    data: bytes
    media_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Message:
    """What is sent: text, an optional card, controls; `ping` lists the members it may notify.

    `files` come with a member's private answer (`Exchange.answer`); posts and direct messages leave them out."""

    text: Text = field(default_factory=Text)
    card: Card | None = None
    controls: tuple[Control, ...] = ()
    ping: tuple[UserRef, ...] = ()
    files: tuple[Attachment, ...] = ()
    #: Posted as an answer under this message (Discord: a reply; Matrix: a reply relation).
    reply_to: MessageRef | None = None

    @classmethod
    def of(cls, text: Text | str, *controls: Control, card: Card | None = None,
           ping: Sequence[UserRef] = ()) -> Message:
        """Shorthand: `Message.of("Saved.")`, `Message.of(text, Button(...), Button(...))`."""
        return cls(Text.plain(text) if isinstance(text, str) else text, card, tuple(controls), tuple(ping))

    @property
    def actions(self) -> tuple[Action, ...]:
        """The actions of its controls."""
        return tuple(control.action for control in self.controls)


@dataclass(frozen=True, slots=True)
class FormField:
    """One short answer of a form."""

    name: str
    label: str
    long: bool = False
    required: bool = True
    default: str = ""
    max_length: int = 400
    placeholder: str = ""


@dataclass(frozen=True, slots=True)
class Form:
    """A short form; its answers reach `action` as {field name: text}."""

    action: Action
    title: str
    fields: tuple[FormField, ...]


class Delivery(StrEnum):
    """The outcome of writing to a member directly or to a staff group. True only when `SENT`."""

    SENT = "sent"
    CLOSED = "closed"            # refused for good: direct messages closed, a place missing or not writable
    NOT_ALLOWED = "not_allowed"  # the member did not allow the bot to write to them
    GONE = "gone"                # what was to be changed no longer exists (a deleted message)
    FAILED = "failed"            # the platform did not answer or erred: worth trying again later

    def __bool__(self) -> bool:
        return self is Delivery.SENT


@dataclass(frozen=True, slots=True)
class Relabeled:
    """The outcome of changing a member's labels. True when everything asked was done (labels that do not
    exist on the platform are skipped). `refused`: the names of labels the platform refused for good (a
    person must act, e.g. the bot's role is too low); `failed`: some change is worth trying again later."""

    refused: tuple[str, ...] = ()
    failed: bool = False

    def __bool__(self) -> bool:
        return not self.refused and not self.failed


@dataclass(frozen=True, slots=True)
class Posted:
    """The outcome of a post: where it is (`ref`, None unless `SENT`) and why not (`CLOSED`: the place is
    missing or refuses the bot, a person must act; `FAILED`: worth trying again later)."""

    ref: MessageRef | None
    outcome: Delivery

    def __bool__(self) -> bool:
        return self.outcome is Delivery.SENT

    def __iter__(self) -> Iterator[MessageRef | Delivery | None]:
        """`ref, outcome = await chat.publish(...)` reads it too."""
        return iter((self.ref, self.outcome))


class Unreachable(Exception):
    """The platform could not be asked (it did not answer or refused to list): try again later."""


# ----- the port ------------------------------------------------------------------------------------
@runtime_checkable
class Exchange(Protocol):
    """One member's turn: a command they ran, a control they used or a form they submitted."""

    @property
    def user(self) -> UserRef:
        """Who acts."""

    @property
    def community(self) -> int | None:
        """The community (guild, space) the turn belongs to, if any."""

    @property
    def language(self) -> str:
        """The member's language code for this turn."""

    def holds(self, *capabilities: Capability) -> bool:
        """Whether the member belongs, right now, to the staff group of any of `capabilities` (or manages the
        community). The adapter decides from what the platform says about them at this turn (Discord: the
        roles sent with the interaction; Matrix: membership of the staff rooms)."""

    async def answer(self, message: Message) -> None:
        """Answer the member privately (only they see it)."""

    async def replace(self, message: Message) -> None:
        """Replace the prompt the member used (its controls go with it unless given again)."""

    async def ask(self, form: Form) -> None:
        """Ask a short form (a choice is a `Message` with a `Choice` control)."""


@runtime_checkable
class Conversation(Protocol):
    """The platform outside a member's turn."""

    async def post(self, community: int, place: Place | PlaceRef, message: Message, *,
                   key: str | None = None) -> MessageRef | None:
        """Post in a place (a registry `Place` or a concrete one); None when it could not."""

    async def publish(self, community: int, place: Place | PlaceRef, message: Message, *,
                      key: str | None = None) -> Posted:
        """`post` with its outcome: a flow that must tell a refusing place (a person must act) from a passing
        failure (try again) uses this."""

    async def direct(self, user: UserRef, message: Message, *, key: str | None = None,
                     community: int | None = None, only_if_allowed: bool = False) -> Delivery:
        """Write to a member directly. `only_if_allowed`: only if they allowed the bot to."""

    async def is_member(self, community: int, user: UserRef) -> bool:
        """Whether the user is a member of the community right now (a turn from a direct conversation names
        only the user; a member who left must not continue what is for members)."""

    async def notify(self, community: int, group: Place, message: Message, *, key: str | None = None) -> Delivery:
        """Tell a staff group (its place in the registry): `SENT`, `CLOSED` when its place is missing or refuses
        the bot (a person must act), `FAILED` when worth trying again later."""

    async def locate(self, community: int, place: Place) -> PlaceRef | None:
        """Where a registry place is on this platform (chosen in the setup, else by convention); None if nowhere."""

    async def edit(self, ref: MessageRef, message: Message) -> Delivery:
        """Replace a posted message: `SENT`, `GONE` when it was deleted, `CLOSED` when the platform refuses the
        bot (a person must act), `FAILED` when worth trying again later."""

    async def find_private(self, community: int, parent: Place, name: str, *, since: datetime) -> PlaceRef | None:
        """The private space named `name` that an attempt begun at `since` opened, if any (reopened when it
        was closed meanwhile). Raises `Unreachable` when the platform could not be asked."""

    async def open_private(self, community: int, parent: Place, name: str) -> PlaceRef | None:
        """A new private space for a few members (Discord: a private thread under the place; Matrix: an
        invite-only room); None when it could not be opened."""

    async def reopen_private(self, space: PlaceRef) -> bool:
        """Make a closed (archived) space usable again; True when it is."""

    async def invite_private(self, space: PlaceRef, members: Sequence[UserRef]) -> bool:
        """Add members to a private space (idempotent); False when the platform refused."""

    async def close_private(self, space: PlaceRef) -> bool:
        """Close a private space (archived, read-only)."""

    async def relabel(self, community: int, user: UserRef, *, add: Sequence[Label] = (),
                      remove: Sequence[Label] = ()) -> Relabeled:
        """Give the member the labels of `add` they do not hold and take away those of `remove` they hold
        (Discord: roles, by the chosen id, else by name). A member no longer in the community needs nothing."""
