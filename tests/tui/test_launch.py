"""One entry point: `triage tui` and `python -m tui` start the app through `tui.launch`, with the
config file, the TRIAGE_* variables, the options and the token file's check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tui.launch import DEFAULT_HUB_URL, LaunchError, build_app


def token_file(tmp_path: Path, mode: int = 0o600) -> Path:
    path = tmp_path / "token"
    path.write_text("trg_test\n")
    path.chmod(mode)
    return path


def test_the_config_the_variables_and_the_options_make_the_app(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'hub = "ws://hub.example:1"\ntoken_file = "{token_file(tmp_path)}"\n'
                      'theme = "nord"\n[keys]\n"triage.accept" = "c"\n')
    app = build_app(keys="triage.reject=delete", environ={"TRIAGE_CONFIG": str(config), "TRIAGE_BELL": "off"})
    assert app.session.url == "ws://hub.example:1" and app.theme == "nord"
    assert app.alerts.desktop is True and app.alerts.bell is False
    assert build_app(hub="wss://other:2", environ={"TRIAGE_CONFIG": str(config)}).session.url == "wss://other:2"


def test_several_hubs_from_the_options_the_variable_or_the_file(tmp_path: Path) -> None:
    import argparse

    from tui.launch import add_options

    parser = argparse.ArgumentParser()
    add_options(parser)
    hubs = parser.parse_args(["--hub", "ws://a:1", "--hub", "wss://b:2"]).hub
    assert hubs == ["ws://a:1", "wss://b:2"]
    env = {"TRIAGE_TOKEN": "t", "TRIAGE_HUB": "ws://c:3,ws://d:4"}
    assert build_app(hub=hubs, environ=env).session.urls == hubs  # the options win
    assert build_app(environ=env).session.urls == ["ws://c:3", "ws://d:4"]
    config = tmp_path / "config.toml"
    config.write_text('hub = ["ws://e:5", "ws://f:6"]\n')
    app = build_app(environ={"TRIAGE_TOKEN": "t", "TRIAGE_CONFIG": str(config)})
    assert app.session.urls == ["ws://e:5", "ws://f:6"] and app.session.url == "ws://e:5"


def test_the_default_hub_and_the_token_from_the_environment() -> None:
    app = build_app(environ={"TRIAGE_TOKEN": "trg_env"})
    assert app.session.urls == [DEFAULT_HUB_URL]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_what_stops_the_app_from_starting(tmp_path: Path) -> None:
    with pytest.raises(LaunchError) as caught:
        build_app(hub="http://hub.example", environ={"TRIAGE_TOKEN": "t"})
    assert caught.value.code == 2 and "websocket URL" in caught.value.message
    with pytest.raises(LaunchError) as caught:
        build_app(hub=["ws://good:1", "ws//typo:2"], environ={"TRIAGE_TOKEN": "t"})
    assert caught.value.code == 2 and caught.value.message == (
        "--hub: the hub must be a websocket URL like ws://127.0.0.1:8765, got 'ws//typo:2'")
    with pytest.raises(LaunchError) as caught:
        build_app(token_file=str(token_file(tmp_path, 0o644)), environ={})
    assert caught.value.code == 1 and "chmod 600" in caught.value.message
    bad = tmp_path / "bad.toml"
    bad.write_text("colour = 1\n")
    with pytest.raises(LaunchError) as caught:
        build_app(environ={"TRIAGE_CONFIG": str(bad), "TRIAGE_TOKEN": "t"})
    assert caught.value.code == 2 and "unknown setting 'colour'" in caught.value.message


def test_python_m_tui_and_triage_refuse_alike(tmp_path: Path) -> None:
    """Both commands go through the same launch: the same refusal, the same exit status."""
    env = {"PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(tmp_path), "TRIAGE_TOKEN": "t",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    hubs = ["--hub", "ws://fine:1", "--hub", "http://nope"]  # repeated: every URL is checked
    answers = [subprocess.run([sys.executable, "-m", module, *hubs], env=env,
                              capture_output=True, text=True, timeout=60)
               for module in ("tui", "triage")]
    assert [a.returncode for a in answers] == [2, 2]
    assert [a.stderr.split(": ", 1)[1] for a in answers] == [answers[0].stderr.split(": ", 1)[1]] * 2
    assert "websocket URL like ws://127.0.0.1:8765, got 'http://nope'" in answers[0].stderr
