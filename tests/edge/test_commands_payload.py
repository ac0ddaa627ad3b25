"""The command payload a sync would send stays within Discord's documented limits.

discord.py validates only part of this (and nothing a Translator returns), so Discord would reject
a sync at run time; this test catches it first.
"""

from __future__ import annotations

import json
import re

NAME_RE = re.compile(r"^[-_\w\u0900-\u097F]{1,32}$")


def _check_name(name: str, where: str, problems: list[str]) -> None:
    if not NAME_RE.match(name) or name != name.lower():
        problems.append(f"{where}: invalid name {name!r}")


def _check_description(text: str, where: str, problems: list[str]) -> None:
    if not 1 <= len(text) <= 100:
        problems.append(f"{where}: description length {len(text)}")


def _check_item(item: dict, where: str, problems: list[str]) -> int:
    """Checks one command or option; returns its character count toward the 4,000 total."""
    size = 0
    _check_name(item["name"], where, problems)
    size += len(item["name"])
    for locale, name in (item.get("name_localizations") or {}).items():
        _check_name(name, f"{where} [{locale}]", problems)
    if item.get("type", 1) in (1,) or "description" in item:
        description = item.get("description", "")
        _check_description(description, where, problems)
        size += len(description)
        for locale, text in (item.get("description_localizations") or {}).items():
            _check_description(text, f"{where} [{locale}]", problems)
    options = item.get("options") or []
    if len(options) > 25:
        problems.append(f"{where}: {len(options)} options")
    choices = item.get("choices") or []
    if len(choices) > 25:
        problems.append(f"{where}: {len(choices)} choices")
    if choices and item.get("autocomplete"):
        problems.append(f"{where}: choices together with autocomplete")
    for choice in choices:
        if not 1 <= len(choice["name"]) <= 100:
            problems.append(f"{where}: choice name {choice['name']!r}")
        for locale, name in (choice.get("name_localizations") or {}).items():
            if not 1 <= len(name) <= 100:
                problems.append(f"{where}: choice [{locale}] {name!r}")
        size += len(choice["name"]) + len(str(choice["value"]))
    for option in options:
        size += _check_item(option, f"{where} {option['name']}", problems)
    return size


def test_payload_is_within_discords_limits(command_payload: list[dict]) -> None:
    problems: list[str] = []
    names = [c["name"] for c in command_payload]
    assert len(names) == len(set(names)), "command names must be unique"
    assert len(command_payload) <= 100
    for command in command_payload:
        size = _check_item(command, f"/{command['name']}", problems)
        if size > 4000:
            problems.append(f"/{command['name']}: {size} characters in total")
    assert problems == []


def test_payload_has_localizations_from_the_catalogs(command_payload: list[dict]) -> None:
    language = next(c for c in command_payload if c["name"] == "language")
    assert language["description_localizations"].get("sv-SE")
    assert language["description_localizations"]["sv-SE"] != language["description"]
    # Discord has no Arabic, Persian, Somali or Tigrinya client locale: nothing is sent for them.
    assert not any(key.startswith(("ar", "fa", "so", "ti")) for key in language["description_localizations"])


def test_commands_cli_prints_the_same_payload(command_payload: list[dict], capsys) -> None:
    from bot.cli import main

    assert main(["commands"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in printed] == [c["name"] for c in command_payload]


def test_every_command_says_where_it_can_be_used_with_contexts_and_integration_types(command_payload) -> None:
    """Discord's `contexts`/`integration_types` replace the deprecated `dm_permission`: the server
    and the bot's DM for the member's own commands, only the server for /event and /announce, and
    always a server install (never installed to members' accounts)."""
    by_name = {c["name"]: c for c in command_payload}
    for name, command in by_name.items():
        assert command["integration_types"] == [0], name
        expected = [0] if name in ("event", "announce") else [0, 1]
        assert sorted(command["contexts"]) == expected, name
        # discord.py still sends the old flag; it must never contradict the new field.
        assert command.get("dm_permission", 1 in command["contexts"]) == (1 in command["contexts"]), name
