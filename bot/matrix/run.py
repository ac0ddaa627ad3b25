"""`multinations-bot run --platform matrix`: the bot on a Matrix homeserver until it is told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.core.maintenance import plan_backups, plan_pruning
from bot.core.services import Services, build_services
from bot.core.settings import Settings, validate_matrix
from bot.matrix.client import MatrixBot, MatrixConfig

log = logging.getLogger(__name__)

#: How long stopping waits for a running scheduled job (seconds), as on Discord.
SHUTDOWN_JOB_WAIT = 5.0

Installer = Callable[[Services, MatrixBot], Awaitable[None]]


def matrix_config(settings: Settings) -> MatrixConfig:
    """The connection settings, checked (`SettingsError` names the one to fix)."""
    homeserver, user_id, token, space = validate_matrix(settings)
    return MatrixConfig(homeserver=homeserver, user_id=user_id, access_token=token, space=space)


async def run_matrix(settings: Settings, stopping: asyncio.Event, *,
                     installers: Sequence[Installer] = ()) -> None:
    """Connect, resume scheduled work, follow the homeserver until `stopping` is set.

    A wrong token, user or space raises `SettingsError` before anything else starts."""
    config = matrix_config(settings)
    services = await build_services(settings)
    bot = MatrixBot(services, config)
    try:
        await bot.login()
        for install in installers:
            await install(services, bot)
        await plan_backups(services)
        await plan_pruning(services)
        await services.jobs.reconcile()
        services.waker.start()
        await services.waker.reschedule()
        runner = asyncio.create_task(bot.run(), name="bg:matrix-sync")
        waiter = asyncio.create_task(stopping.wait(), name="bg:signals")
        done, _ = await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        bot.stop()
        if runner in done:
            runner.result()
        else:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(runner, 10)
    finally:
        bot.stop()
        services.waker.shutdown()
        await services.jobs.stop(timeout=SHUTDOWN_JOB_WAIT)
        await bot.close()
        await services.close()
        log.info("stopped")
