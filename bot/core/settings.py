"""Settings: read once at start from the environment (and `.env`) into one frozen, typed object.

Nothing reads the environment at import time. `load_settings()` is called by the command line and
by the simulator; everything else receives the resulting `Settings` as an argument.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.languages import LANGUAGES

DEFAULT_DATABASE_PATH = Path("data") / "multinations.sqlite3"

# Retention periods are counted in days; ten years is far beyond any sensible choice (and keeps the
# date arithmetic in range).
MAX_RETENTION_DAYS = 3650
# The last mentoring check-in (`3m`) is asked 90 days after a match starts.
MIN_MENTORING_RETENTION_DAYS = 90

PLATFORMS = ("discord", "matrix")
_MATRIX_USER_RE = re.compile(r"^@[a-z0-9._=/+-]+:[A-Za-z0-9.-]+(:\d+)?$")
# Room ids: `!opaque:server`, or from room version 12 on `!opaque` alone; aliases `#name:server`.
_MATRIX_SPACE_RE = re.compile(r"^(![^\s:]+(:[A-Za-z0-9.-]+(:\d+)?)?|#[^\s:]+:[A-Za-z0-9.-]+(:\d+)?)$")

# A bot token is three base64url segments separated by dots (id.timestamp.hmac).
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")


class SettingsError(Exception):
    """A setting is missing or invalid. `setting` names the variable the operator must fix."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting
        self.message = message


@dataclass(frozen=True, slots=True)
class RoleIds:
    """Discord role ids of the people who may do privileged things (None: only server managers)."""

    volunteer: int | None = None
    organizer: int | None = None
    coordinator: int | None = None
    translator: int | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the bot. Documented one by one in `.env.example`."""

    discord_token: str | None = None
    database_path: Path = DEFAULT_DATABASE_PATH
    timezone: str = "Europe/Stockholm"
    default_language: str = "sv"
    guild_id: int | None = None
    roles: RoleIds = field(default_factory=RoleIds)
    log_level: str = "INFO"
    # How long after a member leaves their stored data is deleted.
    retention_days_after_leave: int = 30
    # How long ended or declined mentoring matches and check-in answers are kept.
    mentoring_retention_days: int = 365
    # Scheduled posts found late after downtime are still sent if at most this late.
    grace_minutes: int = 30
    backup_dir: Path | None = None
    backup_interval_hours: int = 0
    # The chat platform `run` connects to: "discord" or "matrix".
    platform: str = "discord"
    matrix_homeserver: str | None = None
    matrix_user_id: str | None = None
    matrix_access_token: str | None = None
    matrix_space: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The configured IANA time zone."""
        return ZoneInfo(self.timezone)

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields replaced (command-line overrides such as `--db`)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a `.env` file: KEY=VALUE lines, `#` comments, optional quotes. Missing file: empty."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key] = value
    return values


def _optional_id(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 15 <= len(raw) <= 21:
        raise SettingsError(name, f"must be a numeric Discord id (a snowflake like 123456789012345678), got {raw!r}.")
    return int(raw)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0, maximum: int | None = None,
         why: str = "") -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, f"must be a whole number, got {raw!r}.") from None
    if value < minimum:
        raise SettingsError(name, f"must be at least {minimum}{why}, got {value}.")
    if maximum is not None and value > maximum:
        raise SettingsError(name, f"must be at most {maximum}, got {value}.")
    return value


def check_writable_database(path: Path, setting: str = "DATABASE_PATH") -> None:
    """Raise `SettingsError` (naming `setting`) when the database file or its folder cannot be
    written by this user; the folder is created when missing."""
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(setting, f"cannot create the folder {parent} ({exc.strerror}).") from None
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            raise SettingsError(setting, f"the file {path} is not readable and writable by this user.")
    elif not os.access(parent, os.W_OK):
        raise SettingsError(setting, f"the folder {parent} is not writable by this user.")



def load_settings(
    environ: Mapping[str, str] | None = None,
    dotenv: Path | None = Path(".env"),
    *,
    check_database: bool = True,
) -> Settings:
    """Build `Settings` from the process environment, with `.env` values as defaults.

    Raises `SettingsError` naming the first invalid setting.
    """
    env: dict[str, str] = {}
    if dotenv is not None:
        env.update(read_dotenv(dotenv))
    env.update(os.environ if environ is None else environ)

    timezone = env.get("TIMEZONE", "").strip() or "Europe/Stockholm"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError("TIMEZONE", f"{timezone!r} is not a known IANA time zone (Europe/Stockholm).") from None

    default_language = env.get("DEFAULT_LANGUAGE", "").strip() or "sv"
    if default_language not in LANGUAGES:
        known = ", ".join(LANGUAGES)
        raise SettingsError("DEFAULT_LANGUAGE", f"{default_language!r} is not supported; use one of: {known}.")

    database_path = Path(env.get("DATABASE_PATH", "").strip() or DEFAULT_DATABASE_PATH)
    if check_database:
        check_writable_database(database_path)

    log_level = (env.get("LOG_LEVEL", "").strip() or "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError("LOG_LEVEL", f"must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}.")

    platform = (env.get("PLATFORM", "").strip() or "discord").lower()
    if platform not in PLATFORMS:
        raise SettingsError("PLATFORM", f"must be discord or matrix, got {platform!r}.")

    backup_raw = env.get("BACKUP_DIR", "").strip()
    return Settings(
        discord_token=env.get("DISCORD_TOKEN", "").strip() or None,
        database_path=database_path,
        timezone=timezone,
        default_language=default_language,
        guild_id=_optional_id(env, "GUILD_ID"),
        roles=RoleIds(
            volunteer=_optional_id(env, "VOLUNTEER_ROLE_ID"),
            organizer=_optional_id(env, "ORGANIZER_ROLE_ID"),
            coordinator=_optional_id(env, "COORDINATOR_ROLE_ID"),
            translator=_optional_id(env, "TRANSLATOR_ROLE_ID"),
        ),
        log_level=log_level,
        retention_days_after_leave=_int(env, "RETENTION_DAYS_AFTER_LEAVE", 30, minimum=1, maximum=MAX_RETENTION_DAYS),
        mentoring_retention_days=_int(
            env, "MENTORING_RETENTION_DAYS", 365, minimum=MIN_MENTORING_RETENTION_DAYS, maximum=MAX_RETENTION_DAYS,
            why=" (the last mentoring check-in is asked 90 days after a match starts; its answers must stay "
                "until then)"),
        grace_minutes=_int(env, "GRACE_MINUTES", 30),
        backup_dir=Path(backup_raw) if backup_raw else None,
        backup_interval_hours=_int(env, "BACKUP_INTERVAL_HOURS", 0),
        platform=platform,
        matrix_homeserver=env.get("MATRIX_HOMESERVER", "").strip() or None,
        matrix_user_id=env.get("MATRIX_USER_ID", "").strip() or None,
        matrix_access_token=env.get("MATRIX_ACCESS_TOKEN", "").strip() or None,
        matrix_space=env.get("MATRIX_SPACE", "").strip() or None,
    )


def validate_token(token: str | None) -> str:
    """Return the token if it looks like a Discord bot token, else raise `SettingsError`."""
    if not token:
        raise SettingsError("DISCORD_TOKEN", "is not set.")
    if not _TOKEN_RE.match(token):
        raise SettingsError("DISCORD_TOKEN", "does not look like a Discord bot token (three parts separated by dots).")
    return token


def validate_matrix(settings: Settings) -> tuple[str, str, str, str]:
    """(homeserver URL, user id, access token, space) when they look right, else `SettingsError`."""
    homeserver = settings.matrix_homeserver
    if not homeserver:
        raise SettingsError("MATRIX_HOMESERVER", "is not set.")
    if not re.match(r"^https?://[^\s/]+", homeserver):
        raise SettingsError("MATRIX_HOMESERVER", f"must be the homeserver's URL (https://matrix.example.org), got "
                            f"{homeserver!r}.")
    user_id = settings.matrix_user_id
    if not user_id:
        raise SettingsError("MATRIX_USER_ID", "is not set.")
    if not _MATRIX_USER_RE.match(user_id):
        raise SettingsError("MATRIX_USER_ID", f"must be a Matrix user id like @bot:example.org, got {user_id!r}.")
    token = settings.matrix_access_token
    if not token:
        raise SettingsError("MATRIX_ACCESS_TOKEN", "is not set.")
    if any(c.isspace() for c in token):
        raise SettingsError("MATRIX_ACCESS_TOKEN", "contains spaces; paste the token alone.")
    space = settings.matrix_space
    if not space:
        raise SettingsError("MATRIX_SPACE", "is not set.")
    if not _MATRIX_SPACE_RE.match(space):
        raise SettingsError("MATRIX_SPACE", f"must be the space's id (!abc:example.org) or alias "
                            f"(#community:example.org), got {space!r}.")
    return homeserver.rstrip("/"), user_id, token, space
