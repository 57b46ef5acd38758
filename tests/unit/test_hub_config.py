"""The hub's config file and environment variables: values land in the settings, the
environment wins over the file, and a bad file gets a message naming the file and the line."""

from __future__ import annotations

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
