"""The service container built once at start and handed to the Discord edge.

`build_services(settings)` opens the database, loads the catalogs and creates the job queue; each
extension's `setup(bot)` builds its feature's services from these. `capabilities` is where installed
features publish an object for the others to use (see `bot.core.capabilities`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.core.access import Access
from bot.core.clock import Clock, SystemClock
from bot.core.collector import Collector
from bot.core.commands import Commands
from bot.core.db import Database
from bot.core.flows import Routes
from bot.core.i18n import DEFAULT_LOCALES_DIR, Catalogs, Translator
from bot.core.jobs import JobQueue, Waker
from bot.core.languages import resolve_language
from bot.core.members import GuildConfig, MemberPrefs
from bot.core.mentions import BotMessages
from bot.core.notices import HeldNotices, after_turn
from bot.core.outbox import Outbox
from bot.core.places import PlaceRegistry
from bot.core.privacy import PrivacyRegistry
from bot.core.settings import Settings


@dataclass(slots=True)
class Services:
    """Everything a feature may depend on."""

    settings: Settings
    db: Database
    clock: Clock
    catalogs: Catalogs
    jobs: JobQueue
    waker: Waker
    prefs: MemberPrefs
    guild_config: GuildConfig
    privacy: PrivacyRegistry
    access: Access
    messages: BotMessages
    places: PlaceRegistry
    outbox: Outbox
    notices: HeldNotices
    routes: Routes = field(default_factory=Routes)
    commands: Commands = field(default_factory=Commands)
    capabilities: dict[str, Any] = field(default_factory=dict)
    #: When Python's cycle collector may run (paused during bursts; start-up objects frozen at ready).
    collector: Collector = field(default_factory=Collector)

    def translator(self, language: str) -> Translator:
        """A translator for `language` in the configured zone."""
        return self.catalogs.translator(language, self.settings.zone)

    async def guild_language(self, guild_id: int | None) -> str:
        """The guild's configured default language (falls back to the setting)."""
        if guild_id is None:
            return self.settings.default_language
        return await self.guild_config.get(guild_id, "default_language", self.settings.default_language)

    async def translator_for_user(self, user_id: int, guild_id: int | None = None, *,
                                  platform_locale: str | None = None) -> Translator:
        """The one locale rule: the member's stored choice, else their platform's locale, else the guild's."""
        stored = await self.prefs.language(user_id)
        guild_default = await self.guild_language(guild_id or self.settings.guild_id)
        return self.translator(resolve_language(stored, platform_locale, guild_default))

    async def guild_translator(self, guild_id: int) -> Translator:
        """The guild's language, for staff places."""
        return self.translator(await self.guild_language(guild_id))

    async def close(self) -> None:
        """Stop the scheduler and close the database."""
        self.collector.close()
        self.waker.shutdown()
        await self.db.close()


async def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    catalogs: Catalogs | None = None,
    locales_dir: Path = DEFAULT_LOCALES_DIR,
    database_path: Path | str | None = None,
    exclusive: bool = True,
    busy_timeout_ms: int = 5000,
    collector: Collector | None = None,
) -> Services:
    """Open the database (migrating it) and wire the core services."""
    clock = clock or SystemClock()
    db = await Database.open(
        database_path or settings.database_path, exclusive=exclusive, busy_timeout_ms=busy_timeout_ms
    )
    jobs = JobQueue(db, clock, timedelta(minutes=settings.grace_minutes))
    prefs = MemberPrefs(db, clock)
    privacy = PrivacyRegistry(db)
    privacy.register(prefs.privacy_section())
    privacy.register(jobs.privacy_section())
    messages = BotMessages(db, clock, jobs)
    privacy.register(messages.privacy_section())
    guild_config = GuildConfig(db, clock)
    catalogs = catalogs or Catalogs.load(locales_dir)
    notices = HeldNotices(db, clock, prefs, lambda code: catalogs.translator(code or settings.default_language,
                                                                             settings.zone))
    privacy.register(notices.privacy_section())
    services = Services(
        settings=settings,
        db=db,
        clock=clock,
        catalogs=catalogs,
        jobs=jobs,
        waker=Waker(jobs),
        prefs=prefs,
        guild_config=guild_config,
        privacy=privacy,
        access=Access(settings.roles),
        places=PlaceRegistry(guild_config),
        outbox=Outbox(jobs, clock),
        notices=notices,
        messages=messages,
        collector=collector or Collector(),
    )
    services.routes.add("core", "allow-dm", notices.on_allow)
    services.commands.after(after_turn(notices))
    services.routes.after(after_turn(notices))
    return services
