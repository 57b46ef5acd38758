"""What the screens and widgets use of the triage app beyond Textual's own `App`, as a protocol.

Screens and widgets reach the app's services with ``services(self)``; they never import
`tui.app` (which imports them).
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Protocol, cast

from textual.dom import DOMNode

from tui.hub.session import HubSession


class TriageServices(Protocol):
    """The app's services: the hub session, and the time zone times are shown in."""

    session: HubSession
    tz: tzinfo | None  # None: the local time zone

    def key(self, binding_id: str) -> str:
        """The key bound to a binding now (after the config's [keys]), as the footer shows it."""
        ...


def services(node: DOMNode) -> TriageServices:
    """The triage app's services, for a screen or widget mounted in it."""
    return cast(TriageServices, node.app)
