"""GET /health and GET /metrics on the hub's own port, next to the websocket handshake: a real hub
on loopback, asked over a raw HTTP/1.1 connection."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from server.hub import Hub
from server.settings import HubSettings
from server.storage.database import sqlite_url
from tests.integration.test_claims import ZIP, appointment
from tests.wire import connect, upsert_of

METRICS_TOKEN = "metrics-7f3c9e1d5b"


class Answer:
    def __init__(self, raw: bytes) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}

    def json(self) -> dict:
        return json.loads(self.body)

    def samples(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Every sample of a /metrics body: (name, sorted labels) -> value."""
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(self.body.decode())
            for s in family.samples
        }


async def send(hub: Hub, request: bytes) -> Answer:
    reader, writer = await asyncio.open_connection("127.0.0.1", hub.port)
    try:
        writer.write(request)
        await writer.drain()
        return Answer(await asyncio.wait_for(reader.read(), 10))  # the hub closes after answering
    finally:
        writer.close()


def request(path: str, method: str = "GET", **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def get(hub: Hub, path: str, **headers: str) -> Answer:
    return await send(hub, request(path, **headers))


async def until(check: Callable[[], Awaitable[bool] | bool], timeout: float = 10.0) -> None:
    """Wait until `check` holds, asking again every 50 ms."""
    async with asyncio.timeout(timeout):
        while True:
            result = check()
            if await result if isinstance(result, Awaitable) else result:
                return
            await asyncio.sleep(0.05)


def value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


# ---------------------------------------------------------------------------- /health


async def test_health_answers_200_without_a_token(hub):
    answer = await get(hub, "/health")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert body["status"] == "ok" and body["hub"].endswith(f":{hub.port}")
    assert (await get(hub, "/health?from=balancer")).status == 200  # a query string is ignored
    refused = await send(hub, request("/health", method="POST"))
    assert refused.status == 405 and refused.headers["allow"] == "GET"


async def test_health_is_503_while_the_database_cannot_be_opened_and_200_once_it_can(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    hub = Hub(HubSettings(db_url=sqlite_url(data / "hub.sqlite3"), port=0))
    await hub.start()
    try:
        assert (await get(hub, "/health")).status == 200
        # The database's directory goes away (a volume unmounted). Connections the read pool
        # already holds keep the file open and would still answer, so the pool lets them go: the
        # next read must open the file, as a fresh hub or a grown pool would, and cannot.
        await hub.db.read_engine.dispose()
        data.rename(tmp_path / "gone")

        async def unavailable() -> bool:
            return (await get(hub, "/health")).status == 503

        await until(unavailable)
        down = await get(hub, "/health")
        assert down.json() == {"status": "unavailable", "hub": down.json()["hub"],
                               "reason": "database unreachable"}
        metrics = (await get(hub, "/metrics")).samples()
        assert value(metrics, "triage_db_up") == 0
        assert value(metrics, "triage_db_reconnects_total") == 0

        (tmp_path / "gone").rename(data)

        async def healthy() -> bool:
            return (await get(hub, "/health")).status == 200

        await until(healthy)
        metrics = (await get(hub, "/metrics")).samples()
        assert value(metrics, "triage_db_up") == 1
        assert value(metrics, "triage_db_reconnects_total") == 1
    finally:
        await hub.stop()


async def test_many_balancers_polling_at_once_cost_one_select_a_second(hub):
    selects = 0

    def count(conn, cursor, statement, *args) -> None:
        nonlocal selects
        selects += statement.strip() == "SELECT 1"

    event.listen(hub.db.read_engine.sync_engine, "before_cursor_execute", count)
    try:
        rounds = 0
        while selects == 0:  # until the start's answer is older than a second and one check ran
            before = selects
            answers = await asyncio.gather(*(get(hub, "/health") for _ in range(20)))
            assert {a.status for a in answers} == {200}
            assert selects - before <= 1  # twenty requests at once share one check at most
            rounds += 1
            assert rounds < 200
    finally:
        event.remove(hub.db.read_engine.sync_engine, "before_cursor_execute", count)


async def test_health_is_503_while_the_hub_stops(hub):
    # A balancer's request arrives as the hub begins to stop: the hub answers it before it closes.
    reader, writer = await asyncio.open_connection("127.0.0.1", hub.port)
    whole = request("/health")
    writer.write(whole[:20])  # the request line, not yet the end of the headers
    await writer.drain()
    await until(lambda: bool(hub._server.handler_tasks))  # the hub has accepted the connection
    stopping = asyncio.create_task(hub.stop())
    await until(lambda: not hub._server.is_serving())  # stopping: no new connections
    writer.write(whole[20:])
    await writer.drain()
    answer = Answer(await asyncio.wait_for(reader.read(), 10))
    writer.close()
    await stopping
    assert answer.status == 503
    assert answer.json()["reason"] == "stopping"


# ---------------------------------------------------------------------------- /metrics


async def test_metrics_count_the_connection_the_claim_and_the_pushes(hub, wires):
    desk, _ = await hub.add_person(name="Desk", roles=["concierge"])
    agent, token = await hub.add_person(name="Ann Agent", zips=[ZIP], rank_score=90)
    ann = await connect(hub, token, wires, "ann")
    ref_id = await hub.submit(desk.id, appointment())
    await ann.event_where(upsert_of(ref_id))
    won = await ann.request("claim", id=ref_id)
    assert won["type"] == "reply", won

    answer = await get(hub, "/metrics")
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/plain")
    metrics = answer.samples()
    assert value(metrics, "triage_open_connections") == 1
    assert value(metrics, "triage_claim_seconds_count") == 1
    assert value(metrics, "triage_claim_seconds_sum") > 0
    assert value(metrics, "triage_events_pushed_total") >= 1
    assert value(metrics, "triage_requests_total", op="hello", outcome="ok") == 1
    assert value(metrics, "triage_requests_total", op="claim", outcome="ok") == 1
    assert value(metrics, "triage_clock_leader") == 1
    assert value(metrics, "triage_db_up") == 1

    again = await ann.request("claim", id=ref_id)  # already awarded: refused, and counted so
    refused = (await get(hub, "/metrics")).samples()
    assert value(refused, "triage_requests_total", op="claim", outcome=again["code"]) == 1
    assert value(refused, "triage_claim_seconds_count") == 2
    await ann.request("no_such_op")
    unknown = (await get(hub, "/metrics")).samples()
    assert value(unknown, "triage_requests_total", op="unknown", outcome="unknown_op") == 1

    text = answer.body.decode()  # no token, person or client contact in any label or value
    for secret in (token, agent.id, "carla", "512-555"):
        assert secret not in text.lower()


async def test_metrics_without_a_token_setting_are_for_loopback_only(hub):
    assert (await get(hub, "/metrics")).status == 200
    # through a proxy on the hub's own host the peer is loopback, but the request is not local
    assert (await get(hub, "/metrics", X_Forwarded_For="203.0.113.9")).status == 403
    assert (await get(hub, "/metrics", Forwarded="for=203.0.113.9")).status == 403


async def test_a_metrics_token_is_required_when_set_even_from_loopback(make_hub):
    hub = await make_hub(metrics_token=METRICS_TOKEN)
    _, person_token = await hub.add_person(name="Ann Agent", zips=[ZIP])
    assert (await get(hub, "/metrics")).status == 403
    assert (await get(hub, "/metrics", Authorization="Bearer wrong")).status == 403
    assert (await get(hub, "/metrics", Authorization=f"Bearer {person_token}")).status == 403
    allowed = await get(hub, "/metrics", Authorization=f"Bearer {METRICS_TOKEN}",
                        X_Forwarded_For="203.0.113.9")  # the token is enough, proxied or not
    assert allowed.status == 200 and b"triage_open_connections" in allowed.body
    assert METRICS_TOKEN.encode() not in allowed.body
    assert (await get(hub, "/health")).status == 200  # /health stays open


async def test_two_hubs_in_one_process_keep_their_own_counts(make_hub, wires):
    first = await make_hub()
    second = await make_hub()
    _, token = await first.add_person(name="Ann Agent", zips=[ZIP])
    await connect(first, token, wires, "ann")
    assert value((await get(first, "/metrics")).samples(), "triage_open_connections") == 1
    assert value((await get(second, "/metrics")).samples(), "triage_open_connections") == 0


# ---------------------------------------------------------------------------- the handshake


async def test_websocket_handshakes_still_need_a_token(make_hub, wires):
    hub = await make_hub(allowed_origins=("https://desk.example.com",))
    _, token = await hub.add_person(name="Ann Agent", zips=[ZIP])
    with pytest.raises(InvalidStatus) as refused:
        async with ws_connect(hub.url):
            pass
    assert refused.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as foreign:
        async with ws_connect(hub.url, origin="https://evil.example",  # type: ignore[arg-type]
                              additional_headers={"Authorization": f"Bearer {token}"}):
            pass
    assert foreign.value.response.status_code == 403
    ann = await connect(hub, token, wires, "ann")
    assert ann.hello_result["person"]["name"] == "Ann Agent"
    # a plain GET elsewhere is still a handshake: no token, 401 (not a health answer)
    assert (await get(hub, "/")).status == 401
