"""Writing a frame to a websocket without waiting: the one place that touches websockets'
internals (its asyncio connection's `protocol`, `send_in_progress`, `transport` and `send_data`).

`websockets.broadcast` writes this way (no task switch per client), but it takes one message for
many connections, and the hub writes a different frame (its own sequence number) to each. The
version bound in pyproject.toml (`websockets<18`) and tests/unit/test_private_apis.py guard it.
"""

from __future__ import annotations

from websockets.asyncio.connection import Connection
from websockets.protocol import State

# Bytes waiting in a socket's buffer beyond which a client counts as slow and its frames queue.
SLOW_CLIENT_BYTES = 256 * 1024


def may_write_now(ws: Connection) -> bool:
    """True when the connection is open, no send is in progress and its buffer keeps up."""
    if ws.protocol.state is not State.OPEN or ws.send_in_progress is not None:
        return False
    return ws.transport.get_write_buffer_size() <= SLOW_CLIENT_BYTES


def write_now(ws: Connection, frame: str) -> None:
    """Hand `frame` to the socket at once (call only when `may_write_now`); a failing connection
    raises, and its handler sees it close."""
    ws.protocol.send_text(frame.encode())
    ws.send_data()
