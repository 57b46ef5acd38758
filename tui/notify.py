"""Desktop notifications through the terminal's own escape sequences, so they reach a person over
ssh: OSC 9 (iTerm2, WezTerm, Windows Terminal, foot, kitty) and OSC 777 (rxvt, VTE/GNOME Terminal,
WezTerm). Terminals that know neither ignore them.

The referral text goes inside the sequence, so every control character is stripped first: an
ESC, BEL or ST (0x9c) in a client's name must not end the sequence and inject its own.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_CHARS = 200


def clean(text: str, limit: int = MAX_CHARS) -> str:
    """One line of printable text: control characters (C0, DEL, C1) become spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())[:limit]


def osc9(text: str) -> str:
    return f"\x1b]9;{clean(text)}\x07"


def osc777(title: str, body: str) -> str:
    # the title is a ;-separated field: a ; in it would shift the body
    return f"\x1b]777;notify;{clean(title).replace(';', ',')};{clean(body)}\x07"


def desktop_sequence(title: str, body: str) -> str:
    """Both sequences: a terminal shows whichever it knows (at most one of them in practice)."""
    text = f"{title}: {body}" if body else title
    return osc9(text) + osc777(title, body)
