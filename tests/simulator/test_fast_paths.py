"""The simulator's shortcuts on each request give what the general code gives."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from bot.simulator.discord_side import _split_url
from bot.simulator.ratelimits import bucket_hash, template

URLS = [
    "https://discord.com/api/v10/channels/1300000000000000002/messages",
    "https://discord.com/api/v10/interactions/1300000000000000040/tok1300000000000000040/callback?with_response=1",
    "https://discord.com/api/v10/webhooks/1100000000000000001/tok13/messages/@original?wait=1&with_components=0",
    "https://discord.com/api/v10/users/@me",
    "https://discord.com/api/v10/channels/1/messages?",
    "https://discord.com/api/v10/channels/1/messages#frag",
    "https://discord.com/api/v10/channels/1/mess\tages?a=1",
    "https://discord.com/api/v9/channels/1",
    "https://discord.com/api/v10",
    "http://discord.com/api/v10/channels/1?x=%20y",
    "https://discord.com/api/v10/guilds/1/members/2?limit=5?x",
]


@pytest.mark.parametrize("url", URLS)
def test_a_request_url_splits_as_urlsplit_splits_it(url: str) -> None:
    parts = urlsplit(url)
    assert _split_url(url) == (parts.path, parts.query)


def _template_as_before(path: str) -> str:
    path = re.sub(r"^/(webhooks|interactions)/(\d+)/([^/]+)", r"/\1/:id/:token", path)
    return re.sub(r"\d{5,}", ":id", path)


@pytest.mark.parametrize("path", [
    "/channels/1300000000000000002/messages", "/interactions/1300000000000000040/tok1300000000000000040/callback",
    "/webhooks/1100000000000000001/tok13/messages/@original", "/webhooks/1100000000000000001/tok13",
    "/webhooks/12/", "/webhooks/x/tok", "/users/@me", "/guilds/1200000000000000001/members/13000000000/roles/99999",
    "/interactions/1/2/3/webhooks/4/5", "",
])
def test_route_templates_and_bucket_hashes_are_as_before(path: str) -> None:
    import hashlib

    assert template(path) == _template_as_before(path)
    route = template(path)
    for method in ("GET", "POST"):
        expected = hashlib.blake2s(f"{method} {route}".encode(), digest_size=8).hexdigest()
        assert bucket_hash(method, route) == expected
        assert bucket_hash(method, route) == expected  # remembered


def test_the_operation_of_a_path_is_the_one_trying_every_operation_finds() -> None:
    import random

    from bot.simulator.conformance import load

    checks = load()
    rng = random.Random(3)
    paths = []
    for operations in checks._by_method.values():
        for operation in operations:
            template = operation.route.split(" ", 1)[1]
            for _ in range(3):
                path = re.sub(r"\{[^}]+\}", lambda _: rng.choice(["1", "@me", "@original", "tok", "x"]), template)
                paths += [path, path + "/", path + "/x", path.rsplit("/", 1)[0], "/" + path.lstrip("/").upper(),
                          path.replace("/", "//", 1), path[1:]]
    assert len(paths) > 500
    for method in ("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"):
        for path in paths:
            best = None
            for operation in checks._by_method.get(method, ()):  # every operation, in order, as before
                match = operation.pattern.fullmatch(path)
                if match and (best is None or operation.literal_length > best[0].literal_length):
                    best = (operation, match.groupdict())
            expected = best if best is not None else (None, {})
            assert checks.operation(method, path) == expected
            assert checks.operation(method, path) == expected  # remembered
