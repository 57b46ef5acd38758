"""Keys typed faster than the app takes them (a burst over ssh) land in the field focused at
their point of the sequence, in a real terminal: tmux sends the whole string in one call."""

from __future__ import annotations

import re

import pytest

from tests.tmux.conftest import Tmux, demo_command

pytestmark = pytest.mark.slow


def field(screen: str, label: str) -> str:
    match = re.search(rf"^\s*{re.escape(label)}\s{{2,}}(\S*)", screen, re.MULTILINE)
    return match.group(1) if match else ""


def test_a_burst_with_tabs_fills_each_field_in_turn(tmux: Tmux) -> None:
    tmux.start(demo_command(), size=(100, 30))
    tmux.wait_for(lambda s: "connected to" in s, timeout=60)
    # the form opens and the fields fill from one write: `n`, then text and tabs
    tmux.send("n", "abc", "Tab", "def", "Tab", "ghi")
    screen = tmux.wait_for(lambda s: "New agent referral" in s and "ghi" in s, timeout=20)
    assert (field(screen, "First name"), field(screen, "Last name"), field(screen, "E-mail")) == (
        "abc", "def", "ghi"), screen
    # back up with shift+tab: a field taking the focus selects its text, so typing replaces it
    tmux.send("Tab", "555-0100", "BTab", "BTab", "zoe")
    screen = tmux.wait_for(lambda s: "555-0100" in s and "zoe" in s, timeout=20)
    assert (field(screen, "First name"), field(screen, "Last name"), field(screen, "E-mail"),
            field(screen, "Phone")) == ("abc", "zoe", "ghi", "555-0100"), screen
