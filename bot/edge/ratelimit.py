"""A per-member token bucket for interactions: a person is never slowed, a script is."""

from __future__ import annotations

from datetime import datetime


class MemberRateLimiter:
    """`burst` actions at once, refilled at `per_second`; one bucket per member, kept small."""

    def __init__(self, burst: int = 8, per_second: float = 2.0, max_members: int = 50_000) -> None:
        self._burst = float(burst)
        self._rate = per_second
        self._max = max_members
        self._buckets: dict[int, tuple[float, float]] = {}

    def allow(self, user_id: int, now: datetime) -> bool:
        """Spend one token of the member's bucket; False when it is empty."""
        stamp = now.timestamp()
        tokens, last = self._buckets.get(user_id, (self._burst, stamp))
        tokens = min(self._burst, tokens + (stamp - last) * self._rate)
        if tokens < 1.0:
            self._buckets[user_id] = (tokens, stamp)
            return False
        if len(self._buckets) >= self._max and user_id not in self._buckets:
            self._buckets.clear()
        self._buckets[user_id] = (tokens - 1.0, stamp)
        return True
