"""The terminal app's config: a TOML file, every setting also from an environment variable.

The file is ``config.toml`` in the user config directory (``TRIAGE_CONFIG`` names another one)::

    hub = "wss://hub.example.com:8765"    # TRIAGE_HUB
    token_file = "~/.config/triage/token" # TRIAGE_TOKEN_FILE
    theme = "nord"                        # TRIAGE_THEME: a Textual theme name

    [notifications]
    desktop = true                        # TRIAGE_DESKTOP: OSC 9 / OSC 777 through the terminal
    bell = true                           # TRIAGE_BELL

    [keys]                                # TRIAGE_KEYS="triage.accept=c,triage.reject=x"
    "triage.accept" = "c"

The environment wins over the file; command-line options win over both. A malformed file is an
error that names the file and the line: the app does not start with half a config.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from textual.theme import BUILTIN_THEMES

TOP_LEVEL = {"hub", "token_file", "theme", "notifications", "keys"}
NOTIFICATION_KEYS = {"desktop", "bell"}
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class ConfigError(Exception):
    """The config cannot be used; the message names the file (and line) or the variable."""


@dataclass(frozen=True)
class Config:
    hub: str | None = None
    token_file: str | None = None
    theme: str | None = None
    desktop: bool = True  # on for real use; the app's own default (tests) is off
    bell: bool = True
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None  # the file read, if any

    def app_options(self) -> dict[str, Any]:
        """Keyword arguments for `make_app`."""
        return {"keymap": dict(self.keys), "theme": self.theme,
                "desktop_notifications": self.desktop, "bell": self.bell}


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir("triage")) / "config.toml"


def parse_keys(text: str) -> dict[str, str]:
    """The --keys / TRIAGE_KEYS form: 'triage.accept=c,triage.reject=x' -> {id: keys}."""
    return {k.strip(): v.strip() for k, v in (item.split("=", 1) for item in text.split(",") if "=" in item)}


def parse_bool(text: str, name: str) -> bool:
    value = text.strip().lower()
    if value in TRUE | FALSE:
        return value in TRUE
    raise ConfigError(f"{name} must be true or false, got {text!r}")


def read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:  # its message ends "(at line N, column M)"
        raise ConfigError(f"config file {path}: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None


def _check_file(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Flatten and type-check the file's settings."""
    where = f"config file {path}"
    unknown = set(data) - TOP_LEVEL
    if unknown:
        raise ConfigError(f"{where}: unknown setting {sorted(unknown)[0]!r} (known: {', '.join(sorted(TOP_LEVEL))})")
    out: dict[str, Any] = {}
    for name in ("hub", "token_file", "theme"):
        if name in data:
            if not isinstance(data[name], str):
                raise ConfigError(f"{where}: {name} must be a string")
            out[name] = data[name]
    notes = data.get("notifications", {})
    if not isinstance(notes, dict) or set(notes) - NOTIFICATION_KEYS:
        raise ConfigError(f"{where}: [notifications] takes only desktop = true/false and bell = true/false")
    for name in NOTIFICATION_KEYS & set(notes):
        if not isinstance(notes[name], bool):
            raise ConfigError(f"{where}: notifications.{name} must be true or false")
        out[name] = notes[name]
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise ConfigError(f'{where}: [keys] maps binding ids to keys, e.g. "triage.accept" = "c"')
    out["keys"] = dict(keys)
    return out


def load_config(path: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """The file (if there is one), then the environment on top."""
    env = os.environ if environ is None else environ
    explicit = path is not None or bool(env.get("TRIAGE_CONFIG"))
    file = Path(path or env.get("TRIAGE_CONFIG") or default_config_path()).expanduser()
    settings: dict[str, Any] = {"keys": {}}
    read = None
    if file.exists() or explicit:
        if not file.exists():
            raise ConfigError(f"config file {file} does not exist (named by TRIAGE_CONFIG)")
        settings = _check_file(read_file(file), file)
        read = file
    for name, var in (("hub", "TRIAGE_HUB"), ("token_file", "TRIAGE_TOKEN_FILE"), ("theme", "TRIAGE_THEME")):
        if env.get(var):
            settings[name] = env[var]
    for name, var in (("desktop", "TRIAGE_DESKTOP"), ("bell", "TRIAGE_BELL")):
        if env.get(var):
            settings[name] = parse_bool(env[var], var)
    if env.get("TRIAGE_KEYS"):
        settings["keys"] = {**settings["keys"], **parse_keys(env["TRIAGE_KEYS"])}
    theme = settings.get("theme")
    if theme and theme not in BUILTIN_THEMES:
        source = "TRIAGE_THEME" if env.get("TRIAGE_THEME") else f"config file {file}"
        raise ConfigError(f"{source}: unknown theme {theme!r} (one of: {', '.join(BUILTIN_THEMES)})")
    return Config(path=read, **settings)
