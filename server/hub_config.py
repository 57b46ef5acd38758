"""The hub's config file: one TOML file (`hub.toml` in the user's config directory, or
`--config`), every setting also from an environment variable, command-line flags on top.

    [hub]
    host = "0.0.0.0"
    port = 8765
    db = "sqlite+aiosqlite:////srv/triage/hub.sqlite3"
    claim_window_seconds = 1800
    retention_days = 7

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

from server.mailer import SmtpSettings
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
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    elif isinstance(value, str):
        return value
    raise HubConfigError(f"{where}: expected {kind.__name__}, got {value!r}")


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
                       ("claim_window_seconds", "claim_window_seconds")):
        if key in hub:
            changes[field] = hub[key]
    if "retention_days" in hub:
        changes["retention_seconds"] = hub["retention_days"] * 24 * 3600
    if changes.get("claim_window_seconds", 1) < 1:
        raise HubConfigError(f"{path}: claim_window_seconds must be positive")
    return replace(settings, **changes, smtp=replace(settings.smtp, **smtp))


__all__ = ["HubConfigError", "SmtpSettings", "default_config_path", "load"]
