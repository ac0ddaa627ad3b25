"""Derive the simulator's compact Discord API description from Discord's official OpenAPI file.

    python tools/derive_discord_api.py path/to/discord-api-spec/specs/openapi.json COMMIT

keeps only the operations the simulator answers (`OPERATIONS` below), and of them what the
simulator checks: path and query parameters, the JSON request body (also the form of a multipart
`payload_json`) and the response body of each status. Every component schema they reach is kept,
without descriptions, titles, formats and examples. The result is written to
`bot/simulator/discord_api/openapi-subset.json` (sorted, so a new commit of the description gives a
readable diff). The description is MIT-licensed by Discord; its notice ships next to the result.
Add an operation here (and re-run) when the simulator learns a new route.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "bot" / "simulator" / "discord_api" / "openapi-subset.json"

#: (method, path template) of every route the simulator answers.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("GET", "/users/@me"),
    ("GET", "/oauth2/applications/@me"),
    ("POST", "/channels/{channel_id}/messages"),
    ("GET", "/channels/{channel_id}/messages/{message_id}"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}"),
    ("GET", "/channels/{channel_id}"),
    ("PATCH", "/channels/{channel_id}"),
    ("POST", "/users/@me/channels"),
    ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"),
    ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"),
    ("GET", "/guilds/{guild_id}/members/{user_id}"),
    ("POST", "/channels/{channel_id}/threads"),
    ("GET", "/guilds/{guild_id}/threads/active"),
    ("GET", "/channels/{channel_id}/users/@me/threads/archived/private"),
    ("PUT", "/channels/{channel_id}/thread-members/{user_id}"),
    ("PUT", "/applications/{application_id}/commands"),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"),
    ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
    ("GET", "/guilds/{guild_id}/scheduled-events"),
    ("POST", "/guilds/{guild_id}/scheduled-events"),
    ("PATCH", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"),
    ("DELETE", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"),
)

#: Keywords the simulator's validator reads; everything else (descriptions, formats, ...) is dropped.
KEPT = {
    "type", "$ref", "properties", "required", "additionalProperties", "items", "const", "enum",
    "oneOf", "anyOf", "allOf", "minLength", "maxLength", "pattern", "minimum", "maximum",
    "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
}
SCHEMA_PREFIX = "#/components/schemas/"


def _strip(node: Any, refs: set[str]) -> Any:
    if isinstance(node, list):
        return [_strip(item, refs) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key not in KEPT:
            continue
        if key == "$ref":
            if not value.startswith(SCHEMA_PREFIX):
                raise ValueError(f"unexpected reference {value}")
            refs.add(value[len(SCHEMA_PREFIX):])
            out[key] = value
        elif key == "properties":
            out[key] = {name: _strip(sub, refs) for name, sub in value.items()}
        elif isinstance(value, dict | list) and key not in ("required", "enum", "const"):
            out[key] = _strip(value, refs)
        else:
            out[key] = value
    return out


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a `#/components/responses|parameters/...` reference."""
    while "$ref" in node:
        parts = node["$ref"].removeprefix("#/").split("/")
        target: Any = spec
        for part in parts:
            target = target[part]
        node = target
    return node


def derive(spec: dict[str, Any], commit: str) -> dict[str, Any]:
    """The compact description of `OPERATIONS`."""
    refs: set[str] = set()
    operations: dict[str, dict[str, Any]] = {}
    for method, template in OPERATIONS:
        item = spec["paths"][template]
        op = item[method.lower()]
        params: dict[str, dict[str, Any]] = {"path": {}, "query": {}}
        for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
            param = _resolve(spec, raw)
            if param["in"] in params:
                params[param["in"]][param["name"]] = {
                    "required": bool(param.get("required")), "schema": _strip(param["schema"], refs),
                }
        entry: dict[str, Any] = {"path_parameters": params["path"], "query_parameters": params["query"]}
        body = op.get("requestBody")
        if body is not None:
            content = body["content"]
            json_schema = content.get("application/json", {}).get("schema")
            entry["request_body"] = {"required": bool(body.get("required")),
                                     "schema": _strip(json_schema, refs) if json_schema else None,
                                     "multipart": "multipart/form-data" in content}
        responses: dict[str, Any] = {}
        for status, raw in op["responses"].items():
            response = _resolve(spec, raw)
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            responses[status] = {"schema": _strip(schema, refs) if schema else None}
        entry["responses"] = responses
        operations[f"{method} {template}"] = entry
    schemas: dict[str, Any] = {}
    todo = sorted(refs)
    while todo:
        name = todo.pop()
        if name in schemas:
            continue
        found: set[str] = set()
        schemas[name] = _strip(spec["components"]["schemas"][name], found)
        todo.extend(sorted(found - schemas.keys()))
    return {
        "source": {"repository": "discord/discord-api-spec", "file": "specs/openapi.json", "commit": commit,
                   "license": "MIT, Copyright 2023 Discord (see LICENSE next to this file)",
                   "api_version": spec["info"].get("version")},
        "operations": operations,
        "schemas": dict(sorted(schemas.items())),
    }


def main(argv: list[str]) -> int:
    """Read the description, write the subset."""
    if len(argv) != 3:
        print(__doc__)
        return 2
    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    subset = derive(spec, argv[2])
    OUT.write_text(json.dumps(subset, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(subset['operations'])} operations, {len(subset['schemas'])} schemas")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
