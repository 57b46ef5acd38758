"""The hub's config file and environment variables: values land in the settings, the
environment wins over the file, and a bad file gets a message naming the file and the line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.hub_config import HubConfigError, load


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hub.toml"
    path.write_text(text)
    return path


def test_file_values_reach_the_settings(tmp_path: Path) -> None:
    path = write(tmp_path, """
[hub]
host = "0.0.0.0"
port = 9000
claim_window_seconds = 600
retention_days = 2

[smtp]
host = "mail.test"
port = 587
starttls = true
sender = "hub@triage.test"
""")
    settings = load(path, env={})
    assert (settings.host, settings.port, settings.claim_window_seconds) == ("0.0.0.0", 9000, 600)
    assert settings.retention_seconds == 2 * 24 * 3600
    assert settings.smtp.enabled and settings.smtp.port == 587 and settings.smtp.starttls


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[hub]\nport = 9000\n[smtp]\nhost = "mail.test"\n')
    settings = load(path, env={"TRIAGE_HUB_PORT": "9100", "TRIAGE_SMTP_PASSWORD": "s3cret",
                               "TRIAGE_SMTP_STARTTLS": "yes"})
    assert settings.port == 9100
    assert settings.smtp.password == "s3cret" and settings.smtp.starttls is True


def test_no_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("server.hub_config.default_config_path", lambda: tmp_path / "absent.toml")
    settings = load(env={})
    assert settings.port == 8765 and not settings.smtp.enabled


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[hub]\nport = 9000\nhost = "unterminated\n', "line 3"),
        ("[hub]\nport = \"many\"\n", "[hub] port: expected int"),
        ("[hub]\nprot = 9000\n", "unknown key(s) in [hub]: prot"),
        ("[mail]\nhost = 'x'\n", "unknown section(s): mail"),
        ("[hub]\nclaim_window_seconds = 0\n", "claim_window_seconds must be positive"),
    ],
)
def test_a_bad_file_is_named_with_what_is_wrong(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HubConfigError) as caught:
        load(path, env={})
    assert str(path) in str(caught.value) and expected in str(caught.value)


def test_a_bad_variable_is_named(tmp_path: Path) -> None:
    with pytest.raises(HubConfigError, match="TRIAGE_HUB_PORT"):
        load(write(tmp_path, ""), env={"TRIAGE_HUB_PORT": "eighty"})


def test_an_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(HubConfigError, match="cannot read it"):
        load(tmp_path / "nope.toml", env={})


def test_limits_come_from_the_file_and_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, """
[hub]
rate_limit_per_minute = 300
max_connections_per_person = 5
allowed_origins = ["https://desk.example.com", "http://localhost:8080"]
revocation_check_seconds = 10
""")
    settings = load(path, env={})
    assert settings.rate_limit_per_minute == 300 and settings.max_connections_per_person == 5
    assert settings.allowed_origins == ("https://desk.example.com", "http://localhost:8080")
    assert settings.revocation_check_seconds == 10
    settings = load(path, env={"TRIAGE_RATE_LIMIT": "0", "TRIAGE_MAX_CONNECTIONS": "2",
                               "TRIAGE_ALLOWED_ORIGINS": "https://a.example, https://b.example,"})
    assert settings.rate_limit_per_minute == 0 and settings.max_connections_per_person == 2
    assert settings.allowed_origins == ("https://a.example", "https://b.example")


def test_limits_default_when_not_given(tmp_path: Path) -> None:
    settings = load(write(tmp_path, "[hub]\nport = 9000\n"), env={})
    assert (settings.rate_limit_per_minute, settings.max_connections_per_person) == (100, 20)
    assert settings.allowed_origins == () and settings.revocation_check_seconds == 30


@pytest.mark.parametrize(("line", "message"), [
    ("rate_limit_per_minute = -1", "rate_limit_per_minute must be 0 (off) or more"),
    ("max_connections_per_person = -3", "max_connections_per_person must be 0 (off) or more"),
    ("revocation_check_seconds = 600", "revocation_check_seconds must be between 1 and 60"),
    ("allowed_origins = [8080]", "allowed_origins: expected a list of strings"),
    ('allowed_origins = ["https://a.example/"]', "'https://a.example/' is not an origin"),
    ('allowed_origins = ["desk.example.com"]', "'desk.example.com' is not an origin"),
])
def test_bad_limits_are_named(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path, f"[hub]\n{line}\n")
    with pytest.raises(HubConfigError, match=re.escape(message)) as info:
        load(path, env={})
    assert str(path) in str(info.value)
