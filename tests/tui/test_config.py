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
    assert (config.hub, config.token_file, config.theme) == ("wss://other:1", "/t", "dracula")
    assert config.notifications == Notifications(desktop=True, bell=False)
    assert config.keys == {"triage.accept": "c", "triage.reject": "x"}


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
    ("hub = 8765\n", "hub must be a string"),
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
    app = make_app(config.hub, token, watch_terminal=False, **config.app_options())
    assert app.alerts.desktop is True
    async with app.run_test(size=(100, 30)) as pilot:
        await connected(pilot, app)
        assert app.theme == "nord"
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
