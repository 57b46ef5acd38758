"""The desktop notification escape sequences: nothing from the referral text leaks into them."""

from __future__ import annotations

from tui.notify import clean, desktop_sequence, osc9, osc777


def test_osc9_and_osc777() -> None:
    assert osc9("New offer") == "\x1b]9;New offer\x07"
    assert osc777("New offer", "Austin 29:00") == "\x1b]777;notify;New offer;Austin 29:00\x07"


def test_control_characters_are_stripped() -> None:
    evil = "Ann\x1b]0;pwned\x07Lee\x9c\x1b\\ok\nnext"
    cleaned = clean(evil)
    assert not any(ch in cleaned for ch in "\x1b\x07\x9c\n\x00")
    sequence = desktop_sequence(f"Offer {evil}", evil)
    body = sequence.replace("\x1b]9;", "", 1).replace("\x1b]777;notify;", "", 1)
    assert body.count("\x07") == 2 and "\x1b" not in body and "\x9c" not in body
    assert sequence.endswith("\x07") and sequence.count("\x1b") == 2


def test_title_semicolon_cannot_shift_the_body() -> None:
    assert osc777("a;b", "c;d") == "\x1b]777;notify;a,b;c;d\x07"


def test_long_text_is_cut() -> None:
    assert len(clean("x" * 1000)) == 200


def test_inside_tmux_each_sequence_is_wrapped_with_its_escapes_doubled() -> None:
    from tui.notify import multiplexer, passthrough

    tmux = {"TMUX": "/tmp/tmux-0/default,123,0", "TERM": "tmux-256color"}
    assert multiplexer(tmux) == "tmux"
    assert passthrough("\x1b]9;hi\x07", "tmux") == "\x1bPtmux;\x1b\x1b]9;hi\x07\x1b\\"
    sequence = desktop_sequence("New offer", "Austin", tmux)
    assert sequence == ("\x1bPtmux;\x1b\x1b]9;New offer: Austin\x07\x1b\\"
                        "\x1bPtmux;\x1b\x1b]777;notify;New offer;Austin\x07\x1b\\")
    # a client's text cannot end the wrapper early either: its ESCs are gone before wrapping
    evil = desktop_sequence("Ann\x1b\\", "Lee\x1b\\\x1bPtmux;", tmux)
    assert evil.count("\x1bPtmux;") == 2 and evil.count("\x1b\\") == 2


def test_inside_screen_each_sequence_goes_in_a_dcs() -> None:
    from tui.notify import multiplexer

    for env in ({"STY": "1234.pts-0.host", "TERM": "screen"}, {"TERM": "screen.xterm-256color"}):
        assert multiplexer(env) == "screen"
        assert desktop_sequence("New offer", "Austin", env) == (
            "\x1bP\x1b]9;New offer: Austin\x07\x1b\\\x1bP\x1b]777;notify;New offer;Austin\x07\x1b\\")


def test_elsewhere_the_sequences_go_raw() -> None:
    from tui.notify import multiplexer

    assert multiplexer({"TERM": "xterm-256color"}) is None
    assert desktop_sequence("New offer", "Austin", {}) == osc9("New offer: Austin") + osc777("New offer", "Austin")


def test_passthrough_off_is_told_in_words(monkeypatch) -> None:
    import subprocess

    from tui import notify

    answers = {"off": "off\n", "on": "on\n"}
    for value, problem in (("off", True), ("on", False)):
        monkeypatch.setattr(notify.shutil, "which", lambda name: "/usr/bin/tmux")
        monkeypatch.setattr(notify.subprocess, "run", lambda *a, v=value, **k: subprocess.CompletedProcess(
            a, 0, stdout=answers[v], stderr=""))
        said = notify.passthrough_problem({"TMUX": "x"})
        assert bool(said) is problem
        if said:
            assert "tmux set -g allow-passthrough on" in said
    assert notify.passthrough_problem({}) is None  # not in tmux: nothing to ask
