"""The hub's config file: one TOML file (`hub.toml` in the user's config directory, or
`--config`), every setting also from an environment variable, command-line flags on top.

    [hub]
    host = "0.0.0.0"
    port = 8765
    db = "sqlite+aiosqlite:////srv/triage/hub.sqlite3"
    claim_window_seconds = 1800
    retention_days = 7
    rate_limit_per_minute = 100        # requests on one connection; more closes it (1008); 0 = off
    max_connections_per_person = 20    # one more is refused with HTTP 429; 0 = no cap
    allowed_origins = ["https://desk.example.com"]   # browser Origins let in; none = no check
    revocation_check_seconds = 30      # revoked tokens' connections close within this (1-60)

    [smtp]                  # e-mail notifications; leave out to turn them off
    host = "mail.example.com"
    port = 587
    username = "triage"
    password = "..."        # or TRIAGE_SMTP_PASSWORD
    sender = "triage@example.com"
    starttls = true
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import platformdirs

from server.events.mail import SmtpSettings
from server.settings import HubSettings


class HubConfigError(ValueError):
    """A config file or variable that cannot be used; the message names the file, line or key."""


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir("triage")) / "hub.toml"


# key in the file -> (environment variable, type)
_HUB_KEYS: dict[str, tuple[str, type]] = {
    "host": ("TRIAGE_HUB_HOST", str),
    "port": ("TRIAGE_HUB_PORT", int),
    "db": ("TRIAGE_HUB_DB", str),
    "claim_window_seconds": ("TRIAGE_CLAIM_WINDOW", int),
    "retention_days": ("TRIAGE_RETENTION_DAYS", int),
    "rate_limit_per_minute": ("TRIAGE_RATE_LIMIT", int),
    "max_connections_per_person": ("TRIAGE_MAX_CONNECTIONS", int),
    "allowed_origins": ("TRIAGE_ALLOWED_ORIGINS", list),  # the variable: comma-separated
    "revocation_check_seconds": ("TRIAGE_REVOCATION_CHECK", int),
}
_SMTP_KEYS: dict[str, tuple[str, type]] = {
    "host": ("TRIAGE_SMTP_HOST", str),
    "port": ("TRIAGE_SMTP_PORT", int),
    "username": ("TRIAGE_SMTP_USERNAME", str),
    "password": ("TRIAGE_SMTP_PASSWORD", str),
    "sender": ("TRIAGE_SMTP_SENDER", str),
    "starttls": ("TRIAGE_SMTP_STARTTLS", bool),
}


def _read_file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise HubConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise HubConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None


def _coerce(value: Any, kind: type, where: str) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
    elif kind is list:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    elif isinstance(value, str):
        return value
    expected = "a list of strings" if kind is list else kind.__name__
    raise HubConfigError(f"{where}: expected {expected}, got {value!r}")


def _section(
    data: Mapping[str, Any], name: str, keys: dict[str, tuple[str, type]], env: Mapping[str, str], source: str
) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise HubConfigError(f"{source}: [{name}] must be a table")
    unknown = set(table) - set(keys)
    if unknown:
        raise HubConfigError(
            f"{source}: unknown key(s) in [{name}]: {', '.join(sorted(unknown))}; "
            f"known: {', '.join(keys)}"
        )
    values = {k: _coerce(v, keys[k][1], f"{source}: [{name}] {k}") for k, v in table.items()}
    for key, (variable, kind) in keys.items():
        if variable in env:
            values[key] = _coerce(env[variable], kind, f"environment variable {variable}")
    return values


def load(
    path: Path | None = None, env: Mapping[str, str] | None = None, base: HubSettings | None = None
) -> HubSettings:
    """Settings from the file (if it exists, or `path` which must), then the environment."""
    env = os.environ if env is None else env
    explicit = path is not None or "TRIAGE_HUB_CONFIG" in env
    path = path or Path(env.get("TRIAGE_HUB_CONFIG", "")) if explicit else default_config_path()
    assert path is not None
    data: dict[str, Any] = {}
    if explicit or path.exists():
        data = _read_file(path)
    unknown = set(data) - {"hub", "smtp"}
    if unknown:
        raise HubConfigError(f"{path}: unknown section(s): {', '.join(sorted(unknown))}; known: hub, smtp")
    hub = _section(data, "hub", _HUB_KEYS, env, str(path))
    smtp = _section(data, "smtp", _SMTP_KEYS, env, str(path))
    settings = base or HubSettings()
    changes: dict[str, Any] = {}
    for key, field in (("host", "host"), ("port", "port"), ("db", "db_url"),
                       ("claim_window_seconds", "claim_window_seconds"),
                       ("rate_limit_per_minute", "rate_limit_per_minute"),
                       ("max_connections_per_person", "max_connections_per_person"),
                       ("allowed_origins", "allowed_origins"),
                       ("revocation_check_seconds", "revocation_check_seconds")):
        if key in hub:
            changes[field] = hub[key]
    if "retention_days" in hub:
        changes["retention_seconds"] = hub["retention_days"] * 24 * 3600
    _check_limits(changes, str(path))
    return replace(settings, **changes, smtp=replace(settings.smtp, **smtp))


def _check_limits(changes: dict[str, Any], source: str) -> None:
    if changes.get("claim_window_seconds", 1) < 1:
        raise HubConfigError(f"{source}: claim_window_seconds must be positive")
    for key in ("rate_limit_per_minute", "max_connections_per_person"):
        if changes.get(key, 0) < 0:
            raise HubConfigError(f"{source}: {key} must be 0 (off) or more, got {changes[key]}")
    if not 1 <= changes.get("revocation_check_seconds", 30) <= 60:
        raise HubConfigError(
            f"{source}: revocation_check_seconds must be between 1 and 60 (revoked tokens' "
            f"connections close within it), got {changes['revocation_check_seconds']}"
        )
    for origin in changes.get("allowed_origins", ()):
        scheme, sep, host = origin.partition("://")
        if not sep or not scheme or not host or "/" in host:
            raise HubConfigError(
                f"{source}: allowed_origins: {origin!r} is not an origin; write it as a browser "
                "sends it, scheme://host[:port] with no path, e.g. \"https://desk.example.com\""
            )


__all__ = ["HubConfigError", "SmtpSettings", "default_config_path", "load"]
