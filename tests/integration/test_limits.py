"""The hub's limits at a real hub: requests per connection per minute (close 1008), open
connections per person (HTTP 429), the Origin allowlist (HTTP 403), and a token revoked from
another process closing the connections it opened."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import pytest

from server import admin
from server.hub import Hub
from server.storage.people import hash_token
from tests.wire import WireError, handshake_status, wait_until
from tests.wire import connect as connect_wire

REPO = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ requests per minute


async def test_the_default_limit_closes_the_101st_request_of_a_minute_with_1008(hub: Hub, wires):
    _, token = await hub.add_person(name="Ann Agent", zips=["78701"])
    wire = await connect_wire(hub, token, wires, "ann")  # hello is request 1
    for _ in range(99):
        await wire.ok("inbox")
    with pytest.raises(WireError):
        await wire.request("inbox")
    await wire.wait_closed()
    assert wire.ws.close_code == 1008
    assert wire.ws.close_reason == "rate limit: more than 100 requests a minute"


async def test_the_limit_is_per_connection_and_a_new_one_starts_fresh(make_hub, wires):
    hub = await make_hub(rate_limit_per_minute=5)
    _, token = await hub.add_person(name="Ann Agent", zips=["78701"])
    first = await connect_wire(hub, token, wires, "first")
    other = await connect_wire(hub, token, wires, "other")
    for _ in range(4):
        await first.ok("inbox")
    with pytest.raises(WireError):
        await first.request("inbox")
    await first.wait_closed()
    assert (first.ws.close_code, first.ws.close_reason) == (1008, "rate limit: more than 5 requests a minute")
    # the same person's other connection, and a new one, still work
    assert (await other.ok("inbox")) is not None
    again = await connect_wire(hub, token, wires, "again")
    assert (await again.ok("inbox")) is not None


async def test_a_limit_of_zero_turns_it_off(make_hub, wires):
    hub = await make_hub(rate_limit_per_minute=0)
    _, token = await hub.add_person(name="Ann Agent", zips=["78701"])
    wire = await connect_wire(hub, token, wires, "ann")
    for _ in range(150):
        await wire.ok("inbox")
    assert not wire.closed.is_set()


# ------------------------------------------------------------------ connections per person


async def test_the_21st_connection_of_one_person_is_refused_with_429(hub: Hub, wires):
    ann, ann_token = await hub.add_person(name="Ann Agent", zips=["78701"])
    _, bob_token = await hub.add_person(name="Bob Agent", zips=["78701"])
    for i in range(20):
        await connect_wire(hub, ann_token, wires, f"ann{i}", hello=False)
    status, body = await handshake_status(hub.url, ann_token)
    assert status == 429
    assert f"too many connections: {ann.id} already has 20 open" in body
    # someone else is not affected
    assert (await handshake_status(hub.url, bob_token))[0] == 101
    # closing one of Ann's makes room for another
    await wires[0].close()
    await wait_until(lambda: hub.cap.count(ann.id) < 20)
    wire = await connect_wire(hub, ann_token, wires, "ann-again")
    assert wire.hello_result["person"]["id"] == ann.id


async def test_a_refused_connection_holds_no_place(make_hub, wires):
    hub = await make_hub(max_connections_per_person=1, allowed_origins=("https://desk.example",))
    ann, token = await hub.add_person(name="Ann Agent", zips=["78701"])
    for _ in range(3):
        assert (await handshake_status(hub.url, token, origin="https://evil.example"))[0] == 403
    assert hub.cap.count(ann.id) == 0
    wire = await connect_wire(hub, token, wires, "ann")
    assert wire.hello_result["person"]["id"] == ann.id


# ------------------------------------------------------------------ Origin allowlist


async def test_only_listed_origins_and_clients_sending_none_get_in(make_hub):
    hub = await make_hub(allowed_origins=("https://desk.example", "https://ops.example"))
    _, token = await hub.add_person(name="Ann Agent", zips=["78701"])
    assert (await handshake_status(hub.url, token, origin="https://evil.example"))[0] == 403
    assert (await handshake_status(hub.url, token, origin="null"))[0] == 403
    assert (await handshake_status(hub.url, token, origin="https://desk.example"))[0] == 101
    assert (await handshake_status(hub.url, token, origin="https://ops.example"))[0] == 101
    assert (await handshake_status(hub.url, token, origin=None))[0] == 101  # the app and the CLI


async def test_without_an_allowlist_any_origin_passes(hub: Hub):
    _, token = await hub.add_person(name="Ann Agent", zips=["78701"])
    assert (await handshake_status(hub.url, token, origin="https://anywhere.example"))[0] == 101


# ------------------------------------------------------------------ revocation


async def revoke_with_the_cli(db_url: str, person_id: str) -> str:
    """`triage agent revoke` in its own process, as an operator would run it next to the hub."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "triage.cli", "agent", "revoke", person_id, "--db", db_url,
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def test_revoking_from_another_process_closes_open_connections(make_hub, wires, store: str):
    hub = await make_hub(revocation_check_seconds=0.5)
    ann, ann_token = await hub.add_person(name="Ann Agent", zips=["78701"])
    _, bob_token = await hub.add_person(name="Bob Agent", zips=["78701"])
    live = await connect_wire(hub, ann_token, wires, "ann")
    before_hello = await connect_wire(hub, ann_token, wires, "ann-quiet", hello=False)
    bob = await connect_wire(hub, bob_token, wires, "bob")

    out = await revoke_with_the_cli(store, ann.id)
    assert "revoked 1 token" in out
    for wire in (live, before_hello):
        await wire.wait_closed()
        assert (wire.ws.close_code, wire.ws.close_reason) == (1008, "token revoked")
    assert (await handshake_status(hub.url, ann_token))[0] == 401
    assert (await bob.ok("inbox")) is not None  # another person's connection runs on


async def test_limit_and_revocation_logs_name_the_person_never_the_token(
    make_hub, wires, store: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="triage")
    hub = await make_hub(rate_limit_per_minute=2, max_connections_per_person=2,
                         allowed_origins=("https://desk.example",))
    ann, token = await hub.add_person(name="Ann Agent", zips=["78701"])
    chatty = await connect_wire(hub, token, wires, "chatty")
    await chatty.ok("inbox")
    with pytest.raises(WireError):
        await chatty.request("inbox")
    await chatty.wait_closed()
    assert (await handshake_status(hub.url, token, origin="https://evil.example"))[0] == 403
    quiet = await connect_wire(hub, token, wires, "quiet", hello=False)
    await wait_until(lambda: hub.cap.count(ann.id) == 1)
    await connect_wire(hub, token, wires, "second", hello=False)
    assert (await handshake_status(hub.url, token))[0] == 429
    await admin.revoke_tokens(store, ann.id)
    assert await hub.revocations.sweep() == 2
    await quiet.wait_closed()
    text = caplog.text
    for event in ("rate limit: more than 2 requests a minute", "HTTP 403", "connections open already",
                  "token revoked"):
        assert any(event in r.getMessage() and ann.id in r.getMessage() for r in caplog.records), event
    assert token not in text and token[4:] not in text and hash_token(token) not in text


async def test_hello_advertises_the_request_rate_so_clients_can_pace_themselves(make_hub, wires) -> None:
    hub = await make_hub(rate_limit_per_minute=42)
    _, token = await hub.add_person(name="Ann", zips=["78701"])
    from triage.hubclient import hub_client

    async with hub_client(hub.url, token) as client:
        assert client.pacer.per_minute == 42
