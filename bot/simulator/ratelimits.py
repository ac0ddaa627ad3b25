"""Discord's rate limits, as the simulated Discord applies them.

Every answer carries `X-RateLimit-Limit`, `-Remaining`, `-Reset`, `-Reset-After` and `-Bucket` for
the request's bucket (a route with its major parameter: the channel, the guild or the webhook), so
discord.py's own limiter paces the bot as it would against Discord. A request over a bucket, over
the global 50 requests per second (interaction routes are exempt, as on Discord) or over the
per-channel message limit is answered 429 with `retry_after`, `global` and `code`, and the headers
`Retry-After` and `X-RateLimit-Scope`.

Discord does not publish its per-route numbers (they come in the headers and may change); the
simulator uses the commonly observed ones below. The windows run on `SimClock`.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from typing import Any

GLOBAL_LIMIT = 50  # requests per second, per bot
GLOBAL_WINDOW = 1.0

_ID = r"\d{5,}"
_MAJOR = re.compile(rf"^/(channels|guilds)/({_ID})|^/(webhooks|interactions)/({_ID})/([^/?]+)")

#: (method, route template, limit, window seconds); the first match wins. Templates have :id and :token.
ROUTE_LIMITS: tuple[tuple[str, str, int, float], ...] = (
    ("POST", "/channels/:id/messages", 5, 5.0),  # the per-channel message limit
    ("PATCH", "/channels/:id/messages/:id", 5, 5.0),
    ("DELETE", "/channels/:id/messages/:id", 5, 1.0),
    ("POST", "/channels/:id/threads", 10, 10.0),
    ("POST", "/users/@me/channels", 10, 1.0),
    ("PUT", "/guilds/:id/members/:id/roles/:id", 10, 1.0),
    ("DELETE", "/guilds/:id/members/:id/roles/:id", 10, 1.0),
)
DEFAULT_LIMIT = (50, 1.0)
#: Interaction callbacks and their webhooks: not under the global limit; a generous bucket per token.
INTERACTION_LIMIT = (50, 1.0)


_TOKEN_ROUTE = re.compile(r"^/(webhooks|interactions)/(\d+)/([^/]+)")
_IDS = re.compile(_ID)


def template(path: str) -> str:
    """The route with ids and tokens replaced: `/channels/:id/messages`."""
    token_route = _TOKEN_ROUTE.match(path)
    if token_route is not None:
        path = f"/{token_route[1]}/:id/:token{path[token_route.end():]}"
    return _IDS.sub(":id", path)


#: The bucket hash of each `METHOD template` (there are few; hashing each request's again is waste).
_BUCKET_HASHES: dict[str, str] = {}


def bucket_hash(method: str, route: str) -> str:
    """Discord's opaque `X-RateLimit-Bucket` of a route template."""
    key = f"{method} {route}"
    known = _BUCKET_HASHES.get(key)
    if known is None:
        known = _BUCKET_HASHES[key] = hashlib.blake2s(key.encode(), digest_size=8).hexdigest()
    return known


def major(path: str) -> str:
    """The bucket's major parameter (channel, guild, or webhook id and token), as discord.py keys it."""
    found = _MAJOR.match(path)
    if found is None:
        return ""
    if found[1]:
        return f"{found[1]}:{found[2]}"
    return f"{found[3]}:{found[4]}:{found[5]}"


def is_interaction_route(path: str) -> bool:
    """Interaction callbacks and the interaction webhooks are exempt from the global limit."""
    return path.startswith(("/interactions/", "/webhooks/"))


@dataclass(slots=True)
class _Window:
    limit: int
    length: float
    started: float = -math.inf
    used: int = 0

    def roll(self, now: float) -> None:
        if now >= self.started + self.length:
            self.started, self.used = now, 0

    def reset_after(self, now: float) -> float:
        return max(0.0, self.started + self.length - now)


@dataclass(slots=True)
class Verdict:
    """What the limiter says about one request: headers for the answer, and a 429 body if refused."""

    headers: dict[str, str]
    refused: dict[str, Any] | None = None
    scope: str = ""


@dataclass
class RateLimiter:
    """Per-route buckets and the global limit on one clock (seconds)."""

    enabled: bool = True
    buckets: dict[str, _Window] = field(default_factory=dict)
    global_window: _Window = field(default_factory=lambda: _Window(GLOBAL_LIMIT, GLOBAL_WINDOW))
    refused: list[tuple[float, str, str, str]] = field(default_factory=list)  # (clock, method, path, scope)

    @staticmethod
    def limits_for(method: str, route: str) -> tuple[int, float]:
        """The (limit, window) of a route template."""
        if is_interaction_route(route):
            return INTERACTION_LIMIT
        for m, tpl, limit, window in ROUTE_LIMITS:
            if m == method and tpl == route:
                return limit, window
        return DEFAULT_LIMIT

    def admit(self, method: str, path: str, now: float) -> Verdict:
        """Count one request at `now`; answer with the bucket's headers, or a 429."""
        route = template(path)
        limit, length = self.limits_for(method, route)
        bucket = bucket_hash(method, route)
        key = f"{bucket}:{major(path)}"
        window = self.buckets.get(key)
        if window is None:
            window = self.buckets[key] = _Window(limit, length)
        window.roll(now)
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Bucket": bucket}
        if not self.enabled:
            headers.update({"X-RateLimit-Remaining": str(limit), "X-RateLimit-Reset-After": f"{length:.3f}",
                            "X-RateLimit-Reset": f"{now + length:.3f}"})
            return Verdict(headers)
        exempt = is_interaction_route(path)
        if not exempt:
            self.global_window.roll(now)
            if self.global_window.used >= GLOBAL_LIMIT:
                wait = self.global_window.reset_after(now)
                self.refused.append((now, method, path, "global"))
                return Verdict({"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global",
                                "Retry-After": str(max(1, math.ceil(wait))), "Via": "1.1 google"},
                               _body(wait, True), "global")
        if window.used >= window.limit:
            wait = window.reset_after(now)
            self.refused.append((now, method, path, "user"))
            headers.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": f"{wait:.3f}",
                            "X-RateLimit-Reset": f"{now + wait:.3f}", "X-RateLimit-Scope": "user",
                            "Retry-After": str(max(1, math.ceil(wait))), "Via": "1.1 google"})
            return Verdict(headers, _body(wait, False), "user")
        window.used += 1
        if not exempt:
            self.global_window.used += 1
        wait = window.reset_after(now)
        headers.update({"X-RateLimit-Remaining": str(window.limit - window.used),
                        "X-RateLimit-Reset-After": f"{wait:.3f}", "X-RateLimit-Reset": f"{now + wait:.3f}"})
        return Verdict(headers)


def _body(wait: float, is_global: bool) -> dict[str, Any]:
    return {"message": "You are being rate limited.", "retry_after": round(max(wait, 0.001), 3),
            "global": is_global, "code": 0}
