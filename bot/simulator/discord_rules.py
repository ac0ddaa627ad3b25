"""What Discord documents and refuses, beyond the shape of a request.

`check_request` looks at one request before the simulated Discord acts on it and returns the error
Discord would answer (status and JSON body), or None:

* interactions: the first response within 3 seconds (else 404, 10062 Unknown interaction), once
  (400, 40060), with a callback type the interaction type allows (400, 50035); follow-ups and edits
  only after the first response (404, 10015 Unknown Webhook) and for 15 minutes (401, 50027 Invalid
  Webhook Token);
* messages on every route (channel messages, interaction responses, follow-ups, edits): content,
  embed and component limits, `allowed_mentions` that contradict themselves, and no ephemeral flag
  on a channel message (400, 50035 Invalid Form Body, with an `errors` object naming the field);
* modals (title, custom id, 1 to 5 inputs and their lengths) and autocomplete choices.

The clock is the simulator's `SimClock` (simulated seconds plus real idle time).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

FIRST_RESPONSE_SECONDS = 3.0
TOKEN_SECONDS = 15 * 60.0
EPHEMERAL = 1 << 6
COMPONENTS_V2 = 1 << 15

#: Callback types each interaction type may answer with (Discord's "interaction response" docs).
ALLOWED_CALLBACKS: dict[int, frozenset[int]] = {
    1: frozenset({1}),  # PING: PONG
    2: frozenset({4, 5, 9, 12}),  # slash command: message, deferred message, modal, launch activity
    3: frozenset({4, 5, 6, 7, 9, 12}),  # component: also deferred update and update
    4: frozenset({8}),  # autocomplete: choices only
    5: frozenset({4, 5, 6, 7}),  # modal submit: no modal in answer to a modal
}

Problem = tuple[tuple[str | int, ...], str, str]  # (field path, error code, message)

_CALLBACK = re.compile(r"/interactions/(\d+)/([^/]+)/callback")
_WEBHOOK = re.compile(r"/webhooks/(\d+)/([^/]+)(/messages/(@original|\d+))?")
_CHANNEL_MESSAGE = re.compile(r"/channels/(\d+)/messages(/\d+)?")


def error(status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    """An error answer as Discord shapes it."""
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return status, body


def form_error(problems: list[Problem]) -> tuple[int, dict[str, Any]]:
    """400 Invalid Form Body with the nested `errors` object (`{"content": {"_errors": [...]}}`)."""
    errors: dict[str, Any] = {}
    for path, code, message in problems:
        node = errors
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return error(400, 50035, "Invalid Form Body", errors)


def _too_long(path: tuple[str | int, ...], value: Any, limit: int, out: list[Problem]) -> None:
    if isinstance(value, str) and len(value) > limit:
        out.append((path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."))


def _too_many(path: tuple[str | int, ...], items: Any, limit: int, out: list[Problem]) -> None:
    if isinstance(items, list) and len(items) > limit:
        out.append((path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."))


def embed_size(embed: dict[str, Any]) -> int:
    """Characters Discord counts toward the 6,000 of a message's embeds."""
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    size += len((embed.get("footer") or {}).get("text") or "") + len((embed.get("author") or {}).get("name") or "")
    for f in embed.get("fields") or []:
        size += len(f.get("name") or "") + len(f.get("value") or "")
    return size


def message_problems(body: dict[str, Any], *, channel_message: bool = False) -> list[Problem]:
    """Limits of a message payload (create, interaction response, follow-up or edit)."""
    out: list[Problem] = []
    _too_long(("content",), body.get("content"), 2000, out)
    embeds = body.get("embeds") or []
    _too_many(("embeds",), embeds, 10, out)
    for i, embed in enumerate(embeds if isinstance(embeds, list) else []):
        _too_long(("embeds", i, "title"), embed.get("title"), 256, out)
        _too_long(("embeds", i, "description"), embed.get("description"), 4096, out)
        _too_many(("embeds", i, "fields"), embed.get("fields"), 25, out)
        for j, f in enumerate(embed.get("fields") or []):
            _too_long(("embeds", i, "fields", j, "name"), f.get("name"), 256, out)
            _too_long(("embeds", i, "fields", j, "value"), f.get("value"), 1024, out)
        _too_long(("embeds", i, "footer", "text"), (embed.get("footer") or {}).get("text"), 2048, out)
        _too_long(("embeds", i, "author", "name"), (embed.get("author") or {}).get("name"), 256, out)
    if isinstance(embeds, list) and sum(embed_size(e) for e in embeds) > 6000:
        out.append((("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"))
    flags = int(body.get("flags") or 0)
    out += component_problems(body.get("components") or [], v2=bool(flags & COMPONENTS_V2))
    allowed = body.get("allowed_mentions")
    if isinstance(allowed, dict):
        parse = allowed.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and allowed.get(kind):
                out.append((("allowed_mentions",), "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                            f'parse:["{kind}"] and {kind}: [ids] are mutually exclusive.'))
            _too_many(("allowed_mentions", kind), allowed.get(kind), 100, out)
    if channel_message and flags & EPHEMERAL:
        out.append((("flags",), "MESSAGE_FLAGS_INVALID", "Ephemeral messages can only be sent in answer to an "
                    "interaction."))
    return out


def component_problems(rows: list[dict[str, Any]], *, v2: bool = False) -> list[Problem]:
    """Action rows, buttons and selects: counts, lengths, unique custom ids."""
    out: list[Problem] = []
    if not v2:
        _too_many(("components",), rows, 5, out)
    seen: Counter[str] = Counter()

    def walk(items: list[dict[str, Any]], path: tuple[str | int, ...]) -> None:
        for i, comp in enumerate(items):
            here = (*path, i)
            ctype = comp.get("type")
            if ctype == 1 and not v2:
                inner = comp.get("components") or []
                _too_many((*here, "components"), inner, 5, out)
                if len(inner) > 1 and any(c.get("type") in (3, 5, 6, 7, 8) for c in inner):
                    out.append(((*here, "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                                "The specified component exceeds the maximum width"))
            if "components" in comp:
                walk(comp["components"], (*here, "components"))
            if isinstance(comp.get("component"), dict):
                walk([comp["component"]], (*here, "component"))
            custom_id = comp.get("custom_id")
            if isinstance(custom_id, str):
                _too_long((*here, "custom_id"), custom_id, 100, out)
                seen[custom_id] += 1
                if seen[custom_id] == 2:
                    out.append(((*here, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED",
                                "Component custom id cannot be duplicated"))
            if ctype == 2:
                _too_long((*here, "label"), comp.get("label"), 80, out)
            if ctype in (3, 5, 6, 7, 8):
                _too_long((*here, "placeholder"), comp.get("placeholder"), 150, out)
                for key in ("min_values", "max_values"):
                    value = comp.get(key)
                    if isinstance(value, int) and not 0 <= value <= 25:
                        out.append(((*here, key), "NUMBER_TYPE_MAX", "int value should be less than or equal "
                                    "to 25."))
            if ctype == 3:
                options = comp.get("options") or []
                if not options:
                    out.append(((*here, "options"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."))
                _too_many((*here, "options"), options, 25, out)
                for j, option in enumerate(options):
                    for key in ("label", "value", "description"):
                        _too_long((*here, "options", j, key), option.get(key), 100, out)

    walk(rows, ("components",))
    return out


def modal_problems(data: dict[str, Any]) -> list[Problem]:
    """A modal: title up to 45, custom id up to 100, 1 to 5 inputs within their lengths."""
    out: list[Problem] = []
    title = data.get("title")
    if not title:
        out.append((("data", "title"), "BASE_TYPE_REQUIRED", "This field is required"))
    _too_long(("data", "title"), title, 45, out)
    _too_long(("data", "custom_id"), data.get("custom_id"), 100, out)
    rows = data.get("components") or []
    if not rows:
        out.append((("data", "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."))
    _too_many(("data", "components"), rows, 5, out)
    seen: set[str] = set()
    for i, row in enumerate(rows):
        here: tuple[str | int, ...] = ("data", "components", i)
        _too_long((*here, "label"), row.get("label"), 45, out)
        inner = [row["component"]] if isinstance(row.get("component"), dict) else row.get("components") or []
        for j, comp in enumerate(inner):
            where = (*here, "component") if "component" in row else (*here, "components", j)
            if comp.get("type") != 4:
                continue
            _too_long((*where, "label"), comp.get("label"), 45, out)
            _too_long((*where, "custom_id"), comp.get("custom_id"), 100, out)
            _too_long((*where, "placeholder"), comp.get("placeholder"), 100, out)
            _too_long((*where, "value"), comp.get("value"), 4000, out)
            for key in ("min_length", "max_length"):
                value = comp.get(key)
                if isinstance(value, int) and not 0 <= value <= 4000:
                    out.append(((*where, key), "NUMBER_TYPE_MAX", "int value should be less than or equal to 4000."))
            custom_id = comp.get("custom_id")
            if custom_id in seen:
                out.append(((*where, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED",
                            "Component custom id cannot be duplicated"))
            seen.add(custom_id)
    return out


def choices_problems(data: dict[str, Any]) -> list[Problem]:
    """Autocomplete: up to 25 choices, names and string values up to 100."""
    out: list[Problem] = []
    choices = data.get("choices") or []
    _too_many(("data", "choices"), choices, 25, out)
    for i, choice in enumerate(choices):
        _too_long(("data", "choices", i, "name"), choice.get("name"), 100, out)
        _too_long(("data", "choices", i, "value"), choice.get("value"), 100, out)
    return out


def _prefixed(prefix: str, problems: list[Problem]) -> list[Problem]:
    return [((prefix, *path), code, message) for path, code, message in problems]


def check_request(interactions: dict[str, dict[str, Any]], now: float, method: str, path: str,
                  body: dict[str, Any] | None) -> tuple[int, dict[str, Any]] | None:
    """The refusal Discord would answer to this request, or None when Discord would accept it."""
    body = body if isinstance(body, dict) else {}
    found = _CALLBACK.fullmatch(path)
    if found and method == "POST":
        return _check_callback(interactions.get(found[2]), now, body)
    found = _WEBHOOK.fullmatch(path)
    if found and found[2] in interactions:
        info = interactions[found[2]]
        if not info.get("responded"):
            return error(404, 10015, "Unknown Webhook")
        created = info.get("created")
        if created is not None and now - created > TOKEN_SECONDS:
            return error(401, 50027, "Invalid Webhook Token")
        if method in ("POST", "PATCH"):
            problems = message_problems(body)
            return form_error(problems) if problems else None
        return None
    found = _CHANNEL_MESSAGE.fullmatch(path)
    if found and method in ("POST", "PATCH"):
        problems = message_problems(body, channel_message=method == "POST")
        return form_error(problems) if problems else None
    return None


def _check_callback(info: dict[str, Any] | None, now: float, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    if info is None:
        return error(404, 10062, "Unknown interaction")
    if info.get("responded"):
        return error(400, 40060, "Interaction has already been acknowledged.")
    created = info.get("created")
    if created is not None and now - created > FIRST_RESPONSE_SECONDS:
        info["too_late"] = True
        return error(404, 10062, "Unknown interaction")
    kind = int(body.get("type") or 0)
    allowed = ALLOWED_CALLBACKS.get(int(info.get("kind") or 0))
    if allowed is not None and kind not in allowed:
        choices = ", ".join(str(k) for k in sorted(allowed))
        return form_error([(("type",), "BASE_TYPE_CHOICES", f"Value must be one of {{{choices}}}.")])
    data = body.get("data") or {}
    if kind in (4, 7):
        problems = _prefixed("data", message_problems(data))
    elif kind == 9:
        problems = modal_problems(data)
    elif kind == 8:
        problems = choices_problems(data)
    else:
        problems = []
    return form_error(problems) if problems else None
