"""A small in-memory implementation of the conversation port, for testing flows without a platform.

It keeps what was sent (`sent`), behaves like a platform where it matters for flows (a repeated
idempotency key is not shown twice, closed direct messages, a place that refuses posts, a member
who did not allow direct messages) and records the answers of a member's turn (`MemoryExchange`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count

from bot.core.access import Capability
from bot.core.conversation import (
    Delivery,
    Form,
    Label,
    Message,
    MessageRef,
    PlaceRef,
    Posted,
    Relabeled,
    Unreachable,
    UserRef,
)
from bot.core.places import Place


@dataclass(slots=True)
class Sent:
    """One thing the flow made the platform do."""

    kind: str                   # "post", "direct", "notify", "edit", "open", "close", "relabel"
    to: str                     # a place's name or id, a member id
    message: Message | None = None
    key: str | None = None
    ref: MessageRef | None = None
    detail: tuple[str, ...] = ()


@dataclass
class MemoryConversation:
    """The platform as a few lists. Places are named by their registry name (`Place.name`) or id."""

    closed_dms: set[str] = field(default_factory=set)
    refused_places: set[str] = field(default_factory=set)
    missing_places: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    failing: bool = False
    allows_dms: Callable[[UserRef], Awaitable[bool]] | None = None
    sent: list[Sent] = field(default_factory=list)
    spaces: dict[str, PlaceRef] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)
    closed_spaces: set[str] = field(default_factory=set)
    labels: dict[str, set[str]] = field(default_factory=dict)
    #: Label names the platform refuses to give or take (the bot's role is too low).
    refused_labels: set[str] = field(default_factory=set)
    #: Users who are not (or no longer) members of the community.
    strangers: set[str] = field(default_factory=set)
    _keys: set[str] = field(default_factory=set)
    _ids: count = field(default_factory=lambda: count(1))

    def _seen(self, key: str | None) -> bool:
        if key is None:
            return False
        if key in self._keys:
            return True
        self._keys.add(key)
        return False

    def of(self, kind: str, to: str | None = None) -> list[Sent]:
        """What was done of one kind (optionally to one place or member)."""
        return [s for s in self.sent if s.kind == kind and (to is None or s.to == to)]

    async def post(self, community: int, place: Place | PlaceRef, message: Message, *,
                   key: str | None = None) -> MessageRef | None:
        name = place.name if isinstance(place, Place) else place.id
        if self.failing or name in self.refused_places:
            return None
        ref = MessageRef(PlaceRef(name), str(next(self._ids)))
        if not self._seen(key):
            self.sent.append(Sent("post", name, message, key, ref))
        return ref

    async def publish(self, community: int, place: Place | PlaceRef, message: Message, *,
                      key: str | None = None) -> Posted:
        name = place.name if isinstance(place, Place) else place.id
        if name in self.refused_places or name in self.missing_places:
            return Posted(None, Delivery.CLOSED)
        if self.failing:
            return Posted(None, Delivery.FAILED)
        return Posted(await self.post(community, place, message, key=key), Delivery.SENT)

    async def is_member(self, community: int, user: UserRef) -> bool:
        return user.id not in self.strangers

    async def direct(self, user: UserRef, message: Message, *, key: str | None = None,
                     community: int | None = None, only_if_allowed: bool = False) -> Delivery:
        if only_if_allowed and self.allows_dms is not None and not await self.allows_dms(user):
            return Delivery.NOT_ALLOWED
        if self.failing:
            return Delivery.FAILED
        if user.id in self.closed_dms:
            return Delivery.CLOSED
        if not self._seen(key):
            self.sent.append(Sent("direct", user.id, message, key))
        return Delivery.SENT

    async def notify(self, community: int, group: Place, message: Message, *, key: str | None = None) -> Delivery:
        if self.failing:
            return Delivery.FAILED
        if group.name in self.refused_places:
            return Delivery.CLOSED
        if not self._seen(key):
            self.sent.append(Sent("notify", group.name, message, key))
        return Delivery.SENT

    async def locate(self, community: int, place: Place) -> PlaceRef | None:
        return None if place.name in self.missing_places else PlaceRef(place.name)

    async def edit(self, ref: MessageRef, message: Message) -> Delivery:
        if self.failing:
            return Delivery.FAILED
        if ref.id in self.deleted:
            return Delivery.GONE
        if ref.place.id in self.refused_places:
            return Delivery.CLOSED
        self.sent.append(Sent("edit", ref.place.id, message, ref=ref))
        return Delivery.SENT

    async def find_private(self, community: int, parent: Place, name: str, *, since: datetime) -> PlaceRef | None:
        if self.failing:
            raise Unreachable(name)
        found = self.spaces.get(name)
        if found is not None:
            self.closed_spaces.discard(found.id)
        return found

    async def open_private(self, community: int, parent: Place, name: str) -> PlaceRef | None:
        if self.failing or parent.name in self.refused_places:
            return None
        space = PlaceRef(f"space-{next(self._ids)}")
        self.spaces[name] = space
        self.members[space.id] = set()
        self.sent.append(Sent("open", parent.name, detail=(name, space.id)))
        return space

    async def reopen_private(self, space: PlaceRef) -> bool:
        if self.failing:
            return False
        self.closed_spaces.discard(space.id)
        return True

    async def invite_private(self, space: PlaceRef, members: Sequence[UserRef]) -> bool:
        if self.failing or space.id in self.closed_spaces:
            return False
        self.members.setdefault(space.id, set()).update(m.id for m in members)
        return True

    async def close_private(self, space: PlaceRef) -> bool:
        if self.failing:
            return False
        self.closed_spaces.add(space.id)
        self.sent.append(Sent("close", space.id))
        return True

    async def relabel(self, community: int, user: UserRef, *, add: Sequence[Label] = (),
                      remove: Sequence[Label] = ()) -> Relabeled:
        if self.failing:
            return Relabeled(failed=True)
        held = self.labels.setdefault(user.id, set())
        adding = [label.name for label in add if label.name not in held]
        removing = [label.name for label in remove if label.name in held and label.name not in adding]
        refused = tuple(name for name in (*adding, *removing) if name in self.refused_labels)
        held.update(name for name in adding if name not in refused)
        held.difference_update(name for name in removing if name not in refused)
        if adding or removing:
            self.sent.append(Sent("relabel", user.id, detail=(*(f"+{a}" for a in adding if a not in refused),
                                                              *(f"-{r}" for r in removing if r not in refused))))
        return Relabeled(refused=refused)


@dataclass
class MemoryExchange:
    """One member's turn; what the flow answered is in `answers`, `replaced` and `forms`."""

    user: UserRef
    community: int | None = None
    language: str = "en"
    staff: frozenset[Capability] = frozenset()
    manager: bool = False
    #: The message whose control the member used (None: a command).
    prompt: MessageRef | None = None
    answers: list[Message] = field(default_factory=list)
    replaced: list[Message] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)

    def holds(self, *capabilities: Capability) -> bool:
        return self.manager or any(c in self.staff for c in capabilities)

    async def answer(self, message: Message) -> None:
        self.answers.append(message)

    async def replace(self, message: Message) -> None:
        self.replaced.append(message)

    async def ask(self, form: Form) -> None:
        self.forms.append(form)

    @property
    def asked_form(self) -> bool:
        """Whether this turn answered with a form (as on Discord, nothing may follow it)."""
        return bool(self.forms)

    @property
    def last(self) -> Message:
        """The newest answer or replacement."""
        return (self.answers + self.replaced)[-1]
