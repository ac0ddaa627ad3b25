"""Forgetting members who left: everything in the privacy register is deleted after a grace period.

When a member leaves, a durable job is planned `RETENTION_DAYS_AFTER_LEAVE` days later; if they
come back before then it is cancelled and everything is as they left it. When it runs, every
registered privacy section deletes the member's data (aggregates stay), exactly like
`/privacy delete`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.clock import Clock
from bot.core.jobs import Job, JobQueue
from bot.core.privacy import PrivacyRegistry

log = logging.getLogger(__name__)

FORGET_KIND = "core.forget-member"


class MemberRetention:
    """Plans and carries out the deletion of departed members' data."""

    def __init__(self, jobs: JobQueue, privacy: PrivacyRegistry, clock: Clock, days: int) -> None:
        self._jobs = jobs
        self._privacy = privacy
        self._clock = clock
        self._after = timedelta(days=days)

    def register(self) -> None:
        """Register the job kind (call from the extension's `cog_load`)."""
        # A deletion found late after downtime must still happen: unlimited grace.
        self._jobs.register(FORGET_KIND, self._forget, grace=timedelta(days=36500))

    @staticmethod
    def key(guild_id: int, user_id: int) -> str:
        """The job key for one member."""
        return f"{FORGET_KIND}:{guild_id}:{user_id}"

    async def member_left(self, guild_id: int, user_id: int) -> None:
        """Plan the deletion."""
        due = self._clock.now() + self._after
        await self._jobs.schedule(FORGET_KIND, self.key(guild_id, user_id), due, {"user": user_id})

    async def member_returned(self, guild_id: int, user_id: int) -> None:
        """Cancel a planned deletion (a cheap read first: most joins have nothing to cancel)."""
        key = self.key(guild_id, user_id)
        if await self._jobs.state_of(key) == "pending":
            await self._jobs.cancel(key)

    async def _forget(self, job: Job) -> None:
        sections = await self._privacy.delete(int(job.payload["user"]))
        log.info("retention: deleted data of a departed member (job %d, %d sections)", job.id, len(sections))
