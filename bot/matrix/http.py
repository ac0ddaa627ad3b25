"""HTTP to the homeserver: mautrix's `HTTPAPI` with pacing, rate-limit answers and bounded retries.

mautrix retries only 502/503/504 and network errors, with a fixed 4 s backoff, and never a 429. Here:

- every write (anything but GET) waits for a token of two buckets, one per room and one for the
  whole bot, so the bot does not run into the homeserver's limits in the first place;
- `M_LIMIT_EXCEEDED` (HTTP 429) is honoured: the request waits `retry_after_ms` (or the
  Retry-After header) and goes again, and every other write waits with it;
- 5xx answers and timeouts are retried a few times with a short backoff for requests that are safe
  to repeat (GET, and PUT: sends carry a transaction id, so the homeserver drops a repeat); a POST
  (create a room, invite) is not repeated after a 5xx or a timeout, since it may have happened.

Waiting here is waiting on the network: real time (`asyncio.sleep`, the event loop's clock), not the
project's `Clock`, which decides only what the adapter does (prompts, records).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from json import JSONDecodeError
from typing import Any

from aiohttp import ClientError, ClientResponse, ContentTypeError
from mautrix.api import HTTPAPI, Method
from mautrix.errors import MatrixConnectionError, MatrixRequestError, make_request_error
from yarl import URL

log = logging.getLogger(__name__)

#: Default pacing: the whole bot, and one room (messages a second, burst).
GLOBAL_RATE, GLOBAL_BURST = 20.0, 40
ROOM_RATE, ROOM_BURST = 2.0, 10
#: Retries of a 5xx or a timeout (repeatable requests only), and their first backoff (seconds, doubling).
RETRIES = 3
BACKOFF = 0.5
#: The longest a request waits in total for rate limits before it gives up (seconds).
MAX_RATE_WAIT = 600.0


class RateLimited(Exception):
    """The homeserver answered 429; `retry_after` seconds."""

    def __init__(self, retry_after: float, error: MatrixRequestError) -> None:
        super().__init__(f"rate limited for {retry_after:.3f}s")
        self.retry_after = retry_after
        self.error = error


class Bucket:
    """A token bucket on the event loop's clock; a request reserves its token and waits its turn."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp: float | None = None
        self.blocked_until = 0.0

    def reserve(self, now: float) -> float:
        """Take the next token; how many seconds from `now` it may be used (0: at once)."""
        if self.stamp is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1.0
        wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
        return max(wait, self.blocked_until - now, 0.0)


class Pacer:
    """Per-room and global pacing of writes, and a pause for everyone after a 429.

    Each write reserves a token of the global bucket and of its room's at once (no lock: the event
    loop runs this without interruption) and sleeps until both are due, so a busy room does not hold
    up the others beyond the global pace."""

    def __init__(self, global_rate: float = GLOBAL_RATE, global_burst: int = GLOBAL_BURST,
                 room_rate: float = ROOM_RATE, room_burst: int = ROOM_BURST) -> None:
        self._global = Bucket(global_rate, global_burst)
        self._room_rate, self._room_burst = room_rate, room_burst
        self._rooms: dict[str, Bucket] = {}
        self.waited = 0.0  # seconds spent pacing (for benchmarks and logs)

    async def wait(self, room: str | None) -> None:
        """Wait until a write to `room` (None: not about a room) may go."""
        now = asyncio.get_running_loop().time()
        delay = self._global.reserve(now)
        if room is not None:
            bucket = self._rooms.get(room)
            if bucket is None:
                if len(self._rooms) > 10_000:  # forget idle rooms' buckets now and then
                    self._rooms.clear()
                bucket = self._rooms[room] = Bucket(self._room_rate, self._room_burst)
            delay = max(delay, bucket.reserve(now))
        if delay > 0:
            self.waited += delay
            await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        """The homeserver said wait: nothing new goes before then."""
        loop = asyncio.get_running_loop()
        self._global.blocked_until = max(self._global.blocked_until, loop.time() + seconds)


def _room_of(path: str) -> str | None:
    parts = path.split("/")
    if "rooms" in parts:
        index = parts.index("rooms")
        if index + 1 < len(parts):
            return parts[index + 1]
    return None


class PacedAPI(HTTPAPI):
    """`HTTPAPI` that paces writes, honours 429 and retries what is safe to retry."""

    def __init__(self, base_url: URL | str, token: str = "", *, pacer: Pacer | None = None,
                 retries: int = RETRIES, backoff: float = BACKOFF, **kwargs: Any) -> None:
        super().__init__(base_url, token, default_retry_count=0, **kwargs)
        self.pacer = pacer or Pacer()
        self.retries = retries
        self.backoff = backoff
        self.rate_limited = 0  # 429 answers seen

    async def _send(self, method: Method, url: URL, content: Any, query_params: dict[str, str],
                    headers: dict[str, str]) -> tuple[Any, ClientResponse]:
        async with self.session.request(str(method), url, data=content, params=query_params,
                                        headers=headers) as response:
            if 200 <= response.status < 300:
                return await response.json(), response
            data: dict[str, Any] = {}
            with contextlib.suppress(JSONDecodeError, ContentTypeError, ValueError):
                loaded = await response.json()
                if isinstance(loaded, dict):
                    data = loaded
            text = await response.text()
            error = make_request_error(http_status=response.status, text=text, errcode=data.get("errcode"),
                                       message=data.get("error"),
                                       unstable_errcode=data.get("org.matrix.msc3848.unstable.errcode"))
            if response.status == 429 or data.get("errcode") == "M_LIMIT_EXCEEDED":
                raise RateLimited(_retry_after(data, response.headers), error)
            raise error

    async def request(self, method: Method, path: Any, content: Any = None,
                      headers: dict[str, str] | None = None, query_params: Mapping[str, str] | None = None,
                      retry_count: int | None = None, metrics_method: str = "", min_iter_size: int = 25 * 1024 * 1024,
                      sensitive: bool = False) -> Any:
        """One request, paced, with 429 honoured and safe retries."""
        path_text = str(path)
        room = _room_of(path_text)
        write = method != Method.GET
        repeatable = method in (Method.GET, Method.PUT)
        attempts = 0
        rate_wait = 0.0
        backoff = self.backoff
        while True:
            if write:
                await self.pacer.wait(room)
            try:
                return await super().request(method, path, content, dict(headers or {}), query_params, 0,
                                             metrics_method, min_iter_size, sensitive)
            except RateLimited as limited:
                self.rate_limited += 1
                rate_wait += limited.retry_after
                if rate_wait > MAX_RATE_WAIT:
                    raise limited.error from None
                log.info("homeserver rate limit: waiting %.2fs", limited.retry_after)
                self.pacer.pause(limited.retry_after)
                if not write:
                    await asyncio.sleep(limited.retry_after)
                continue
            except MatrixRequestError as error:
                if error.http_status < 500 or not repeatable or attempts >= self.retries:
                    raise
                log.warning("homeserver answered HTTP %s: trying again in %.1fs", error.http_status, backoff)
            except (TimeoutError, MatrixConnectionError, ClientError) as error:
                if not repeatable or attempts >= self.retries:
                    if isinstance(error, MatrixConnectionError):
                        raise
                    raise MatrixConnectionError(type(error).__name__) from None
                log.warning("homeserver unreachable (%s): trying again in %.1fs", type(error).__name__, backoff)
            attempts += 1
            await asyncio.sleep(backoff)
            backoff *= 2


def _retry_after(data: Mapping[str, Any], headers: Mapping[str, str]) -> float:
    raw = data.get("retry_after_ms")
    if isinstance(raw, int | float) and raw >= 0:
        return float(raw) / 1000
    header = headers.get("Retry-After")
    if header is not None:
        with contextlib.suppress(ValueError):
            return max(0.0, float(header))
    return 1.0
