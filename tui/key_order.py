"""Every key reaches the widget that has focus at that point of the key sequence, however fast
the keys come (a burst over ssh: `abc<Tab>def<Tab>ghi` in one read).

Why Textual alone gets it wrong: the app hands each key to the focused widget's message queue
and goes straight on to the next one. A key the widget does not use (Tab) then bubbles up,
queue by queue, to the screen and the app, and only there does its binding run and move the
focus. By then the keys behind it have already been queued for the old focused widget: `def`
lands in First name too.

`OrderedKeys` (mixed into the app, before `App`) holds the keys back instead: one key is in
flight at a time. Behind each key it posts a `KeySettled` marker to the same widget; the marker
follows the key up the same queues (a queue is first in, first out), so when it reaches the app
the key has been used or its binding has run, and the focus is where that key left it. Only then
does the next key go, to the widget focused now. A key that opened or closed a screen waits for
that screen to mount (the new screen's own queue runs its compose and mount first). Should a
marker be lost (its widget removed meanwhile) the next key goes after `SETTLE_SECONDS` anyway:
never later than that, and no key is ever dropped.

Only public Textual API: `App.on_event`, `Message.is_forwarded`, `post_message`, `set_timer`.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.timer import Timer

SETTLE_SECONDS = 0.5  # the longest a key waits for the one before it


class KeySettled(Message):
    """Posted behind a key to the widget it went to; bubbles up to the app after it."""

    def __init__(self, serial: int) -> None:
        super().__init__()
        self.serial = serial


class OrderedKeys:
    """A mixin for the `App`: keys from the terminal go one at a time (see the module)."""

    _key_queue: deque[events.Key]
    _key_in_flight: int | None
    _key_serial: int
    _key_screen: Screen[Any] | None
    _key_timer: Timer | None

    def _key_state(self) -> None:
        if not hasattr(self, "_key_queue"):
            self._key_queue = deque()
            self._key_in_flight = None
            self._key_serial = 0
            self._key_screen = None
            self._key_timer = None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._key_state()
            self._key_queue.append(event)
            if self._key_in_flight is None:
                await self._send_keys()
            return
        await super().on_event(event)  # type: ignore[misc]

    @property
    def keys_waiting(self) -> int:
        """Keys received and not yet sent on (tests, and the curious)."""
        self._key_state()
        return len(self._key_queue) + (self._key_in_flight is not None)

    async def _send_keys(self) -> None:
        app: Any = self
        while self._key_queue and self._key_in_flight is None:
            event = self._key_queue.popleft()
            self._key_screen = app.screen
            await super().on_event(event)  # type: ignore[misc]  # Textual's own routing
            self._follow(app.focused or app.screen)

    def _follow(self, target: Any) -> None:
        """Post the marker behind the key (or behind the new screen's mount)."""
        app: Any = self
        self._key_serial += 1
        self._key_in_flight = serial = self._key_serial
        if self._key_timer is not None:
            self._key_timer.stop()
        self._key_timer = app.set_timer(SETTLE_SECONDS, lambda: self._settled(serial, timed_out=True))
        target.post_message(KeySettled(serial))

    async def on_key_settled(self, message: KeySettled) -> None:
        message.stop()
        if self._settled(message.serial):
            await self._send_keys()

    def _settled(self, serial: int, timed_out: bool = False) -> bool:
        """True when the key in flight is done with and the next may go."""
        if serial != self._key_in_flight:
            return False  # an older marker, or one that arrived after its timeout
        app: Any = self
        if not timed_out and app.screen is not self._key_screen:
            # the key opened or closed a screen: wait for it to mount and take the focus
            self._key_screen = app.screen
            self._follow(app.screen)
            return False
        if self._key_timer is not None:
            self._key_timer.stop()
            self._key_timer = None
        self._key_in_flight = None
        if timed_out and self._key_queue:
            app.call_later(self._send_keys)  # from the timer: on the app's own queue
        return True
