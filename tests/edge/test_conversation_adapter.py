"""The Discord adapter of the conversation port: how messages as data are shown on Discord."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from bot.core.conversation import (
    READER,
    Action,
    Button,
    Card,
    Choice,
    CommandRef,
    Label,
    Message,
    Option,
    Parts,
    PlaceRef,
    Text,
    UserRef,
)
from bot.core.i18n import Catalogs
from bot.core.outbox import send_key
from bot.edge.conversation import nonce, render, render_text
from bot.edge.translator import render_command


def test_segments_become_discord_markdown_and_member_text_is_escaped() -> None:
    parts = Parts()
    at = datetime(2026, 12, 3, 17, tzinfo=UTC)
    text = parts.text(f"{parts.mention(42)} {parts.said('@everyone *hi*')} {parts.moment(at, 'relative')} "
                      f"{parts.command('event', 'show', event=7)}")
    shown = render_text(text)
    assert shown.startswith("<@42> ")
    assert "@everyone" not in shown.replace("@\u200beveryone", "") and "\\*hi\\*" in shown
    assert f"<t:{int(at.timestamp())}:R>" in shown and shown.endswith("/event show event:7")


def test_places_and_labels_are_links_that_never_ping_and_a_name_without_an_id_is_shown_escaped() -> None:
    parts = Parts()
    text = parts.text(f"{parts.place(PlaceRef('77'))} {parts.label(Label('88', 'newcomer'))} "
                      f"{parts.label(Label(None, 'help_*work*'))}")
    assert render_text(text) == "<#77> <@&88> @help\\_\\*work\\*"
    message = render(Message(text))
    assert message["allowed_mentions"].roles is False


def test_command_names_are_shown_as_discord_shows_them_in_the_readers_language(catalogs: Catalogs) -> None:
    command = CommandRef(("welcome", "start"))
    assert render_command(command) == "/welcome start"
    assert render_command(command, catalogs.translator("sv")) == "/välkommen starta"
    assert render_command(command, catalogs.translator("ar")) == "/welcome start"  # no Arabic Discord client
    parts = Parts()
    text = parts.text(parts.command("welcome", "start", shown_in="sv") + " " + parts.command("faq", "todo"))
    assert render_text(text, catalogs.translator) == "/välkommen starta /faq todo"  # only where asked
    reader = Text((CommandRef(("welcome", "start"), (), READER),))
    assert render_text(reader, catalogs.translator, "sv") == "/välkommen starta"
    assert render_text(reader, catalogs.translator) == "/welcome start"  # nobody in particular reads a post


def test_controls_fit_discords_rows_and_only_listed_members_are_pinged() -> None:
    buttons = [Button(Action("x", "b", (str(n),)), str(n)) for n in range(7)]
    choice = Choice(Action("x", "c"), tuple(Option(str(n), str(n)) for n in range(30)), most=30)
    kwargs = render(Message(Text.plain("Hej"), Card("T", Text.plain("body")), (*buttons, choice),
                            ping=(UserRef("5"),)))
    view = kwargs["view"]
    rows = view.to_components()  # what Discord gets
    assert [len(row["components"]) for row in rows] == [5, 2, 1]
    select = rows[2]["components"][0]
    assert len(select["options"]) == 25 and select["max_values"] == 25
    assert [c["custom_id"] for c in rows[0]["components"][:2]] == ["x:b:0", "x:b:1"]
    # Presses come in by custom id (`route_component`): discord.py's view store keeps nothing of it.
    assert not view.is_dispatchable()
    assert kwargs["embed"].title == "T" and kwargs["content"] == "Hej"
    assert [u.id for u in kwargs["allowed_mentions"].users] == [5]
    assert kwargs["allowed_mentions"].everyone is False and kwargs["allowed_mentions"].roles is False


def test_the_nonce_of_a_key_is_the_one_earlier_versions_sent() -> None:
    key = "mentoring:followup:7:ended"
    assert nonce(send_key(key, 12)) == hashlib.sha256(f"{key}|12".encode()).hexdigest()[:24]
    assert nonce(send_key(key)) == hashlib.sha256(f"{key}|".encode()).hexdigest()[:24]
    assert len(nonce(send_key(key))) <= 25
