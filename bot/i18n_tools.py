"""Catalog maintenance: extract the template, update catalogs, report their status.

The template (`locales/messages.pot`) holds every string marked in the source (`_`, `N_`, `n_`,
`p_`, `locale_str`) plus every slash-command name (msgctxt "command name"), description and choice
name (msgctxt "command choice") taken from the command tree itself, so translators see exactly what
Discord will show. `pybabel` works on the same files:

    pybabel extract -F babel.cfg -o locales/messages.pot .   (source strings only)
    pybabel update -i locales/messages.pot -d locales
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.core.i18n import DEFAULT_LOCALES_DIR
from bot.core.languages import CATALOGS
from bot.edge.translator import CHOICE_CONTEXT, NAME_CONTEXT

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("bot", "cogs")
KEYWORDS: dict[str, Any] = {
    "_": None,
    "N_": None,
    "n_": (1, 2),
    "p_": ((1, "c"), 2),
    "locale_str": None,
}

PLURAL_FORMS = {
    "sv": "nplurals=2; plural=(n != 1);",
    "en": "nplurals=2; plural=(n != 1);",
    "de": "nplurals=2; plural=(n != 1);",
    "nl": "nplurals=2; plural=(n != 1);",
    "so": "nplurals=2; plural=(n != 1);",
    "fa": "nplurals=2; plural=(n > 1);",
    "hi": "nplurals=2; plural=(n > 1);",
    "ti": "nplurals=2; plural=(n > 1);",
    "uk": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) ? 1 : 2);",
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
}


@dataclass(frozen=True, slots=True)
class Extracted:
    """One message found in the source or the command tree."""

    msgid: str | tuple[str, str]
    context: str | None
    location: tuple[str, int]


def extract_source(root: Path = ROOT) -> Iterator[Extracted]:
    """Every marked string in `bot/` and `cogs/`."""
    for folder in SOURCE_DIRS:
        base = root / folder
        for filename, lineno, message, _comments, context in extract_from_dir(
            str(base), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
        ):
            if not message or (isinstance(message, tuple) and not message[0]):
                continue
            yield Extracted(message, context, (f"{folder}/{filename}", lineno))


def command_strings(payload: list[dict[str, Any]]) -> Iterator[Extracted]:
    """Names, descriptions and choice names of the application commands."""

    def walk(items: list[dict[str, Any]], where: str) -> Iterator[Extracted]:
        for item in items:
            name = item["name"]
            path = f"{where} {name}".strip()
            yield Extracted(name, NAME_CONTEXT, (f"/{path}", 0))
            # "…" is discord.py's placeholder for an option without a description: not a message.
            if item.get("description") and item["description"] != "…":
                yield Extracted(item["description"], None, (f"/{path}", 0))
            for choice in item.get("choices") or []:
                yield Extracted(choice["name"], CHOICE_CONTEXT, (f"/{path}", 0))
            yield from walk(item.get("options") or [], path)

    yield from walk(payload, "")


def build_template(payload: list[dict[str, Any]] | None = None) -> Catalog:
    """The template catalog of all messages."""
    template = Catalog(project="multinations-bot", msgid_bugs_address="", fuzzy=False,
                       creation_date=datetime(2026, 1, 1, tzinfo=UTC))
    for item in extract_source():
        template.add(item.msgid, locations=[item.location], context=item.context)
    for item in command_strings(payload or []):
        if template.get(item.msgid, context=item.context) is None:
            template.add(item.msgid, locations=[item.location], context=item.context)
    return template


async def current_payload() -> list[dict[str, Any]]:
    """The command payload, built offline."""
    from bot.cli import command_payload
    from bot.core.settings import Settings

    return await command_payload(Settings())


def load_catalog(catalog: str, locales_dir: Path = DEFAULT_LOCALES_DIR) -> Catalog:
    """All `.po` files of one catalog merged (as the bot loads them)."""
    merged = Catalog(locale=catalog)
    folder = locales_dir / catalog / "LC_MESSAGES"
    for po_path in sorted(folder.glob("*.po")):
        with po_path.open("rb") as fh:
            part = read_po(fh, locale=catalog)
        for message in part:
            if message.id:
                merged[message.id] = message
    return merged


def is_translated(message: Any) -> bool:
    """Whether a catalog message has a (non-fuzzy) translation in every plural form."""
    if message is None or message.fuzzy:
        return False
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


OPTIONAL_CONTEXTS = (NAME_CONTEXT, CHOICE_CONTEXT)


@dataclass(frozen=True, slots=True)
class CatalogStatus:
    """Counts for one catalog: UI messages, and (optional) slash-command names and choices."""

    catalog: str
    translated: int
    missing: int
    fuzzy: int
    names_translated: int
    names_total: int


def status_rows(template: Catalog, locales_dir: Path = DEFAULT_LOCALES_DIR) -> list[CatalogStatus]:
    """The status of every catalog against the template."""
    rows = []
    for code in CATALOGS:
        catalog = load_catalog(code, locales_dir)
        translated = missing = fuzzy = names = names_done = 0
        for message in template:
            if not message.id:
                continue
            found = catalog.get(message.id, context=message.context)
            done = code == "en" or is_translated(found)
            if message.context in OPTIONAL_CONTEXTS:
                names += 1
                names_done += done
            elif found is not None and found.fuzzy:
                fuzzy += 1
            elif done:
                translated += 1
            else:
                missing += 1
        rows.append(CatalogStatus(code, translated, missing, fuzzy, names_done, names))
    return rows


def status_table(payload: list[dict[str, Any]]) -> str:
    """A readable table for `multinations-bot i18n status`."""
    template = build_template(payload)
    rows = status_rows(template)
    total = rows[0].translated + rows[0].missing + rows[0].fuzzy if rows else 0
    lines = [f"{total} UI messages in the source and the command descriptions", "",
             f"{'catalog':8} {'translated':>10} {'missing':>8} {'fuzzy':>6}   command names (optional)"]
    for row in rows:
        lines.append(f"{row.catalog:8} {row.translated:>10} {row.missing:>8} {row.fuzzy:>6}   "
                     f"{row.names_translated}/{row.names_total}")
    lines += ["", "Command names can only be shown in Discord's own client languages (sv, uk, de, nl, hi);",
              "elsewhere Discord shows the English names.",
              "No catalog has been reviewed by a native speaker yet; see README, \"Languages and translations\"."]
    return "\n".join(lines)


def write_template(payload: list[dict[str, Any]], locales_dir: Path = DEFAULT_LOCALES_DIR) -> Path:
    """Write `locales/messages.pot`."""
    template = build_template(payload)
    path = locales_dir / "messages.pot"
    with path.open("wb") as fh:
        write_po(fh, template, width=100, omit_header=False, sort_output=False)
    return path


def update_catalogs(payload: list[dict[str, Any]], locales_dir: Path = DEFAULT_LOCALES_DIR) -> list[str]:
    """Merge the template into each catalog's `messages.po` (like `pybabel update`)."""
    path = write_template(payload, locales_dir)
    with path.open("rb") as fh:
        template = read_po(fh)
    report = []
    for code in CATALOGS:
        po_path = locales_dir / code / "LC_MESSAGES" / "messages.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        if po_path.exists():
            with po_path.open("rb") as fh:
                catalog = read_po(fh, locale=code)
        else:
            catalog = Catalog(locale=code)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        write_catalog(catalog, po_path, code)
        report.append(f"updated {po_path}")
    return report


def write_catalog(catalog: Catalog, path: Path, code: str) -> None:
    """Write a catalog with the project's Plural-Forms header for its language."""
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=False, ignore_obsolete=True)
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'"Plural-Forms: [^"]*\\n"', f'"Plural-Forms: {PLURAL_FORMS[code]}\\\\n"', text, count=1)
    path.write_text(text, encoding="utf-8")


def merge_into_messages(locales_dir: Path = DEFAULT_LOCALES_DIR) -> list[str]:
    """Fold every other `.po` of a catalog into its `messages.po` (one catalog per language)."""
    report = []
    for code in CATALOGS:
        folder = locales_dir / code / "LC_MESSAGES"
        target = folder / "messages.po"
        with target.open("rb") as fh:
            merged = read_po(fh, locale=code)
        others = sorted(p for p in folder.glob("*.po") if p.name != "messages.po")
        for path in others:
            with path.open("rb") as fh:
                part = read_po(fh, locale=code)
            for message in part:
                if not message.id:
                    continue
                existing = merged.get(message.id, context=message.context)
                if existing is None or not is_translated(existing):
                    if existing is not None:
                        merged.delete(message.id, context=message.context)
                    merged[message.id] = message
        write_catalog(merged, target, code)
        for path in others:
            path.unlink()
        report.append(f"{target}: merged {len(others)} files")
    return report
