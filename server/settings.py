"""The hub's settings, declared once: the `[hub]` and `[smtp]` tables of `hub.toml` (each key with
its default, its limits and the environment variable that also sets it; docs/operations.md lists
them for operators), what only code sets (the clock, frame and queue sizes), and loading them:
defaults, then the file, then the environment, then command-line flags.

The file is decoded by msgspec against `HubFile`; a variable's text is converted by msgspec against
the same field (`strict=False`), and a flag's value too, so a key's type and limits are written
once, below, and every message about a bad value is worded from them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import msgspec
import msgspec.inspect as mi
import platformdirs

from shared.domain import DEFAULT_CLAIM_WINDOW_SECONDS
from shared.protocol import MAX_FRAME_BYTES

DAY = 24 * 3600


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("triage")) / "hub.sqlite3"


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir("triage")) / "hub.toml"


def setting(variable: str, secret: bool = False, **limits: Any) -> msgspec.Meta:
    """A file setting's limits (msgspec.Meta: ge, le, ...), the variable that also sets it, and
    whether its value is kept out of messages."""
    return msgspec.Meta(**limits, extra={"env": variable, "secret": secret})


Origin = Annotated[str, msgspec.Meta(
    pattern=r"^[A-Za-z][A-Za-z0-9+.-]*://[^/]+$",
    description='an origin as a browser sends it, scheme://host[:port] with no path, '
    'e.g. "https://desk.example.com"',
)]


class HubTable(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """`[hub]`: where the hub listens and stores, how long its clocks run, its limits on clients."""

    host: Annotated[str, setting("TRIAGE_HUB_HOST")] = "127.0.0.1"
    port: Annotated[int, setting("TRIAGE_HUB_PORT", ge=0, le=65535)] = 8765  # 0 picks a free port
    # an SQLAlchemy URL; empty means the SQLite file in the user's data directory
    db_url: Annotated[str, setting("TRIAGE_HUB_DB")] = msgspec.field(default="", name="db")
    claim_window_seconds: Annotated[int, setting("TRIAGE_CLAIM_WINDOW", ge=1)] = (
        DEFAULT_CLAIM_WINDOW_SECONDS
    )
    # how long missed events can be replayed
    retention_days: Annotated[float, setting("TRIAGE_RETENTION_DAYS", ge=0)] = 7
    # requests on one connection in a minute; 0 turns the limit off
    rate_limit_per_minute: Annotated[int, setting("TRIAGE_RATE_LIMIT", ge=0)] = 100
    # open connections one person may hold at once; 0 = no cap
    max_connections_per_person: Annotated[int, setting("TRIAGE_MAX_CONNECTIONS", ge=0)] = 20
    # browser Origins accepted (the variable: comma-separated); clients sending none pass
    allowed_origins: Annotated[tuple[Origin, ...], setting("TRIAGE_ALLOWED_ORIGINS")] = ()
    # how often open connections' tokens are re-checked
    revocation_check_seconds: Annotated[
        float, setting("TRIAGE_REVOCATION_CHECK", ge=1, le=60)
    ] = 30.0
    # the bearer token GET /metrics requires when set (from loopback too); empty: loopback only
    metrics_token: Annotated[str, setting("TRIAGE_METRICS_TOKEN", secret=True)] = ""

    @property
    def retention_seconds(self) -> float:
        return self.retention_days * DAY


class SmtpTable(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """`[smtp]`: e-mail notifications, sent only when `host` is set."""

    host: Annotated[str, setting("TRIAGE_SMTP_HOST")] = ""  # empty: e-mail notifications are off
    port: Annotated[int, setting("TRIAGE_SMTP_PORT", ge=1, le=65535)] = 25
    username: Annotated[str, setting("TRIAGE_SMTP_USERNAME")] = ""
    password: Annotated[str, setting("TRIAGE_SMTP_PASSWORD", secret=True)] = ""
    sender: Annotated[str, setting("TRIAGE_SMTP_SENDER")] = "triage@localhost"
    starttls: Annotated[bool, setting("TRIAGE_SMTP_STARTTLS")] = False


class HubFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The whole of `hub.toml`."""

    hub: HubTable = msgspec.field(default_factory=HubTable)
    smtp: SmtpTable = msgspec.field(default_factory=SmtpTable)


class SmtpSettings(SmtpTable, kw_only=True):
    """The `[smtp]` settings the mailer runs with, and what only code sets."""

    timeout: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.host)


class HubSettings(HubTable, kw_only=True):
    """Everything the hub runs with: the `[hub]` settings, and what only code sets."""

    max_frame_bytes: int = MAX_FRAME_BYTES
    send_queue_limit: int = 5000  # frames queued for one slow client before it must resync
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    # permessage-deflate: off by default. Events are small, and each compressed connection holds
    # ~40 KB of zlib state and compresses every frame again (bench/idle.py, bench/fanout.py).
    compress_frames: bool = False
    clock: Callable[[], datetime] = utc_now
    smtp: SmtpSettings = msgspec.field(default_factory=SmtpSettings)

    def resolved_db_url(self) -> str:
        if self.db_url:
            return self.db_url
        path = default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{path}"


# -- loading ---------------------------------------------------------------------------------------


class HubConfigError(ValueError):
    """A config file, variable or flag that cannot be used; the message names it and the key."""


class Setting(NamedTuple):
    table: str  # "hub"
    name: str  # the attribute: "db_url"
    key: str  # as in the file: "db"
    variable: str  # "TRIAGE_HUB_DB"
    type: mi.Type  # msgspec's description of the field, limits included


def _file_settings() -> dict[str, Setting]:
    found: dict[str, Setting] = {}
    root = mi.type_info(HubFile)
    assert isinstance(root, mi.StructType)
    for table in root.fields:
        assert isinstance(table.type, mi.StructType)
        for field in table.type.fields:
            extra = field.type.extra if isinstance(field.type, mi.Metadata) else None
            if not extra or "env" not in extra:
                raise TypeError(f"[{table.encode_name}] {field.encode_name} has no variable")
            found[f"{table.encode_name}.{field.encode_name}"] = Setting(
                table.encode_name, field.name, field.encode_name, extra["env"], field.type
            )
    return found


SETTINGS: dict[str, Setting] = _file_settings()  # "hub.port" -> where it lives, its variable
_TRUE_FALSE = {"yes": True, "on": True, "no": False, "off": False}  # msgspec reads true/false/1/0


def load(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, tuple[str, Any]] | None = None,
) -> HubSettings:
    """The settings: defaults, then the file (`path`, else $TRIAGE_HUB_CONFIG, which must exist;
    else `hub.toml` in the user's config directory if it does), then the environment, then
    `flags`: {"hub.port": ("--port", 9000), ...}, a None value leaving the setting as it is."""
    env = os.environ if env is None else env
    if path is None and env.get("TRIAGE_HUB_CONFIG"):
        path = Path(env["TRIAGE_HUB_CONFIG"])
    if path is not None:
        config = read_file(path)
    else:
        path = default_config_path()
        config = read_file(path) if path.exists() else HubFile()
    for setting_ in SETTINGS.values():
        if setting_.variable in env:
            value = _from_text(env[setting_.variable], setting_.type)
            _put(config, setting_, value, f"environment variable {setting_.variable}", strict=False)
    for key, (flag, value) in (flags or {}).items():
        if value is not None:
            _put(config, SETTINGS[key], value, flag, strict=True)
    return HubSettings(
        **msgspec.structs.asdict(config.hub),
        smtp=SmtpSettings(**msgspec.structs.asdict(config.smtp)),
    )


def read_file(path: Path) -> HubFile:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise HubConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    try:
        return msgspec.toml.decode(text, type=HubFile)
    except UnicodeDecodeError:
        raise HubConfigError(f"{path}: not UTF-8 text") from None
    except msgspec.ValidationError as exc:
        raise _explain(exc, str(path), msgspec.toml.decode(text)) from None
    except msgspec.DecodeError as exc:
        raise HubConfigError(f"{path}: not valid TOML: {exc}") from None


def _from_text(text: str, kind: mi.Type) -> Any:
    """A variable's text as msgspec can convert it: lists comma-separated, yes/no for booleans."""
    core = kind.type if isinstance(kind, mi.Metadata) else kind
    if isinstance(core, mi.VarTupleType | mi.ListType):
        return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(core, mi.BoolType):
        return _TRUE_FALSE.get(text.strip().lower(), text.strip())
    if isinstance(core, mi.IntType | mi.FloatType):
        return text.strip()
    return text


def _put(config: HubFile, setting_: Setting, value: Any, source: str, strict: bool) -> None:
    """Check `value` against the setting's field, then set it in `config`."""
    raw = {setting_.table: {setting_.key: value}}
    try:
        checked = msgspec.convert(raw, type=HubFile, strict=strict)
    except msgspec.ValidationError as exc:
        raise _explain(exc, source, raw) from None
    table = getattr(config, setting_.table)
    setattr(table, setting_.name, getattr(getattr(checked, setting_.table), setting_.name))


_UNKNOWN = re.compile(r"Object contains unknown field `(?P<name>.+)`")
_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _explain(error: msgspec.ValidationError, source: str, raw: Any) -> HubConfigError:
    """msgspec's `Expected `int` <= 65535 - at `$.hub.port`` as `source: hub.port: expected an
    integer from 0 to 65535, got 70000`, the expectation worded from the field's declaration."""
    message = str(error)
    at = _AT.search(message)
    path = at["path"] if at else ""
    what = message[: at.start()] if at else message
    key = path.lstrip(".")
    kind, value, found = _walk(path, raw)
    unknown = _UNKNOWN.fullmatch(what)
    if unknown:
        known = [f.encode_name for f in kind.fields] if isinstance(kind, mi.StructType) else []
        if not key:
            tables = " and ".join(f"[{k}]" for k in known)
            return HubConfigError(
                f"{source}: unknown table [{unknown['name']}]; the file has {tables}"
            )
        return HubConfigError(
            f"{source}: unknown key {key}.{unknown['name']}; [{key}] takes {', '.join(known)}"
        )
    if kind is None:  # not a path of this schema: msgspec's own words
        return HubConfigError(f"{source}: {key}: {what.replace('`', '')}")
    secret = isinstance(kind, mi.Metadata) and (kind.extra or {}).get("secret")
    got = f", got {value!r}" if found and not secret else ""
    return HubConfigError(f"{source}: {key}: expected {_expected(kind)}{got}")


def _walk(path: str, raw: Any) -> tuple[mi.Type | None, Any, bool]:
    """The declared type at a msgspec path (`.hub.allowed_origins[0]`) and the value given there;
    None for a path this schema does not have."""
    kind: mi.Type | None = mi.type_info(HubFile)
    value, found = raw, True
    for name, index in _STEP.findall(path):
        core = kind.type if isinstance(kind, mi.Metadata) else kind
        if name and isinstance(core, mi.StructType):
            kind = next((f.type for f in core.fields if f.encode_name == name), None)
            found = found and isinstance(value, dict) and name in value
            value = value[name] if found else None
        elif index and isinstance(core, mi.VarTupleType | mi.ListType):
            kind = core.item_type
            found = found and isinstance(value, list) and int(index) < len(value)
            value = value[int(index)] if found else None
        else:
            return None, None, False
    return kind, value, found


def _expected(kind: mi.Type) -> str:
    """What a field takes, in words: `an integer from 0 to 65535`, `true or false`, ..."""
    if isinstance(kind, mi.Metadata):
        description = (kind.extra_json_schema or {}).get("description")
        if description:
            return str(description)
        kind = kind.type
    if isinstance(kind, mi.IntType | mi.FloatType):
        words = "an integer" if isinstance(kind, mi.IntType) else "a number"
        if kind.ge is not None and kind.le is not None:
            return f"{words} from {kind.ge} to {kind.le}"
        if kind.ge is not None:
            return f"{words}, {kind.ge} or more"
        if kind.le is not None:
            return f"{words}, at most {kind.le}"
        return words
    if isinstance(kind, mi.BoolType):
        return "true or false"
    if isinstance(kind, mi.StrType):
        return "a string"
    if isinstance(kind, mi.VarTupleType | mi.ListType):
        return f"a list, each {_expected(kind.item_type)}"
    if isinstance(kind, mi.StructType):
        return "a table"
    return type(kind).__name__
