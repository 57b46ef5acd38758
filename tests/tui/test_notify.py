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
