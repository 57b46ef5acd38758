"""The terminal app's config: a TOML file, every setting also from an environment variable.

The settings are declared once, below, as msgspec structs: the file's shape, each setting's
type and default, and the variable it also comes from. The file is ``config.toml`` in the user
config directory (``TRIAGE_CONFIG`` names another one)::

    hub = ["wss://a.example.com:8765", "wss://b.example.com:8765"]  # TRIAGE_HUB: comma-separated
    token_file = "~/.config/triage/token" # TRIAGE_TOKEN_FILE
    theme = "nord"                        # TRIAGE_THEME: a Textual theme name

    [notifications]
    desktop = true                        # TRIAGE_DESKTOP: OSC 9 / OSC 777 through the terminal
    bell = true                           # TRIAGE_BELL

    [keys]                                # TRIAGE_KEYS="triage.accept=c,triage.reject=delete"
    "triage.accept" = "c"

``hub`` is one URL or a list of them: hubs that share one database, tried in turn when the one in
use cannot be reached (a single string still works; each URL is checked). The environment wins
over the file (keys are added to the file's); command-line options win over both. A bad file or
value is an error that names the file (and line) or the variable, and the setting: the app does
not start with half a config.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import msgspec
import platformdirs
from textual.theme import BUILTIN_THEMES

from tui.hub.urls import BadHubURL, check_hubs, split_hubs

TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
CONFIG_VAR = "TRIAGE_CONFIG"


def env(variable: str) -> msgspec.Meta:
    """The environment variable a setting also comes from."""
    return msgspec.Meta(extra={"env": variable})


class Notifications(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    desktop: Annotated[bool, env("TRIAGE_DESKTOP")] = True  # on for real use (the app's own default: off)
    bell: Annotated[bool, env("TRIAGE_BELL")] = True


class Config(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every setting of the app, as the file holds them."""

    hub: Annotated[str | list[str] | None, env("TRIAGE_HUB")] = None  # one URL, or several
    token_file: Annotated[str | None, env("TRIAGE_TOKEN_FILE")] = None
    theme: Annotated[str | None, env("TRIAGE_THEME")] = None
    notifications: Notifications = msgspec.field(default_factory=Notifications)
    keys: Annotated[dict[str, str], env("TRIAGE_KEYS")] = {}

    def hub_urls(self) -> list[str]:
        """The hubs to try, in order (empty: none configured)."""
        return split_hubs(self.hub if self.hub is not None else [])

    def app_options(self) -> dict[str, Any]:
        """Keyword arguments for `make_app`."""
        return {"keymap": dict(self.keys), "theme": self.theme,
                "desktop_notifications": self.notifications.desktop, "bell": self.notifications.bell}


class ConfigError(Exception):
    """The config cannot be used; the message names the file (and line) or the variable."""


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir("triage")) / "config.toml"


def parse_keys(text: str) -> dict[str, str]:
    """The --keys / TRIAGE_KEYS form: 'triage.accept=c,triage.reject=delete' -> {id: keys}."""
    return {k.strip(): v.strip() for k, v in (item.split("=", 1) for item in text.split(",") if "=" in item)}


def parse_bool(text: str, name: str) -> bool:
    value = text.strip().lower()
    if value in TRUE | FALSE:
        return value in TRUE
    raise ConfigError(f"{name} must be true or false, got {text!r}")


def load_config(path: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """The file (if there is one), then the environment on top."""
    env_ = os.environ if environ is None else environ
    explicit = path is not None or bool(env_.get(CONFIG_VAR))
    file = Path(path or env_.get(CONFIG_VAR) or default_config_path()).expanduser()
    config = Config()
    if file.exists() or explicit:
        if not file.exists():
            raise ConfigError(f"config file {file} does not exist (named by {CONFIG_VAR})")
        config = read_file(file)
    config = _with_environment(config, env_)
    if config.hub is not None:
        try:
            check_hubs(config.hub_urls())
        except BadHubURL as exc:
            source = "TRIAGE_HUB" if env_.get("TRIAGE_HUB") else f"config file {file}"
            raise ConfigError(f"{source}: {exc}") from None
    if config.theme and config.theme not in BUILTIN_THEMES:
        source = "TRIAGE_THEME" if env_.get("TRIAGE_THEME") else f"config file {file}"
        raise ConfigError(f"{source}: unknown theme {config.theme!r} (one of: {', '.join(BUILTIN_THEMES)})")
    return config


def read_file(path: Path) -> Config:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        return msgspec.toml.decode(data, type=Config)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"config file {path}: {_explain(exc)}") from None
    except msgspec.DecodeError as exc:  # its message ends "(at line N, column M)"
        raise ConfigError(f"config file {path}: {exc}") from None


# ------------------------------------------------------------ the environment


def _variables(struct: type[msgspec.Struct], prefix: str = "") -> list[tuple[str, str, msgspec.inspect.Type]]:
    """(dotted setting, variable, type) for every setting that also comes from a variable."""
    found = []
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    for field in info.fields:
        kind = field.type
        if isinstance(kind, msgspec.inspect.StructType):
            found += _variables(kind.cls, f"{prefix}{field.name}.")
        elif isinstance(kind, msgspec.inspect.Metadata) and kind.extra and "env" in kind.extra:
            found.append((prefix + field.name, kind.extra["env"], kind.type))
    return found


def _with_environment(config: Config, environ: Mapping[str, str]) -> Config:
    data = msgspec.to_builtins(config)
    for setting, variable, kind in _variables(Config):
        text = environ.get(variable)
        if not text:
            continue
        *tables, name = setting.split(".")
        target = data
        for table in tables:
            target = target.setdefault(table, {})
        if isinstance(kind, msgspec.inspect.BoolType):
            target[name] = parse_bool(text, variable)
        elif isinstance(kind, msgspec.inspect.DictType):
            target[name] = {**target.get(name, {}), **parse_keys(text)}
        elif isinstance(kind, msgspec.inspect.UnionType) and any(
                isinstance(t, msgspec.inspect.ListType) for t in kind.types):
            target[name] = split_hubs(text)  # TRIAGE_HUB="ws://a:8765,ws://b:8765"
        else:
            target[name] = text
    return msgspec.convert(data, Config)


# ------------------------------------------------------------ errors in words

_EXPECTED = re.compile(r"Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)`")
_UNKNOWN = re.compile(r"Object contains unknown field `(?P<name>[^`]+)`")
_WORDS = {"bool": "true or false", "str": "a string", "str | null": "a string", "object": "a table"}
_KEYS_HELP = '[keys] maps binding ids to keys, e.g. "triage.accept" = "c"'


def _explain(exc: msgspec.ValidationError) -> str:
    """msgspec's "Expected `bool`, got `str` - at `$.notifications.desktop`", for people."""
    text, _, where = str(exc).partition(" - at `$")
    setting = where.rstrip("`").lstrip(".").split("[", 1)[0]
    if setting == "keys":
        return _KEYS_HELP
    if setting == "hub":
        return 'hub must be a websocket URL or a list of them, e.g. ["ws://a:8765", "ws://b:8765"]'
    if unknown := _UNKNOWN.match(text):
        name = f"{setting}.{unknown['name']}" if setting else unknown["name"]
        table = Notifications if setting == "notifications" else Config
        known = ", ".join(f"{setting}.{f}" if setting else f for f in table.__struct_fields__)
        return f"unknown setting {name!r} (known: {known})"
    if expected := _EXPECTED.match(text):
        return f"{setting} must be {_WORDS.get(expected['want'], expected['want'])}"
    return f"{setting}: {text}" if setting else text
