"""`multinations-bot faq export|import|status`: FAQ content as PO files for translators and YAML/JSON for editors.

    multinations-bot faq export --format po --out faq-po/          # one <language>.po per language
    multinations-bot faq export --format yaml --out faq.yaml
    multinations-bot faq import faq-po/uk.po                        # language from the file name or --language
    multinations-bot faq import faq.yaml

An import is all or nothing: a bad file is refused with its file name and line, and nothing of it is
applied. Run these while the bot is stopped (the database is opened exclusively).
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.core.clock import SystemClock
from bot.core.db import Database
from bot.core.jobs import JobQueue
from bot.core.settings import Settings
from bot.features.faq.models import CONTENT_LANGUAGES
from bot.features.faq.service import FaqService
from bot.features.faq.transfer import ImportProblem, dump_json, dump_yaml, export_po, to_document


def register_cli(subparsers: Any) -> None:
    """Add the `faq` subcommands."""
    faq = subparsers.add_parser("faq", help="export and import FAQ content (PO for translators, YAML/JSON)")
    faq.add_argument("--db", metavar="PATH", help="database file (overrides DATABASE_PATH)")
    sub = faq.add_subparsers(dest="faq_command", required=True)

    def with_db(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        # Also after the subcommand (`faq export --db PATH`), as with every other command; SUPPRESS
        # keeps a `--db` given before the subcommand.
        parser.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                            help="database file (overrides DATABASE_PATH)")
        return parser

    export = with_db(sub.add_parser("export", help="write PO files per language, or one YAML/JSON document"))
    export.add_argument("--format", choices=("po", "yaml", "json"), default="po")
    export.add_argument("--out", required=True, help="a folder for PO files, a file for YAML/JSON")
    export.add_argument("--language", action="append", choices=CONTENT_LANGUAGES,
                        help="only these languages (PO; repeatable)")
    imp = with_db(sub.add_parser("import", help="apply a PO, YAML or JSON file (all or nothing)"))
    imp.add_argument("path", help="the file to import")
    imp.add_argument("--language", choices=CONTENT_LANGUAGES, help="the PO file's language (default: its name)")
    with_db(sub.add_parser("status", help="translation status per language"))
    faq.set_defaults(func=run)


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run one `faq` subcommand against the database."""
    db = await Database.open(settings.database_path)
    try:
        clock = SystemClock()
        # Translators are told about stale translations when the bot next starts and runs due jobs.
        service = FaqService(db, clock, JobQueue(db, clock, timedelta(minutes=settings.grace_minutes)))
        await service.ensure_starter()
        await service.load()
        if args.faq_command == "export":
            return export(service, args)
        if args.faq_command == "import":
            return await import_file(service, Path(args.path), args.language)
        return status(service)
    finally:
        await db.close()


def export(service: FaqService, args: argparse.Namespace) -> int:
    """Write the export files."""
    out = Path(args.out)
    if args.format == "po":
        out.mkdir(parents=True, exist_ok=True)
        for language in args.language or [code for code in CONTENT_LANGUAGES if code != "sv"]:
            (out / f"{language}.po").write_text(export_po(service.all_entries(), language), encoding="utf-8")
        print(f"wrote PO files to {out}")
        return 0
    document = to_document(service.all_entries())
    text = dump_yaml(document) if args.format == "yaml" else dump_json(document)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {len(document['entries'])} entries to {out}")
    return 0


async def import_file(service: FaqService, path: Path, language: str | None) -> int:
    """Apply one file; print the problem (file:line) and change nothing when it is bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: cannot read: {exc}")
        return 1
    try:
        if path.suffix == ".po":
            code = language or path.stem
            changed = await service.import_po(text, path.name, code)
        else:
            changed = await service.import_document(text, path.name)
    except ImportProblem as problem:
        print(f"refused, nothing was imported: {problem}")
        return 1
    print(f"imported {path.name}: {changed} entries changed")
    return 0


def status(service: FaqService) -> int:
    """Print current/stale/missing counts per language."""
    todo = service.todo()
    total = len(service.entries)
    for code in CONTENT_LANGUAGES:
        if code == "prs":
            continue
        stale = len(todo.stale.get(code, []))
        missing = len(todo.missing.get(code, []))
        print(f"{code:4} current {total - stale - missing:4}  stale {stale:4}  missing {missing:4}")
    print(f"due for review: {len(todo.due_for_review)}")
    return 0
