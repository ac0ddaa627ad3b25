"""The Discord adapter of the conversation port (`bot.core.conversation`).

Messages as data become content, embeds, components and allowed mentions; idempotency keys become
message nonces (with `enforce_nonce`); places come from the place registry through the one
resolver; a private space is a private thread. Controls carry their `Action` as the custom id, and
`route_component` hands every press or pick to the flow handler routed for it (`services.routes`),
also on messages posted long ago, since the custom id is all it needs.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import discord

from bot.core.access import Capability
from bot.core.conversation import (
    READER,
    Action,
    Button,
    Card,
    Choice,
    CommandRef,
    Delivery,
    Form,
    Jump,
    Label,
    LabelRef,
    Mention,
    Message,
    MessageRef,
    Moment,
    PlaceLink,
    PlaceRef,
    Plain,
    Posted,
    Relabeled,
    Said,
    Style,
    Text,
    Unreachable,
    UserRef,
)
from bot.core.flows import Answer, Routes
from bot.core.i18n import Translator
from bot.core.places import Place
from bot.edge.errors import guarded
from bot.edge.places import place_channel, place_channel_id
from bot.edge.translator import render_command
from bot.edge.ui import (
    EMBED_DESCRIPTION_LIMIT,
    SafeModal,
    acknowledge_if_busy,
    clip,
    member_is_manager,
    member_role_ids,
    modal_follows,
    respond,
    update_message,
    user_text,
)

log = logging.getLogger(__name__)

#: Discord's layout: five rows of five buttons, or one menu a row; 25 options a menu.
ROWS = 5
BUTTONS_A_ROW = 5
OPTIONS_LIMIT = 25
#: Where an interrupted attempt's private thread is looked for among the archived ones: back to this long
#: before the attempt began (clock skew between the bot and Discord), at most this many threads.
ARCHIVED_LOOKUP_SLACK = timedelta(minutes=10)
ARCHIVED_LOOKUP_LIMIT = 200

_STYLES = {Style.PRIMARY: discord.ButtonStyle.primary, Style.SECONDARY: discord.ButtonStyle.secondary,
           Style.SUCCESS: discord.ButtonStyle.success, Style.DANGER: discord.ButtonStyle.danger}
#: No answer from Discord at all (a timeout, a dropped connection): worth trying again, like a 5xx.
UNREACHABLE = (asyncio.TimeoutError, aiohttp.ClientError, OSError)
_TIME_STYLES = {"full": "F", "date": "D", "time": "t", "relative": "R", "short": "f"}


def nonce(key: str) -> str:
    """Discord's nonce for an idempotency key (at most 25 characters; the same on every retry)."""
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def render_text(text: Text, translator: Callable[[str], Translator] | None = None, reader: str = "") -> str:
    """Segments as Discord markdown (`translator(code)` localizes command names; `reader`: whose language)."""
    out: list[str] = []
    for segment in text.segments:
        if isinstance(segment, Plain):
            out.append(segment.text)
        elif isinstance(segment, Said):
            out.append(discord.utils.escape_mentions(segment.text) if segment.formatted else user_text(segment.text))
        elif isinstance(segment, Mention):
            out.append(f"<@{segment.user.id}>" if segment.user.id.isdigit() else user_text(segment.user.id))
        elif isinstance(segment, Moment):
            out.append(f"<t:{int(segment.at.timestamp())}:{_TIME_STYLES.get(segment.style, 'F')}>")
        elif isinstance(segment, Jump):
            out.append(f"https://discord.com/channels/{segment.community}/{segment.message.place.id}/"
                       f"{segment.message.id}")
        elif isinstance(segment, PlaceLink):
            out.append(f"<#{segment.place.id}>" if segment.place.id.isdigit() else f"#{user_text(segment.place.id)}")
        elif isinstance(segment, LabelRef):
            chosen = segment.label.chosen
            out.append(f"<@&{chosen}>" if chosen and chosen.isdigit() else f"@{user_text(segment.label.name)}")
        elif isinstance(segment, CommandRef):
            code = reader if segment.language == READER else segment.language
            out.append(render_command(segment, translator(code) if translator is not None and code else None))
    return "".join(out)


def render_card(card: Card, translator: Callable[[str], Translator] | None = None) -> discord.Embed:
    """A card as an embed."""
    title = (discord.utils.escape_mentions(card.title) if isinstance(card.title, str)
             else render_text(card.title, translator))
    embed = discord.Embed(title=clip(title, 256),
                          description=clip(render_text(card.body, translator), EMBED_DESCRIPTION_LIMIT) or None)
    for label, value in card.fields[:25]:
        embed.add_field(name=clip(label, 256), value=clip(render_text(value, translator), 1024) or "-", inline=False)
    if card.footer:
        embed.set_footer(text=clip(card.footer, 2048))
    return embed


class _Laid:
    """A control as laid out in a message: only its look. Its presses and picks come in through
    `route_component`, not through discord.py's view store, so a sent view is not kept in memory
    and a press is not first rebuilt into a view of its whole message."""

    def is_dispatchable(self) -> bool:
        """Nothing for discord.py's view store to call back."""
        return False


class _LaidButton(_Laid, discord.ui.Button[Any]):
    """A button of a flow's message (see `_Laid`)."""


class _LaidSelect(_Laid, discord.ui.Select[Any]):
    """A menu of a flow's message (see `_Laid`)."""


async def route_component(interaction: discord.Interaction[Any]) -> None:
    """A press or pick, to the flow handler routed for its custom id (`services.routes`).

    The custom id is all it needs, so controls of messages posted long ago (also by an older version)
    reach today's handlers. Ids no flow routes are left alone: another handler may own them."""
    if interaction.type is not discord.InteractionType.component:
        return
    routes = _routes(interaction.client)
    data: Any = interaction.data or {}
    wire = data.get("custom_id")
    if routes is None or not isinstance(wire, str):
        return
    action = routes.resolve(wire)
    if action is None:
        return
    await _hand_to_flow(interaction, routes, action, tuple(str(v) for v in data.get("values") or ()))


@guarded
async def _hand_to_flow(interaction: discord.Interaction[Any], routes: Routes, action: Action,
                        values: tuple[str, ...]) -> None:
    if routes.asks_form(action):
        modal_follows(interaction)  # a slow database gives up in time instead of acknowledging
    else:
        # Under a burst every member gets a first response at once (the answer or the replaced
        # prompt follows); otherwise the answer itself is the first response.
        await acknowledge_if_busy(interaction, update=True)
    await routes.dispatch(await DiscordExchange.of(interaction), action, Answer(values=values))


def _routes(client: Any) -> Routes | None:
    services = getattr(client, "services", None)
    return getattr(services, "routes", None)


def render_view(controls: Sequence[Button | Choice]) -> discord.ui.View | None:
    """Controls laid out in Discord's rows: buttons five a row, a menu on its own row; what does not fit is
    left out (flows keep their controls few)."""
    if not controls:
        return None
    view = discord.ui.View(timeout=None)
    row, used = 0, 0
    for control in controls:
        if isinstance(control, Choice):
            if used:
                row, used = row + 1, 0
            if row >= ROWS:
                break
            options = control.options[:OPTIONS_LIMIT]
            select = _LaidSelect(
                custom_id=str(control.action), placeholder=clip(control.placeholder, 150) or None,
                min_values=min(control.least, len(options)), max_values=max(1, min(control.most, len(options))),
                options=[discord.SelectOption(label=clip(o.label, 100), value=o.value,
                                              description=clip(o.description, 100) or None, default=o.selected)
                         for o in options], row=row)
            view.add_item(select)
            row += 1
            continue
        if used >= BUTTONS_A_ROW:
            row, used = row + 1, 0
        if row >= ROWS:
            break
        button = _LaidButton(
            custom_id=str(control.action), label=clip(control.label, 80), style=_STYLES[control.style],
            disabled=control.disabled, row=row)
        view.add_item(button)
        used += 1
    return view


def render(message: Message, translator: Callable[[str], Translator] | None = None,
           reader: str = "") -> dict[str, Any]:
    """The keyword arguments of a send or an edit (`reader`: the language of the one member reading it)."""
    return {
        "content": clip(render_text(message.text, translator, reader)) if message.text else None,
        "embed": render_card(message.card, translator) if message.card is not None else None,
        "view": render_view(message.controls),
        "allowed_mentions": discord.AllowedMentions(
            everyone=False, roles=False, users=[discord.Object(int(u.id)) for u in message.ping if u.id.isdigit()]),
    }


def _sendable(kwargs: dict[str, Any], key: str | None) -> dict[str, Any]:
    out = {k: v for k, v in kwargs.items() if v is not None}
    if key is not None:
        out["nonce"] = nonce(key)
    return out


class DiscordConversation:
    """The port on Discord, outside a member's turn."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._services = client.services

    async def _target(self, community: int, place: Place | PlaceRef) -> int | None:
        if isinstance(place, Place):
            return await place_channel_id(self._client, self._services.places, community, place)
        return int(place.id) if place.id.isdigit() else None

    async def post(self, community: int, place: Place | PlaceRef, message: Message, *,
                   key: str | None = None) -> MessageRef | None:
        ref, _outcome = await self._post(community, place, message, key)
        return ref

    async def publish(self, community: int, place: Place | PlaceRef, message: Message, *,
                      key: str | None = None) -> Posted:
        ref, outcome = await self._post(community, place, message, key)
        return Posted(ref, outcome)

    async def is_member(self, community: int, user: UserRef) -> bool:
        guild = self._client.get_guild(community)
        if guild is None or not user.id.isdigit():
            return False
        if guild.get_member(int(user.id)) is not None:
            return True
        try:
            await guild.fetch_member(int(user.id))
        except discord.NotFound:
            return False
        return True

    async def _post(self, community: int, place: Place | PlaceRef, message: Message,
                    key: str | None) -> tuple[MessageRef | None, Delivery]:
        channel_id = await self._target(community, place)
        if channel_id is None:
            log.warning("no channel for a post in guild %s", community)
            return None, Delivery.CLOSED
        kwargs = _sendable(render(message, self._services.translator), key)
        if message.reply_to is not None and message.reply_to.id.isdigit():
            kwargs["reference"] = discord.MessageReference(message_id=int(message.reply_to.id), channel_id=channel_id,
                                                           fail_if_not_exists=False)
        try:
            sent = await self._client.get_partial_messageable(channel_id, guild_id=community).send(**kwargs)
        except UNREACHABLE:
            log.warning("could not post in channel %s of guild %s (no answer)", channel_id, community)
            return None, Delivery.FAILED
        except (discord.Forbidden, discord.NotFound) as exc:
            log.warning("cannot post in channel %s of guild %s (HTTP %s)", channel_id, community, exc.status)
            return None, Delivery.CLOSED
        except discord.HTTPException as exc:
            # discord.py already retried 429 and 5xx: worth trying again a little later.
            log.warning("could not post in channel %s of guild %s (HTTP %s)", channel_id, community, exc.status)
            return None, Delivery.FAILED
        return MessageRef(PlaceRef(str(channel_id)), str(sent.id)), Delivery.SENT

    async def direct(self, user: UserRef, message: Message, *, key: str | None = None,
                     community: int | None = None, only_if_allowed: bool = False) -> Delivery:
        user_id = int(user.id)
        if only_if_allowed and not await self._services.prefs.dm_allowed(user_id):
            return Delivery.NOT_ALLOWED
        try:
            channel = await self._client.create_dm(discord.Object(user_id))
            await channel.send(**_sendable(render(message, self._services.translator), key))
        except discord.Forbidden as exc:
            if exc.code == 50007:
                return Delivery.CLOSED  # DMs closed, or no server in common
            log.warning("Discord refused a DM to user %s (code %s)", user_id, exc.code)
            return Delivery.FAILED
        except discord.NotFound:
            return Delivery.CLOSED  # the account is gone
        except discord.HTTPException as exc:
            log.warning("could not DM user %s (HTTP %s)", user_id, exc.status)
            return Delivery.FAILED
        return Delivery.SENT

    async def notify(self, community: int, group: Place, message: Message, *, key: str | None = None) -> Delivery:
        _ref, outcome = await self._post(community, group, message, key)
        return outcome

    async def locate(self, community: int, place: Place) -> PlaceRef | None:
        channel_id = await place_channel_id(self._client, self._services.places, community, place)
        return PlaceRef(str(channel_id)) if channel_id is not None else None

    async def edit(self, ref: MessageRef, message: Message) -> Delivery:
        try:
            channel = self._client.get_partial_messageable(int(ref.place.id))
            await channel.get_partial_message(int(ref.id)).edit(
                **{k: v for k, v in render(message, self._services.translator).items() if k != "allowed_mentions"})
        except discord.NotFound:
            return Delivery.GONE
        except discord.Forbidden as exc:
            log.warning("may not edit message %s (HTTP %s)", ref.id, exc.status)
            return Delivery.CLOSED
        except discord.HTTPException as exc:
            log.warning("could not edit message %s (HTTP %s)", ref.id, exc.status)
            return Delivery.FAILED
        except UNREACHABLE:
            log.warning("could not edit message %s (no answer)", ref.id)
            return Delivery.FAILED
        return Delivery.SENT

    async def find_private(self, community: int, parent: Place, name: str, *, since: datetime) -> PlaceRef | None:
        channel = await place_channel(self._client, self._services.places, community, parent)
        if channel is None:
            return None
        me = self._client.user.id if self._client.user else None

        def ours(thread: discord.Thread) -> bool:
            return thread.parent_id == channel.id and thread.name == name and thread.owner_id == me

        try:
            found = [t.id for t in await channel.guild.active_threads() if ours(t)]
            if found:
                log.info("reusing the private thread an interrupted attempt opened in guild %s", community)
                return PlaceRef(str(min(found)))
            oldest = since - ARCHIVED_LOOKUP_SLACK
            async for thread in channel.archived_threads(private=True, joined=True, limit=ARCHIVED_LOOKUP_LIMIT):
                if thread.created_at is None or thread.created_at < oldest:
                    break  # newest first: every further one predates the attempt
                if ours(thread):
                    found.append(thread.id)
            if not found:
                return None
            thread_id = min(found)
            await self._client.http.edit_channel(thread_id, archived=False)  # members cannot join an archived one
        except discord.HTTPException as exc:
            raise Unreachable(f"HTTP {exc.status}") from None
        log.info("reusing the archived private thread an interrupted attempt opened in guild %s", community)
        return PlaceRef(str(thread_id))

    async def open_private(self, community: int, parent: Place, name: str) -> PlaceRef | None:
        channel = await place_channel(self._client, self._services.places, community, parent)
        if not isinstance(channel, discord.TextChannel):
            log.warning("no channel for private threads in guild %s", community)
            return None
        try:
            thread = await channel.create_thread(name=name, type=discord.ChannelType.private_thread, invitable=False)
        except discord.HTTPException as exc:
            log.warning("could not open a private thread in guild %s (HTTP %s)", community, exc.status)
            return None
        return PlaceRef(str(thread.id))

    async def reopen_private(self, space: PlaceRef) -> bool:
        try:
            await self._client.http.edit_channel(int(space.id), archived=False)
        except discord.HTTPException as exc:
            log.warning("could not unarchive thread %s (HTTP %s)", space.id, exc.status)
            return False
        return True

    async def invite_private(self, space: PlaceRef, members: Sequence[UserRef]) -> bool:
        try:
            for member in members:
                await self._client.http.add_user_to_thread(int(space.id), int(member.id))
        except discord.HTTPException as exc:
            log.warning("could not add members to thread %s (HTTP %s)", space.id, exc.status)
            return False
        return True

    async def close_private(self, space: PlaceRef) -> bool:
        try:
            await self._client.http.edit_channel(int(space.id), archived=True, locked=True)
        except discord.HTTPException as exc:
            log.warning("could not close thread %s (HTTP %s)", space.id, exc.status)
            return False
        return True

    async def relabel(self, community: int, user: UserRef, *, add: Sequence[Label] = (),
                      remove: Sequence[Label] = ()) -> Relabeled:
        guild = self._client.get_guild(community)
        member = guild.get_member(int(user.id)) if guild is not None and user.id.isdigit() else None
        if guild is None or member is None:
            return Relabeled()  # not (or no longer) a member here: nothing to give

        def role(label: Label) -> discord.Role | None:
            found = guild.get_role(int(label.chosen)) if label.chosen and label.chosen.isdigit() else None
            return found or discord.utils.get(guild.roles, name=label.name)

        held = {r.id for r in member.roles}
        giving = list({r.id: r for label in add if (r := role(label)) is not None and r.id not in held}.values())
        wanted = {r.id for label in add if (r := role(label)) is not None}
        taking = list({r.id: r for label in remove
                       if (r := role(label)) is not None and r.id in held and r.id not in wanted}.values())
        refused: list[str] = []
        failed = False
        for found, adding in [*((r, True) for r in giving), *((r, False) for r in taking)]:
            try:
                if adding:
                    await member.add_roles(found, reason="welcome finished")
                else:
                    await member.remove_roles(found, reason="welcome answers changed")
            except discord.Forbidden:
                refused.append(found.name)
            except discord.NotFound:
                log.warning("a role or the member is gone in guild %s", community)
            except discord.HTTPException as exc:
                log.warning("could not change a role of user %s (HTTP %s)", user.id, exc.status)
                failed = True
        return Relabeled(tuple(refused), failed)


class DiscordExchange:
    """One member's interaction as a turn of the port."""

    def __init__(self, interaction: discord.Interaction[Any], language: str) -> None:
        self.interaction = interaction
        self._language = language
        self.asked_form = False

    @classmethod
    async def of(cls, interaction: discord.Interaction[Any]) -> DiscordExchange:
        """The turn of an interaction, in the member's language (the one locale rule)."""
        t = await interaction.client.translator_for(interaction)
        return cls(interaction, t.code)

    @property
    def user(self) -> UserRef:
        return UserRef(str(self.interaction.user.id))

    @property
    def community(self) -> int | None:
        guild_id = self.interaction.guild_id or self.interaction.client.services.settings.guild_id
        return int(guild_id) if guild_id is not None else None

    @property
    def language(self) -> str:
        return self._language

    @property
    def prompt(self) -> MessageRef | None:
        """The message whose control the member used (None for a command)."""
        message = self.interaction.message
        if message is None:
            return None
        return MessageRef(PlaceRef(str(message.channel.id)), str(message.id))

    def holds(self, *capabilities: Capability) -> bool:
        access = self.interaction.client.services.access
        return access.allows(member_role_ids(self.interaction), *capabilities,
                             is_manager=member_is_manager(self.interaction))

    def _render(self, message: Message) -> dict[str, Any]:
        return render(message, self.interaction.client.services.translator, self._language)

    async def answer(self, message: Message) -> None:
        kwargs = self._render(message)
        files = [discord.File(io.BytesIO(f.data), filename=f.name) for f in message.files]
        await respond(self.interaction, kwargs["content"], embed=kwargs["embed"], view=kwargs["view"],
                      file=files[0] if files else None)

    async def replace(self, message: Message) -> None:
        kwargs = self._render(message)
        await update_message(self.interaction, kwargs["content"], embed=kwargs["embed"], view=kwargs["view"])

    async def ask(self, form: Form) -> None:
        await self.interaction.response.send_modal(_FormModal(form))
        self.asked_form = True  # the form is this turn's one answer: nothing may follow it


class _FormModal(SafeModal):
    """A form as a modal; its answers go to the form's action."""

    def __init__(self, form: Form) -> None:
        super().__init__(title=clip(form.title, 45), custom_id=str(form.action)[:100])
        self.form = form
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        for spec in form.fields[:5]:
            field: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=clip(spec.label, 45), custom_id=spec.name, required=spec.required, default=spec.default or None,
                max_length=min(spec.max_length, 4000), placeholder=clip(spec.placeholder, 100) or None,
                style=discord.TextStyle.paragraph if spec.long else discord.TextStyle.short)
            self.inputs[spec.name] = field
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Hand the answers to the flow."""
        routes = _routes(interaction.client)
        if routes is None:
            return
        fields = {name: field.value for name, field in self.inputs.items()}
        await routes.dispatch(await DiscordExchange.of(interaction), self.form.action, Answer(fields=fields))
