"""The `multinations-bot` command line (also `python -m bot`).

    multinations-bot run [--platform matrix] connect to Discord (DISCORD_TOKEN) or Matrix (MATRIX_*)
    multinations-bot console [--json]       the local guild simulator as a shell
    multinations-bot matrix-tryout [--dir PATH]  a throwaway Matrix homeserver on 127.0.0.1 with the bot in it
    multinations-bot commands               the exact application-command JSON a sync would send
    multinations-bot sync [--guild ID]      sync application commands on purpose
    multinations-bot db migrate|backup PATH|check
    multinations-bot i18n status|extract|update

Settings are read once here and passed down. Operator mistakes (missing token, bad settings) end
with one readable paragraph and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import logging
import os
import pkgutil
import signal
import sys
import textwrap
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.db import Database, DatabaseError
from bot.core.logs import configure_logging
from bot.core.settings import Settings, SettingsError, check_writable_database, load_settings, validate_token

if TYPE_CHECKING:
    from bot.core.services import Services
    from bot.edge.client import MultinationsBot

log = logging.getLogger("bot")

EXIT_USAGE = 2
README_SETUP = "README.md, section \"Creating the Discord application\""
README_MATRIX = "README.md, section \"Matrix\""
MATRIX_SETTINGS = ("MATRIX_HOMESERVER", "MATRIX_USER_ID", "MATRIX_ACCESS_TOKEN", "MATRIX_SPACE")

Command = Callable[[argparse.Namespace, Settings], Awaitable[int]]


def _fail(message: str) -> int:
    print(textwrap.fill(message, width=100), file=sys.stderr)
    return EXIT_USAGE


def settings_problem(error: SettingsError) -> str:
    """One paragraph for the operator, naming the setting."""
    if error.setting == "--db":
        return (
            f"The bot cannot start: the database given with --db cannot be used: {error.message} Choose a "
            f"file in a folder this user may write to."
        )
    if error.setting == "DISCORD_TOKEN":
        return (
            f"The bot cannot start: the setting DISCORD_TOKEN {error.message} Put the bot token of your "
            f"Discord application in DISCORD_TOKEN, either in the environment or in a .env file (copy "
            f".env.example to .env and fill it in). {README_SETUP} explains how to create the application "
            f"and get its token. To try the bot without Discord, run: multinations-bot console"
        )
    if error.setting in MATRIX_SETTINGS:
        return (
            f"The bot cannot start on Matrix: the setting {error.setting} {error.message} The bot needs "
            f"MATRIX_HOMESERVER (the homeserver's URL), MATRIX_USER_ID and MATRIX_ACCESS_TOKEN (a user made for "
            f"the bot and its access token) and MATRIX_SPACE (the community's space, which the bot user is "
            f"invited to), in the environment or in a .env file (copy .env.example to .env). {README_MATRIX} "
            f"explains how to get them."
        )
    return (
        f"The bot cannot start: the setting {error.setting} {error.message} Fix it in the environment or in "
        f".env (every setting is explained in .env.example)."
    )


# ----- run -----------------------------------------------------------------------------------------
async def _bot_for_discord(settings: Settings) -> tuple[str, Services, MultinationsBot]:
    """The token (validated: a `SettingsError` reaches `main`, which explains it), services and bot."""
    token = validate_token(settings.discord_token)
    from bot.core.services import build_services
    from bot.edge.client import MultinationsBot

    services = await build_services(settings)
    return token, services, MultinationsBot(services)


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Connect to Discord and run until SIGTERM/SIGINT.

    The first signal stops cleanly: scheduling stops, the gateway and HTTP close, a unit of work in
    progress ends with its commit or rollback, and the database is checkpointed and closed (which
    releases the process lock). A second signal while stopping ends the process at once: nothing
    committed is lost, what was not committed is rolled back by SQLite, and interrupted jobs run
    again at the next start.
    """
    platform = getattr(args, "platform", None) or settings.platform
    if platform == "matrix":
        return await cmd_run_matrix(args, settings)
    import discord

    token, services, bot = await _bot_for_discord(settings)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    handled: list[signal.Signals] = []

    def request_stop(sig: signal.Signals) -> None:
        if stopping.is_set():
            log.warning("second %s while stopping: stopping now without waiting", sig.name)
            _remove_signal_handlers(loop, handled)
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
            return
        log.info("shutdown requested (%s)", sig.name)
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, request_stop, sig)
            handled.append(sig)
    runner = asyncio.create_task(bot.start(token), name="bg:discord")
    clean = False
    try:
        waiter = asyncio.create_task(stopping.wait(), name="bg:signals")
        done, _ = await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if runner in done and runner.exception() is not None:
            exc = runner.exception()
            if isinstance(exc, discord.LoginFailure):
                return _fail(settings_problem(SettingsError("DISCORD_TOKEN", "was refused by Discord.")))
            if isinstance(exc, discord.PrivilegedIntentsRequired):
                return _fail(
                    "Discord refused the connection because the Server Members intent is not enabled. Enable "
                    f"it on the Bot page of your application ({README_SETUP})."
                )
            raise exc
        clean = True
    finally:
        try:
            await bot.close()
            await _gateway_ended(runner)
        finally:
            await services.close()  # even when closing the connection failed: checkpoint, close, unlock
            _remove_signal_handlers(loop, handled)
        log.info("stopped cleanly" if clean else "stopped")
    return 0


async def cmd_run_matrix(args: argparse.Namespace, settings: Settings) -> int:
    """Connect to a Matrix homeserver and run until SIGTERM/SIGINT (a second signal ends at once)."""
    from bot.matrix.features import install_features
    from bot.matrix.run import matrix_config, run_matrix

    matrix_config(settings)  # a missing or malformed setting is explained before anything opens
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    handled: list[signal.Signals] = []

    def request_stop(sig: signal.Signals) -> None:
        if stopping.is_set():
            _remove_signal_handlers(loop, handled)
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
            return
        log.info("shutdown requested (%s)", sig.name)
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
            loop.add_signal_handler(sig, request_stop, sig)
            handled.append(sig)
    try:
        await run_matrix(settings, stopping, installers=[install_features])
    finally:
        _remove_signal_handlers(loop, handled)
    return 0


async def _gateway_ended(runner: asyncio.Task[None], timeout: float = 5.0) -> None:
    """Let the gateway task finish after `close()` (it does at once); its error is not ours to raise."""
    if not runner.done():
        await asyncio.wait({runner}, timeout=timeout)
    if not runner.done():
        runner.cancel()
        await asyncio.wait({runner})
    if not runner.cancelled() and runner.exception() is not None:
        log.info("the gateway connection ended with %s", type(runner.exception()).__name__)


def _remove_signal_handlers(loop: asyncio.AbstractEventLoop, handled: list[signal.Signals]) -> None:
    """Give SIGTERM and SIGINT back their usual meaning (a process that has stopped can be killed)."""
    for sig in handled:
        loop.remove_signal_handler(sig)
    handled.clear()


# ----- commands / sync -------------------------------------------------------------------------------
async def command_payload(settings: Settings) -> list[dict[str, Any]]:
    """The exact list `tree.sync()` would PUT, localizations included, without any network."""
    from bot.core.services import build_services
    from bot.edge.client import MultinationsBot
    from bot.edge.translator import CatalogTranslator

    services = await build_services(settings, database_path=":memory:", exclusive=False)
    bot = MultinationsBot(services)
    try:
        translator = CatalogTranslator(services.catalogs)
        await bot.tree.set_translator(translator)
        await bot.load_feature_extensions()
        commands = bot.tree._get_all_commands()
        return [await cmd.get_translated_payload(bot.tree, translator) for cmd in commands]
    finally:
        await bot.close()
        await services.close()


async def cmd_commands(args: argparse.Namespace, settings: Settings) -> int:
    """Print the application-command payload as JSON."""
    payload = await command_payload(settings)
    print(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True))
    return 0


async def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    """Log in and sync application commands (globally, or to one guild with --guild)."""
    import discord

    token, services, bot = await _bot_for_discord(settings)
    try:
        await bot.login(token)
        if args.guild:
            guild = discord.Object(id=args.guild)
            bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
            print(f"synced {len(synced)} commands to guild {args.guild}")
        else:
            synced = await bot.tree.sync()
            print(f"synced {len(synced)} global commands (Discord may take up to an hour to show them)")
    except discord.LoginFailure:
        return _fail(settings_problem(SettingsError("DISCORD_TOKEN", "was refused by Discord.")))
    finally:
        await bot.close()
        await services.close()
    return 0


# ----- db --------------------------------------------------------------------------------------------
async def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    """Database maintenance.

    `migrate` needs the database to itself (the bot stopped). `backup` and `check` work next to the
    running bot, as a daily timer runs them: an online backup and an integrity check only read, in
    WAL mode they never hold up the bot's writes, and they leave the bot's lock file alone.
    """
    beside_the_bot = args.db_command in {"backup", "check"}
    if beside_the_bot and not settings.database_path.exists():
        return _fail(f"There is no database at {settings.database_path}: nothing to back up or check.")
    try:
        db = await Database.open(settings.database_path, migrate=args.db_command == "migrate",
                                 exclusive=not beside_the_bot)
        if beside_the_bot:
            await db.execute_pragma("query_only", "ON")  # these only read: guaranteed here
    except DatabaseError as exc:
        return _fail(f"The database could not be opened: {exc}")
    try:
        if args.db_command == "migrate":
            print(f"database {settings.database_path} is at schema version {await db.schema_version()}")
        elif args.db_command == "backup":
            await db.backup(Path(args.path))
            print(f"backup written and verified: {args.path}")
        elif args.db_command == "check":
            problems = await db.check()
            pending = await _pending_migrations(db)
            for problem in problems:
                print(f"problem: {problem}")
            if pending:
                print(f"pending migrations: {pending} (run: multinations-bot db migrate)")
            if problems:
                return 1
            print(f"ok: integrity check passed, schema version {await db.schema_version()}")
    except DatabaseError as exc:
        return _fail(str(exc))
    finally:
        await db.close()
    return 0


async def _pending_migrations(db: Database) -> list[int]:
    from bot.core.db import load_migrations

    current = await db.schema_version()
    return [m.version for m in load_migrations() if m.version > current]


# ----- console ---------------------------------------------------------------------------------------
async def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    """The local guild simulator as a shell."""
    from bot.simulator.console import run_console

    return await run_console(settings, json_mode=args.json, now=args.now, database=args.db)


# ----- matrix-tryout --------------------------------------------------------------------------------
async def cmd_matrix_tryout(args: argparse.Namespace, settings: Settings) -> int:
    """A throwaway Synapse on 127.0.0.1 with the space, rooms, the bot and two members; Ctrl-C stops."""
    from bot.matrix.homeserver import HomeserverFailed, HomeserverMissing, matrix_bot_runner, run_tryout

    try:
        return await run_tryout(Path(args.dir) if args.dir else None, matrix_bot_runner())
    except (HomeserverMissing, HomeserverFailed) as exc:
        print(str(exc), file=sys.stderr)
        return 1


# ----- i18n ------------------------------------------------------------------------------------------
async def cmd_i18n(args: argparse.Namespace, settings: Settings) -> int:
    """Catalog status and maintenance."""
    from bot import i18n_tools

    payload = await command_payload(settings)
    if args.i18n_command == "status":
        print(i18n_tools.status_table(payload))
        return 0
    if args.i18n_command == "extract":
        path = i18n_tools.write_template(payload)
        print(f"wrote {path}")
        return 0
    if args.i18n_command == "update":
        for line in i18n_tools.update_catalogs(payload):
            print(line)
        return 0
    return EXIT_USAGE


# ----- parser ----------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every feature's own subcommands."""
    parser = argparse.ArgumentParser(prog="multinations-bot", description="Multinations Norsjö community bot")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", metavar="PATH", help="database file (overrides DATABASE_PATH)")
        return p

    run = with_db(sub.add_parser("run", help="connect to Discord (or to Matrix with --platform matrix)"))
    run.add_argument("--platform", choices=("discord", "matrix"),
                     help="the chat platform (overrides PLATFORM; default discord)")
    run.set_defaults(func=cmd_run)
    console = with_db(sub.add_parser("console", help="try the bot offline in a simulated guild"))
    console.add_argument("--json", action="store_true", help="one JSON object per action, for scripts")
    console.add_argument("--now", metavar="ISO-TIME", help="simulated start time, e.g. 2026-12-01T18:00+01:00")
    console.set_defaults(func=cmd_console)
    tryout = sub.add_parser("matrix-tryout", help="a throwaway Matrix homeserver on 127.0.0.1 with the bot in it")
    tryout.add_argument("--dir", metavar="PATH", help="keep the homeserver and the bot's database here "
                        "(default: a temporary folder removed at the end)")
    tryout.set_defaults(func=cmd_matrix_tryout)
    sub.add_parser("commands", help="print the application commands a sync would send").set_defaults(
        func=cmd_commands
    )
    sync = with_db(sub.add_parser("sync", help="sync application commands with Discord"))
    sync.add_argument("--guild", type=int, metavar="ID", help="sync to one guild (instant) instead of globally")
    sync.set_defaults(func=cmd_sync)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    with_db(db_sub.add_parser("migrate", help="apply pending migrations"))
    backup = with_db(db_sub.add_parser("backup", help="online backup, verified after writing"))
    backup.add_argument("path", help="where to write the backup")
    with_db(db_sub.add_parser("check", help="integrity and foreign-key check"))
    db.set_defaults(func=cmd_db)

    i18n = sub.add_parser("i18n", help="translation catalogs")
    i18n_sub = i18n.add_subparsers(dest="i18n_command", required=True)
    i18n_sub.add_parser("status", help="translated, missing and fuzzy messages per language")
    i18n_sub.add_parser("extract", help="write locales/messages.pot from the source")
    i18n_sub.add_parser("update", help="merge locales/messages.pot into every catalog")
    i18n.set_defaults(func=cmd_i18n)

    _register_feature_cli(sub, with_db)
    return parser


def _register_feature_cli(sub: Any, with_db: Callable[[argparse.ArgumentParser], argparse.ArgumentParser]) -> None:
    import bot.features as features

    for info in pkgutil.iter_modules(features.__path__):
        try:
            module = importlib.import_module(f"bot.features.{info.name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.endswith(".cli"):
                continue
            raise
        register = getattr(module, "register_cli", None)
        if register is not None:
            register(sub)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # `commands` and `i18n` use no database, `console` a temporary one unless --db names one.
    uses_configured_db = args.command not in {"commands", "i18n", "console", "matrix-tryout"}
    override = getattr(args, "db", None)
    try:
        settings = load_settings(check_database=uses_configured_db and not override)
        if override:
            settings = settings.with_overrides(database_path=Path(override))
            check_writable_database(settings.database_path, "--db")
    except SettingsError as exc:
        return _fail(settings_problem(exc))
    configure_logging(settings.log_level if args.command != "console" else "WARNING")
    try:
        return asyncio.run(args.func(args, settings))
    except SettingsError as exc:
        return _fail(settings_problem(exc))
    except DatabaseError as exc:
        return _fail(f"The database could not be used: {exc}")
    except KeyboardInterrupt:
        return 130
