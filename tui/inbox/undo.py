"""The undo window of the keys that cannot be taken back (`r` passing an offer, `A` archiving):
the op is held a few seconds before it goes to the hub, `u` takes it back meanwhile, and
quitting the app within the window sends nothing.

No Textual widgets here: the inbox screen gives it a timer factory, a way to say things, and
what to call when an op's time is up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.timer import Timer

from tui.inbox.commands import Op

UNDO_SECONDS = 5.0

VERBS = {"pass": "Passing on", "archive": "Archiving"}  # the ops held for the window


@dataclass
class Held:
    op: Op
    timer: Timer


class UndoWindow:
    """Ops held before they are sent, newest last; one per referral."""

    def __init__(self, set_timer: Callable[[float, Callable[[], None]], Timer],
                 say: Callable[[str, float], None], send: Callable[[Op], None],
                 seconds: float = UNDO_SECONDS) -> None:
        self.set_timer = set_timer
        self.say = say
        self.send = send
        self.seconds = seconds
        self.held: dict[str, Held] = {}

    @staticmethod
    def wants(op: Op) -> bool:
        """Ops that cannot be taken back once the hub did them, and ask nothing first."""
        return op.name in VERBS and not op.args

    def hold(self, op: Op) -> None:
        self.cancel(op.referral_id)
        timer = self.set_timer(self.seconds, lambda: self._send(op.referral_id))
        self.held[op.referral_id] = Held(op, timer)
        seconds = f"{self.seconds:g} s"
        self.say(f"{VERBS[op.name]} {op.referral_id} in {seconds} — u to undo", self.seconds)

    def _send(self, referral_id: str) -> None:
        held = self.held.pop(referral_id, None)
        if held is not None:
            self.send(held.op)

    def cancel(self, referral_id: str) -> Op | None:
        """Take back the op held for `referral_id`, if any."""
        held = self.held.pop(referral_id, None)
        if held is None:
            return None
        held.timer.stop()
        return held.op

    def undo(self) -> Op | None:
        """Take back the newest op held (None: nothing is held)."""
        if not self.held:
            return None
        return self.cancel(next(reversed(self.held)))
