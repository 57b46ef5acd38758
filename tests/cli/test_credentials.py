"""The app's token: TRIAGE_TOKEN, else an owner-only token file; clear messages otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.credentials import CredentialsError, default_token_path, load_token

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


def write(path: Path, text: str, mode: int) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_environment_wins(tmp_path: Path) -> None:
    file = write(tmp_path / "token", "trg_file\n", 0o600)
    assert load_token(file, {"TRIAGE_TOKEN": "trg_env"}) == "trg_env"


def test_owner_only_file_is_read(tmp_path: Path) -> None:
    assert load_token(write(tmp_path / "token", "  trg_abc \n", 0o600), {}) == "trg_abc"
    assert load_token(write(tmp_path / "t2", "trg_ro\n", 0o400), {}) == "trg_ro"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o666])
def test_loose_file_is_refused(tmp_path: Path, mode: int) -> None:
    file = write(tmp_path / "token", "trg_abc\n", mode)
    with pytest.raises(CredentialsError) as refused:
        load_token(file, {})
    message = str(refused.value)
    assert str(file) in message
    assert f"{mode:04o}" in message
    assert f"chmod 600 {file}" in message
    assert "trg_abc" not in message


@pytest.mark.parametrize(("mode", "words"), [
    (0o620, "it is writable by group;"),
    (0o640, "it is readable by group;"),
    (0o604, "it is readable by others;"),
    (0o666, "it is readable and writable by group, readable and writable by others;"),
    (0o610, "it is executable by group;"),
])
def test_the_refusal_says_exactly_what_is_loose(tmp_path: Path, mode: int, words: str) -> None:
    file = write(tmp_path / "token", "trg_abc\n", mode)
    with pytest.raises(CredentialsError) as refused:
        load_token(file, {})
    assert words in str(refused.value)
    assert "readable" not in str(refused.value) or "readable" in words  # 0620 is not "readable"


def test_missing_file_says_how_to_get_a_token(tmp_path: Path) -> None:
    file = tmp_path / "nope" / "token"
    with pytest.raises(CredentialsError) as missing:
        load_token(file, {})
    message = str(missing.value)
    assert "triage agent add" in message
    assert f"umask 077; echo TOKEN > {file}" in message
    assert "TRIAGE_TOKEN" in message


def test_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="empty"):
        load_token(write(tmp_path / "token", "\n", 0o600), {})


def test_default_path_is_in_the_config_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_token_path() == tmp_path / "triage" / "token"
    with pytest.raises(CredentialsError, match="umask 077"):
        load_token(None, {})


def test_tui_command_refuses_a_loose_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from triage.cli import main

    file = write(tmp_path / "token", "trg_abc\n", 0o644)
    assert main(["tui", "--token-file", str(file)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"chmod 600 {file}" in err
    assert main(["--token-file", str(tmp_path / "missing")]) == 1  # no command: the app
    assert "triage agent add" in capsys.readouterr().err
