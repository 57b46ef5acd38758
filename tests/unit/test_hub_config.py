"""The hub's config: defaults, then `hub.toml`, then the environment, then flags; and a bad file,
variable or flag gets a message naming where it came from, the key and what the key takes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from server.settings import SETTINGS, HubConfigError, HubSettings, SmtpSettings, load

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"

# every key and variable as docs/operations.md documents them: variable, its text, the value it sets
DOCUMENTED: dict[str, tuple[str, str, Any]] = {
    "hub.host": ("TRIAGE_HUB_HOST", "10.0.0.9", "10.0.0.9"),
    "hub.port": ("TRIAGE_HUB_PORT", "9100", 9100),
    "hub.db": ("TRIAGE_HUB_DB", "sqlite:///env.sqlite3", "sqlite:///env.sqlite3"),
    "hub.claim_window_seconds": ("TRIAGE_CLAIM_WINDOW", "600", 600),
    "hub.retention_days": ("TRIAGE_RETENTION_DAYS", "2", 2),
    "hub.rate_limit_per_minute": ("TRIAGE_RATE_LIMIT", "0", 0),
    "hub.max_connections_per_person": ("TRIAGE_MAX_CONNECTIONS", "2", 2),
    "hub.allowed_origins": ("TRIAGE_ALLOWED_ORIGINS", "https://a.example, https://b.example,",
                            ("https://a.example", "https://b.example")),
    "hub.revocation_check_seconds": ("TRIAGE_REVOCATION_CHECK", "10", 10),
    "hub.metrics_token": ("TRIAGE_METRICS_TOKEN", "scrape-token", "scrape-token"),
    "smtp.host": ("TRIAGE_SMTP_HOST", "mail.env.test", "mail.env.test"),
    "smtp.port": ("TRIAGE_SMTP_PORT", "2525", 2525),
    "smtp.username": ("TRIAGE_SMTP_USERNAME", "ops", "ops"),
    "smtp.password": ("TRIAGE_SMTP_PASSWORD", " s3cret ", " s3cret "),
    "smtp.sender": ("TRIAGE_SMTP_SENDER", "ops@triage.test", "ops@triage.test"),
    "smtp.starttls": ("TRIAGE_SMTP_STARTTLS", "off", False),
}

FULL_FILE = """
[hub]
host = "0.0.0.0"
port = 9000
db = "sqlite+aiosqlite:////srv/triage/hub.sqlite3"
claim_window_seconds = 1200
retention_days = 3
rate_limit_per_minute = 300
max_connections_per_person = 5
allowed_origins = ["https://desk.example.com", "http://localhost:8080"]
revocation_check_seconds = 15
metrics_token = "from-the-file"

[smtp]
host = "mail.test"
port = 587
username = "triage"
password = "pw"
sender = "hub@triage.test"
starttls = true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(text)
    return path


def value(settings: HubSettings, key: str) -> Any:
    s = SETTINGS[key]
    return getattr(settings.smtp if s.table == "smtp" else settings, s.name)


@pytest.fixture
def no_default_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("server.settings.default_config_path", lambda: tmp_path / "absent.toml")


def test_no_file_means_the_defaults(no_default_file: None) -> None:
    settings = load(env={})
    assert settings == HubSettings()
    assert (settings.host, settings.port, settings.db_url) == ("127.0.0.1", 8765, "")
    assert settings.claim_window_seconds == 1800 and settings.retention_seconds == 7 * 24 * 3600
    assert (settings.rate_limit_per_minute, settings.max_connections_per_person) == (100, 20)
    assert settings.allowed_origins == () and settings.revocation_check_seconds == 30
    assert settings.metrics_token == ""
    assert settings.smtp == SmtpSettings() and settings.smtp.port == 25
    assert not settings.smtp.enabled


def test_the_default_file_or_the_variables_file_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "[hub]\nport = 9000\n")
    monkeypatch.setattr("server.settings.default_config_path", lambda: path)
    assert load(env={}).port == 9000
    other = tmp_path / "other.toml"
    other.write_text("[hub]\nport = 9001\n")
    assert load(env={"TRIAGE_HUB_CONFIG": str(other)}).port == 9001


def test_every_file_value_reaches_the_settings(tmp_path: Path) -> None:
    settings = load(write(tmp_path, FULL_FILE), env={})
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    assert settings.db_url == "sqlite+aiosqlite:////srv/triage/hub.sqlite3"
    assert settings.claim_window_seconds == 1200 and settings.retention_seconds == 3 * 24 * 3600
    assert (settings.rate_limit_per_minute, settings.max_connections_per_person) == (300, 5)
    assert settings.allowed_origins == ("https://desk.example.com", "http://localhost:8080")
    assert settings.revocation_check_seconds == 15
    assert settings.metrics_token == "from-the-file"
    smtp = settings.smtp
    assert smtp.enabled and (smtp.host, smtp.port) == ("mail.test", 587)
    assert (smtp.username, smtp.password) == ("triage", "pw")
    assert smtp.sender == "hub@triage.test" and smtp.starttls is True
    assert smtp.timeout == 10.0 and settings.clock is HubSettings().clock  # not file settings


def test_every_documented_variable_is_the_one_the_code_reads() -> None:
    documented = {key: variable for key, (variable, _, _) in DOCUMENTED.items()}
    assert {key: s.variable for key, s in SETTINGS.items()} == documented


def test_the_operations_guide_lists_every_key_with_its_variable() -> None:
    block = DOCS.read_text().split("## hub.toml", 1)[1].split("```toml", 1)[1].split("```", 1)[0]
    listed, table = {}, ""
    for line in block.splitlines():
        if section := re.match(r"\[(\w+)\]", line):
            table = section[1]
        elif entry := re.match(r"(\w+) = .*# (TRIAGE_\w+)", line):
            listed[f"{table}.{entry[1]}"] = entry[2]
    assert listed == {key: s.variable for key, s in SETTINGS.items()}


@pytest.mark.parametrize("key", list(DOCUMENTED))
def test_each_variable_wins_over_the_file(tmp_path: Path, key: str) -> None:
    variable, text, expected = DOCUMENTED[key]
    path = write(tmp_path, FULL_FILE)
    from_file = value(load(path, env={}), key)
    assert from_file != expected
    settings = load(path, env={variable: text})
    assert value(settings, key) == expected
    assert settings.port == (9100 if key == "hub.port" else 9000)  # the others stay as in the file


def test_the_variables_read_booleans_and_lists(tmp_path: Path) -> None:
    path = write(tmp_path, FULL_FILE)
    for text, expected in [("no", False), ("off", False), ("0", False), ("FALSE", False),
                           ("on", True), ("1", True), ("True", True)]:
        assert load(path, env={"TRIAGE_SMTP_STARTTLS": text}).smtp.starttls is expected
    assert load(path, env={"TRIAGE_ALLOWED_ORIGINS": ""}).allowed_origins == ()  # empty = no check
    assert load(path, env={"TRIAGE_RETENTION_DAYS": "0.5"}).retention_seconds == 12 * 3600


def test_flags_win_over_the_environment_and_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, FULL_FILE)
    env = {"TRIAGE_HUB_PORT": "9100", "TRIAGE_HUB_HOST": "10.0.0.1", "TRIAGE_CLAIM_WINDOW": "700"}
    flags = {
        "hub.port": ("--port", 9200),
        "hub.host": ("--host", "10.0.0.2"),
        "hub.db": ("--db", "/srv/b.sqlite3"),
        "hub.claim_window_seconds": ("--claim-window", None),
    }
    settings = load(path, env=env, flags=flags)
    assert (settings.port, settings.host, settings.db_url) == (9200, "10.0.0.2", "/srv/b.sqlite3")
    assert settings.claim_window_seconds == 700  # a flag not given leaves the variable's value


PORT = "expected an integer from 0 to 65535"
ORIGIN = "expected an origin as a browser sends it"
ORIGIN_IN_FULL = (
    "expected an origin as a browser sends it, scheme://host[:port] with no path, "
    'e.g. "https://desk.example.com"'
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # unparsable TOML: the line
        ('[hub]\nport = 9000\nhost = "unterminated\n',
         "not valid TOML: Illegal character '\\n' (at line 3, column 21)"),
        # wrong types
        ('[hub]\nport = "many"\n', f"hub.port: {PORT}, got 'many'"),
        ("[hub]\nport = 80.5\n", f"hub.port: {PORT}, got 80.5"),
        ('[smtp]\nstarttls = "yes"\n', "smtp.starttls: expected true or false, got 'yes'"),
        ("[hub]\nhost = 127\n", "hub.host: expected a string, got 127"),
        ("[hub]\nallowed_origins = [8080]\n", f"hub.allowed_origins[0]: {ORIGIN}"),
        ('[hub]\nallowed_origins = "https://a.example"\n',
         "hub.allowed_origins: expected a list, each an origin"),
        ("hub = 3\n", "hub: expected a table, got 3"),
        # out of range
        ("[hub]\nport = 70000\n", f"hub.port: {PORT}, got 70000"),
        ("[hub]\nport = -1\n", f"hub.port: {PORT}, got -1"),
        ("[smtp]\nport = 0\n", "smtp.port: expected an integer from 1 to 65535, got 0"),
        ("[hub]\nclaim_window_seconds = 0\n",
         "hub.claim_window_seconds: expected an integer, 1 or more, got 0"),
        ("[hub]\nretention_days = -1\n",
         "hub.retention_days: expected a number, 0 or more, got -1"),
        ("[hub]\nrate_limit_per_minute = -1\n",
         "hub.rate_limit_per_minute: expected an integer, 0 or more, got -1"),
        ("[hub]\nmax_connections_per_person = -3\n",
         "hub.max_connections_per_person: expected an integer, 0 or more, got -3"),
        ("[hub]\nrevocation_check_seconds = 600\n",
         "hub.revocation_check_seconds: expected a number from 1 to 60, got 600"),
        ('[hub]\nallowed_origins = ["https://a.example/"]\n',
         f"hub.allowed_origins[0]: {ORIGIN_IN_FULL}, got 'https://a.example/'"),
        ('[hub]\nallowed_origins = ["https://a.example", "desk.example.com"]\n',
         f"hub.allowed_origins[1]: {ORIGIN}"),
        # unknown keys
        ("[hub]\nprot = 9000\n", "unknown key hub.prot; [hub] takes host, port, db, claim_window"),
        ("[smtp]\ntimeout = 5\n", "unknown key smtp.timeout; [smtp] takes host, port, username"),
        ("[mail]\nhost = 'x'\n", "unknown table [mail]; the file has [hub] and [smtp]"),
    ],
)
def test_a_bad_file_is_named_with_the_key_and_what_it_takes(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HubConfigError) as caught:
        load(path, env={})
    assert str(caught.value).startswith(f"{path}: {expected}")


def test_a_bad_password_is_not_repeated(tmp_path: Path) -> None:
    path = write(tmp_path, "[smtp]\npassword = 271828\n")
    with pytest.raises(HubConfigError) as caught:
        load(path, env={})
    assert str(caught.value) == f"{path}: smtp.password: expected a string"


@pytest.mark.parametrize(
    ("variable", "text", "expected"),
    [
        ("TRIAGE_HUB_PORT", "eighty", f"hub.port: {PORT}, got 'eighty'"),
        ("TRIAGE_HUB_PORT", "70000", f"hub.port: {PORT}, got '70000'"),
        ("TRIAGE_REVOCATION_CHECK", "600",
         "hub.revocation_check_seconds: expected a number from 1 to 60, got '600'"),
        ("TRIAGE_SMTP_STARTTLS", "maybe", "smtp.starttls: expected true or false, got 'maybe'"),
        ("TRIAGE_ALLOWED_ORIGINS", "https://a.example, desk.example.com",
         f"hub.allowed_origins[1]: {ORIGIN}"),
    ],
)
def test_a_bad_variable_is_named_with_the_key(
    tmp_path: Path, variable: str, text: str, expected: str
) -> None:
    path = write(tmp_path, "[hub]\nport = 9000\n")
    with pytest.raises(HubConfigError) as caught:
        load(path, env={variable: text})
    assert str(caught.value).startswith(f"environment variable {variable}: {expected}")
    assert str(path) not in str(caught.value)  # the file is not blamed for the variable


def test_a_bad_flag_is_named_with_the_key(no_default_file: None) -> None:
    with pytest.raises(HubConfigError) as caught:
        load(env={}, flags={"hub.port": ("--port", 70000)})
    assert str(caught.value) == f"--port: hub.port: {PORT}, got 70000"
    with pytest.raises(HubConfigError) as caught:
        load(env={}, flags={"hub.claim_window_seconds": ("--claim-window", 0)})
    assert str(caught.value) == (
        "--claim-window: hub.claim_window_seconds: expected an integer, 1 or more, got 0"
    )


def test_an_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(HubConfigError, match="nope.toml: cannot read it"):
        load(tmp_path / "nope.toml", env={})
    with pytest.raises(HubConfigError, match="gone.toml: cannot read it"):
        load(env={"TRIAGE_HUB_CONFIG": str(tmp_path / "gone.toml")})
