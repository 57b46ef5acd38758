"""Copying over ssh: OSC 52 through the terminal (`App.copy_to_clipboard`), and inside tmux the
same sequence wrapped for tmux's passthrough as well, so it reaches the outer terminal whether
tmux takes it itself (`set -g set-clipboard on`) or passes it on (`set -g allow-passthrough on`).

What may be copied of a referral is only what the hub sent: the masked view has no contact
fields at all, so a masked field is never copied.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from textual.app import App

from shared.protocol import ReferralView
from tui import terminal_output


def contact_choices(view: ReferralView) -> list[tuple[str, str]]:
    """The revealed phone numbers and e-mail addresses of `view`: (value, label)."""
    fields = (("phone", view.phone), ("e-mail", view.email),
              ("contact phone", view.contact_phone), ("contact e-mail", view.contact_email))
    seen: dict[str, str] = {}
    for label, value in fields:
        if value and value not in seen:
            seen[value] = f"{label}: {value}"
    return list(seen.items())


def tmux_wrap(sequence: str) -> str:
    """`sequence` as tmux passes it through to the terminal outside (every ESC doubled)."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def copy(app: App[Any], text: str) -> None:
    app.copy_to_clipboard(text)  # OSC 52 through the driver (and the app's own clipboard)
    if os.environ.get("TMUX"):
        encoded = base64.b64encode(text.encode()).decode()
        terminal_output.write(app, tmux_wrap(f"\x1b]52;c;{encoded}\a"))
