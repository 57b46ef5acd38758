"""The app's config file and environment variables; an app built from them against a real hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.conftest import LiveHub, wait_for
from tests.tui.test_live_hub import connected
from tui.app import make_app
from tui.config import Config, ConfigError, Notifications, load_config, parse_keys
from tui.screens.settings_screen import SettingsScreen

FILE = '''
hub = "ws://hub.example:8765"
token_file = "~/triage-token"
theme = "nord"

[notifications]
desktop = false
bell = true

[keys]
"triage.accept" = "c"
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config()  # conftest points XDG_CONFIG_HOME at an empty directory
    assert config == Config()
    assert config.notifications.desktop is True and config.notifications.bell is True and config.keys == {}


def test_the_file_is_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, FILE), environ={})
    assert config == Config(hub="ws://hub.example:8765", token_file="~/triage-token", theme="nord",
                            notifications=Notifications(desktop=False, bell=True), keys={"triage.accept": "c"})
    assert config.app_options() == {"keymap": {"triage.accept": "c"}, "theme": "nord",
                                    "desktop_notifications": False, "bell": True}


def test_the_environment_wins(tmp_path: Path) -> None:
    path = write(tmp_path, FILE)
    env = {"TRIAGE_CONFIG": str(path), "TRIAGE_HUB": "wss://other:1", "TRIAGE_TOKEN_FILE": "/t",
           "TRIAGE_THEME": "dracula", "TRIAGE_DESKTOP": "yes", "TRIAGE_BELL": "off",
           "TRIAGE_KEYS": "triage.reject=x"}
    config = load_config(environ=env)
    assert config.hub_urls() == ["wss://other:1"]
    assert (config.token_file, config.theme) == ("/t", "dracula")
    assert config.notifications == Notifications(desktop=True, bell=False)
    assert config.keys == {"triage.accept": "c", "triage.reject": "x"}


def test_one_hub_or_a_list_of_them(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, 'hub = "ws://a:1"\n'), environ={}).hub_urls() == ["ws://a:1"]
    listed = load_config(write(tmp_path, 'hub = ["ws://a:1", "wss://b.example:2"]\n'), environ={})
    assert listed.hub_urls() == ["ws://a:1", "wss://b.example:2"]
    env = {"TRIAGE_CONFIG": str(tmp_path / "config.toml"), "TRIAGE_HUB": " ws://c:3 , wss://d:4,"}
    assert load_config(environ=env).hub_urls() == ["ws://c:3", "wss://d:4"]  # the variable wins
    assert load_config(environ={}).hub_urls() == []  # none configured: the app's default


@pytest.mark.parametrize("value, bad", [
    ("ws://a:1,http://b:2", "'http://b:2'"),
    ("ws://a:1,ws://:2", "'ws://:2'"),
    ("ws://a:port", "'ws://a:port'"),
])
def test_a_bad_hub_in_the_variable_is_named(value: str, bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(environ={"TRIAGE_HUB": value})
    assert str(caught.value) == (
        f"TRIAGE_HUB: the hub must be a websocket URL like ws://127.0.0.1:8765, got {bad}")


def test_a_malformed_file_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'hub = "ws://x"\ntheme = \n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(path) in str(caught.value) and "line 2" in str(caught.value)


@pytest.mark.parametrize("text, words", [
    ("colour = 1\n", "unknown setting 'colour'"),
    ("[notifications]\nloud = true\n", "unknown setting 'notifications.loud'"),
    ("[notifications]\ndesktop = \"yes\"\n", "notifications.desktop must be true or false"),
    ("notifications = 1\n", "notifications must be a table"),
    ("hub = 8765\n", "hub must be a websocket URL or a list of them"),
    ("hub = [8765]\n", "hub must be a websocket URL or a list of them"),
    ('hub = ["ws://a:1", "http://b:2"]\n', "URL like ws://127.0.0.1:8765, got 'http://b:2'"),
    ("hub = []\n", "no hub URL given"),
    ('theme = "neon"\n', "unknown theme 'neon'"),
    ("[keys]\n\"triage.accept\" = 3\n", "[keys] maps binding ids"),
    ("keys = \"c\"\n", "[keys] maps binding ids"),
])
def test_bad_settings_are_named(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=r"config file .*"):
        load_config(write(tmp_path, text), environ={})
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), environ={})
    assert words in str(caught.value)


def test_bad_environment_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TRIAGE_BELL must be true or false"):
        load_config(environ={"TRIAGE_CONFIG": str(write(tmp_path, "")), "TRIAGE_BELL": "loud"})
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(environ={"TRIAGE_CONFIG": str(tmp_path / "nope.toml")})


def test_parse_keys() -> None:
    assert parse_keys("triage.accept=c, triage.reject = x,junk") == {"triage.accept": "c", "triage.reject": "x"}


async def test_an_app_built_from_the_config_connects_and_uses_it(live_hub: LiveHub, tmp_path: Path) -> None:
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    path = write(tmp_path, f'hub = "{live_hub.url}"\ntheme = "nord"\n[keys]\n"app.settings" = "f9"\n')
    config = load_config(environ={"TRIAGE_CONFIG": str(path)})
    app = make_app(config.hub_urls(), token, watch_terminal=False, **config.app_options())
    assert app.alerts.desktop is True
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot, app)
        assert app.theme == "nord"
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
