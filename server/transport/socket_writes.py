"""Writing a frame to a websocket without waiting: the one place that touches websockets'
internals (its asyncio connection's `protocol`, `send_in_progress`, `transport` and `send_data`;
its protocol's `extensions`, `writes` and `expect_continuation_frame`).

`websockets.broadcast` writes this way (no task switch per client), but it takes one message for
many connections, and the hub writes a different frame (its own sequence number) to each. On a
connection without extensions (the hub's default: no compression) the frame's two to ten header
bytes are written here, with the payload, straight to the transport: a server's text frame is
unmasked, so its header is the opcode and the length (RFC 6455, 5.2), and websockets' own framing
(a `Frame`, its serialisation, its buffer) cost a third of each of a claim storm's 400 writes per
offer. A connection with an extension, or with bytes of websockets' own waiting, goes through
websockets. The version bound in pyproject.toml (`websockets<18`) and
tests/unit/test_private_apis.py guard it.
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


def write_now(ws: Connection, *frames: str) -> None:
    """Hand `frames` to the socket at once, in order, in one write (call only when
    `may_write_now`); a failing connection raises, and its handler sees it close. One commit
    often has two or three events for the same person (a batch that opens one appointment and
    awards another): one system call for all of them, not one each."""
    protocol = ws.protocol
    if protocol.extensions or protocol.writes or protocol.expect_continuation_frame:
        for frame in frames:
            protocol.send_text(frame.encode())
        ws.send_data()
        return
    parts = []
    for frame in frames:
        data = frame.encode()
        parts += (text_header(len(data)), data)
    ws.transport.write(b"".join(parts))


def text_header(size: int) -> bytes:
    """The header of an unmasked, final text frame of `size` payload bytes."""
    if size < 126:
        return bytes((0x81, size))
    if size < 1 << 16:
        return b"\x81\x7e" + size.to_bytes(2, "big")
    return b"\x81\x7f" + size.to_bytes(8, "big")
