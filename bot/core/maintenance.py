"""Scheduled maintenance of the core: verified database backups every `BACKUP_INTERVAL_HOURS`, and a
daily pruning of old finished rows of the job queue (they may name members)."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.jobs import PRUNE_KIND, Job
from bot.core.services import Services

log = logging.getLogger(__name__)

BACKUP_KIND = "core.backup"


async def plan_backups(services: Services) -> None:
    """Register the backup job and plan the next one (when backups are configured)."""
    settings = services.settings
    if settings.backup_dir is None or settings.backup_interval_hours <= 0:
        return
    interval = timedelta(hours=settings.backup_interval_hours)

    async def backup(job: Job) -> None:
        now = services.clock.now()
        target = settings.backup_dir / f"multinations-{now.strftime('%Y%m%dT%H%M%SZ')}.sqlite3"  # type: ignore[operator]
        await services.db.backup(target)
        log.info("backup written and verified: %s", target.name)
        await plan_next(now + interval)

    async def plan_next(due: object) -> None:
        await services.jobs.schedule(BACKUP_KIND, f"{BACKUP_KIND}:{due.isoformat()}", due)  # type: ignore[attr-defined]

    # Backups are not worth repeating after downtime: one late backup is enough.
    services.jobs.register(BACKUP_KIND, backup, grace=timedelta(days=3650))
    pending = await services.db.fetchval(
        "SELECT COUNT(*) FROM scheduled_jobs WHERE kind = ? AND state IN ('pending', 'claimed')", (BACKUP_KIND,)
    )
    if not pending:
        await plan_next(services.clock.now() + interval)


async def plan_pruning(services: Services) -> None:
    """Register the daily pruning of finished job rows and plan the next run (once)."""

    async def prune(job: Job) -> None:
        removed = await services.jobs.prune()
        log.info("pruned %d finished scheduled jobs", removed)
        await plan_next()

    async def plan_next() -> None:
        due = (services.clock.now() + timedelta(days=1)).replace(hour=4, minute=0, second=0, microsecond=0)
        await services.jobs.schedule(PRUNE_KIND, f"{PRUNE_KIND}:{due.date().isoformat()}", due)

    services.jobs.register(PRUNE_KIND, prune, grace=timedelta(days=3650))
    pending = await services.db.fetchval(
        "SELECT COUNT(*) FROM scheduled_jobs WHERE kind = ? AND state IN ('pending', 'claimed')", (PRUNE_KIND,)
    )
    if not pending:
        await plan_next()
