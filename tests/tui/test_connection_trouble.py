"""Connection trouble in plain words, against real sockets: a closed port, TLS spoken to a plain
hub and plain spoken to a TLS port, a hub that restarts, a revoked token; and a key to try again
at once instead of waiting out the delay."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from datetime import timezone
from pathlib import Path

import pytest

from tests.tui.conftest import LiveHub, Posted, wait_for
from tests.tui.test_live_hub import agent_app, connected
from tui.app import make_app
from tui.hub.messages import LinkChanged


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def footer_keys(app) -> set[str]:
    return {binding.action for _, binding, enabled, _ in app.screen.active_bindings.values() if enabled}


async def test_a_wrong_port_says_check_the_hub_address_and_ctrl_r_retries_now() -> None:
    port = closed_port()
    app = make_app(f"ws://127.0.0.1:{port}", "t", tz=timezone.utc, watch_terminal=False)
    posted = Posted()
    async with app.run_test(size=(200, 30), message_hook=posted) as pilot:
        line = app.inbox.line
        await wait_for(pilot, lambda: line.state == "reconnecting")
        text = line.describe()
        assert f"cannot reach the hub at 127.0.0.1:{port} — check the hub address (hub in " \
               "config.toml, --hub, TRIAGE_HUB)" in text
        assert "retrying in" in text and "ctrl+l now" in text
        assert "refused" not in text and "Errno" not in text
        assert "reconnect" in footer_keys(app)
        def tries() -> int:
            return len([m for m in posted.of(LinkChanged) if m.state == "connecting"])

        for _ in range(3):  # the delay grows: cut it short with the key
            await wait_for(pilot, lambda: line.state == "reconnecting")
            before = tries()
            await pilot.press("ctrl+l")
            await wait_for(pilot, lambda before=before: tries() > before, timeout=0.9)


async def test_wss_against_a_plain_hub_says_use_ws(live_hub: LiveHub) -> None:
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"])
    url = live_hub.url.replace("ws://", "wss://")
    app = make_app(url, token, tz=timezone.utc, watch_terminal=False)
    async with app.run_test(size=(200, 30)) as pilot:
        await wait_for(pilot, lambda: app.inbox.line.state == "reconnecting")
        text = app.inbox.line.describe()
        assert "does not speak TLS; use ws://" in text, text
        assert "ConnectionResetError" not in text


@pytest.fixture
def tls_port(tmp_path: Path):
    """A websocket server speaking TLS only (a self-signed certificate made with openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


async def test_ws_against_a_tls_port_says_use_wss(tls_port: ssl.SSLContext) -> None:
    from websockets.asyncio.server import serve

    async with serve(lambda ws: ws.wait_closed(), "127.0.0.1", 0, ssl=tls_port) as server:
        port = server.sockets[0].getsockname()[1]
        app = make_app(f"ws://127.0.0.1:{port}", "t", tz=timezone.utc, watch_terminal=False)
        async with app.run_test(size=(200, 30)) as pilot:
            await wait_for(pilot, lambda: app.inbox.line.state == "reconnecting")
            text = app.inbox.line.describe()
            assert f"the hub at 127.0.0.1:{port} speaks TLS; use wss://" in text, text


async def test_a_hub_that_restarts_is_said_to_have_gone_away_and_is_rejoined(tmp_path: Path) -> None:
    from server.hub import Hub
    from server.settings import HubSettings

    port = closed_port()
    settings = HubSettings(db_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}", host="127.0.0.1",
                           port=port, claim_window_seconds=1800)
    hub = Hub(settings)
    await hub.start()
    live = LiveHub(hub, hub.url)
    try:
        _, token = await live.person("Dana Cole", ["agent"], ["78701"])
        app = agent_app(live, token)
        async with app.run_test(size=(120, 30)) as pilot:
            await connected(pilot, app)
            await hub.stop()
            await wait_for(pilot, lambda: app.inbox.line.state == "reconnecting")
            text = app.inbox.line.describe()
            assert "offline · the hub went away; reconnecting in" in text, text
            assert "1011" not in text and "keepalive" not in text
            hub = Hub(settings)
            await hub.start()
            await wait_for(pilot, lambda: app.inbox.line.state == "connected", timeout=10)
    finally:
        await hub.stop()


async def test_a_refused_token_says_what_to_do_not_a_countdown(live_hub: LiveHub) -> None:
    app = agent_app(live_hub, "not-a-token")
    posted = Posted()
    async with app.run_test(size=(200, 30), message_hook=posted) as pilot:
        await wait_for(pilot, lambda: app.inbox.line.state == "refused")
        text = app.inbox.line.describe()
        assert "refused the token: it is unknown or revoked; ask for a new one " \
               "(`triage agent token PERSON_ID` on the hub host)" in text, text
        assert "retrying in" not in text
        assert posted.toasted(lambda n: "triage agent token PERSON_ID" in n.message)


async def test_a_token_revoked_while_connected_says_what_to_do(tmp_path: Path) -> None:
    from server.hub import Hub
    from server.settings import HubSettings

    settings = HubSettings(db_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}", host="127.0.0.1",
                           port=0, revocation_check_seconds=1)
    hub = Hub(settings)
    await hub.start()
    try:
        live = LiveHub(hub, hub.url)
        dana, token = await live.person("Dana Cole", ["agent"], ["78701"])
        app = agent_app(live, token)
        async with app.run_test(size=(200, 30)) as pilot:
            await connected(pilot, app)
            await revoke(hub, dana)
            await wait_for(pilot, lambda: app.inbox.line.state == "refused", timeout=8)
            assert "it is unknown or revoked; ask for a new one" in app.inbox.line.describe()
    finally:
        await hub.stop()


async def revoke(hub, person_id: str) -> None:
    """`triage agent revoke`, on the running hub's database."""
    from datetime import datetime

    from server.storage import people

    async with hub.db.write_lock, hub.db.write_session() as session:
        await people.revoke_tokens(session, person_id, datetime.now(timezone.utc))


def test_raw_errors_become_words() -> None:
    from websockets.exceptions import ConnectionClosedError
    from websockets.frames import Close

    from shared.protocol import ErrorCode, HubError
    from tui.hub.trouble import classify, explain

    keepalive = ConnectionClosedError(Close(1011, "keepalive ping timeout"), None)
    assert classify(keepalive, "ws://h:1", ever_connected=True) == "gone"
    assert explain("gone", "h:1") == "the hub went away"
    revoked = ConnectionClosedError(Close(1008, "token revoked"), None)
    assert classify(revoked, "ws://h:1", ever_connected=True) == "token"
    refused = ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 1)")
    assert classify(refused, "ws://h:1", ever_connected=False) == "unreachable"
    assert classify(refused, "ws://h:1", ever_connected=True) == "gone"  # it was there: restarting
    error = HubError(ErrorCode.BAD_REQUEST, "unknown client")
    assert explain(classify(error, "ws://h:1", False), "h:1", error.message) == (
        "the hub at h:1 refused the connection (unknown client)")
