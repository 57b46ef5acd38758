"""Desktop notifications through the terminal's own escape sequences, so they reach a person over
ssh: OSC 9 (iTerm2, WezTerm, Windows Terminal, foot, kitty) and OSC 777 (rxvt, VTE/GNOME Terminal,
WezTerm). Terminals that know neither ignore them.

The referral text goes inside the sequence, so every control character is stripped first: an
ESC, BEL or ST (0x9c) in a client's name must not end the sequence and inject its own.

Inside tmux or GNU screen the sequences are wrapped for the multiplexer to pass them on to the
terminal around it (it drops them otherwise): tmux's `ESC P tmux; ... ESC backslash` with every
ESC of the sequence doubled, screen's `ESC P ... ESC backslash`. tmux (3.3 and later) passes them on only with
`allow-passthrough on`; `passthrough_problem()` asks tmux, and the app says it once at start.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping

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


def multiplexer(environ: Mapping[str, str] | None = None) -> str | None:
    """"tmux" or "screen" when the app runs inside one (the innermost: tmux sets TMUX for what
    runs in it, screen sets STY), else None."""
    env = os.environ if environ is None else environ
    if env.get("TMUX"):
        return "tmux"
    if env.get("STY") or env.get("TERM", "").startswith("screen"):
        return "screen"
    return None


def passthrough(sequence: str, through: str | None) -> str:
    """`sequence` wrapped for the multiplexer to pass it on to the outer terminal."""
    if through == "tmux":
        return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    if through == "screen":
        return "\x1bP" + sequence + "\x1b\\"
    return sequence


def desktop_sequence(title: str, body: str, environ: Mapping[str, str] | None = None) -> str:
    """Both sequences: a terminal shows whichever it knows (at most one of them in practice);
    each wrapped on its own inside tmux or screen (screen keeps a passthrough string short)."""
    text = f"{title}: {body}" if body else title
    through = multiplexer(environ)
    return passthrough(osc9(text), through) + passthrough(osc777(title, body), through)


PASSTHROUGH_HELP = ("Desktop alerts cannot leave tmux: its allow-passthrough option is off. "
                    "Run `tmux set -g allow-passthrough on` (tmux 3.3 or later; add it to "
                    "~/.tmux.conf to keep it).")


def passthrough_problem(environ: Mapping[str, str] | None = None, timeout: float = 2.0) -> str | None:
    """What stops desktop alerts leaving tmux, in words, or None (not in tmux, or it lets them
    through; a tmux older than 3.3 passes them without the option). Asks tmux, so call it off the
    event loop."""
    env = os.environ if environ is None else environ
    if multiplexer(env) != "tmux" or shutil.which("tmux") is None:
        return None
    try:
        # the pane's own value (tmux 3.3: a pane option, inherited from the window and global)
        answer = subprocess.run(["tmux", "show", "-pv", "allow-passthrough"], env=dict(env),
                                capture_output=True, text=True, timeout=timeout, check=False)
        if answer.returncode != 0 or not answer.stdout.strip():
            answer = subprocess.run(["tmux", "show", "-gv", "allow-passthrough"], env=dict(env),
                                    capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if answer.returncode != 0:
        return None  # an older tmux without the option: it passes them on
    return PASSTHROUGH_HELP if answer.stdout.strip() == "off" else None
