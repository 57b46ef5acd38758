"""Several hubs, one database: two real hubs on loopback sharing one SQLite file. The app moves
from a stopped hub to the other with nothing missed, and fills a hole in its sequence that a
hub cannot push (the other hub committed the event) by asking its own hub again. Its connection
line names the hub it is on, at every width.

The tests need no pushes from one hub to another's clients: what one hub committed reaches the
app through the other's replay of the person's sequence, which both read from the file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timezone
from pathlib import Path

import pytest

from tests.tui.conftest import LiveHub, Posted, wait_for
from tests.tui.test_live_hub import APPOINTMENT, connected
from tui.app import TriageApp, make_app
from tui.hub.messages import LinkChanged, ReferralUpserted
from tui.hub.urls import hub_name


class Hubs:
    """Two hubs on one SQLite file, each stopped once (by the test or at the end)."""

    def __init__(self, path: Path) -> None:
        from server.hub import Hub
        from server.settings import HubSettings

        def settings() -> HubSettings:
            return HubSettings(db_url=f"sqlite+aiosqlite:///{path}", host="127.0.0.1", port=0,
                               claim_window_seconds=1800)

        self.hubs = [Hub(settings()), Hub(settings())]
        self.running: set[int] = set()

    async def start(self) -> tuple[LiveHub, LiveHub]:
        for index, hub in enumerate(self.hubs):  # one after the other: the first migrates
            await hub.start()
            self.running.add(index)
        a, b = (LiveHub(hub, hub.url) for hub in self.hubs)
        return a, b

    async def stop(self, live: LiveHub) -> None:
        index = self.hubs.index(live.hub)
        if index in self.running:
            self.running.discard(index)
            await live.hub.stop()

    async def stop_all(self) -> None:
        for index in sorted(self.running):
            await self.hubs[index].stop()
        self.running.clear()


@pytest.fixture
async def two_hubs(tmp_path: Path) -> AsyncIterator[tuple[Hubs, LiveHub, LiveHub]]:
    pytest.importorskip("server.hub")
    hubs = Hubs(tmp_path / "shared.sqlite3")
    a, b = await hubs.start()
    try:
        yield hubs, a, b
    finally:
        await hubs.stop_all()


async def last_seq_of(hub: LiveHub, person_id: str) -> int:
    """The person's latest sequence number, as the shared database holds it."""
    from server.storage.models import Person

    async with hub.hub.read() as session:
        person = await session.get(Person, person_id, populate_existing=True)
        return person.last_seq


def appointment(first_name: str) -> dict:
    return {**APPOINTMENT, "first_name": first_name}


def the_app(urls: list[str], token: str) -> TriageApp:
    return make_app(urls, token, tz=timezone.utc, watch_terminal=False)


async def test_a_stopped_hub_hands_the_app_over_to_the_next_with_nothing_missed(two_hubs) -> None:
    hubs, a, b = two_hubs
    desk, _ = await a.person("Routing Desk", ["concierge"])
    dana, token = await a.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    app = the_app([a.url, b.url], token)
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await connected(pilot, app)
        assert app.session.url == a.url
        assert f"connected to {hub_name(a.url)} as Dana Cole" in app.inbox.line.describe()
        first = await a.submit(desk, **appointment("Ann"))
        await wait_for(pilot, lambda: first in app.inbox.table.referrals)

        # A commits one more and dies before its push leaves: the app never hears of it from A.
        a.hub.registry.push = lambda pushes: None
        lost = await a.submit(desk, **appointment("Bo"))
        await hubs.stop(a)
        meanwhile = await b.submit(desk, **appointment("Cy"))  # while the app moves over, or after

        every = {first, lost, meanwhile}
        await wait_for(pilot, lambda: every <= set(app.inbox.table.referrals), timeout=15)
        await wait_for(pilot, lambda: app.inbox.line.state == "connected")
        assert app.session.url == b.url
        assert f"connected to {hub_name(b.url)} as Dana Cole" in app.inbox.line.describe()
        later = await b.submit(desk, **appointment("Di"))  # pushed live by B
        await wait_for(pilot, lambda: later in app.inbox.table.referrals)

        assert set(app.inbox.table.referrals) == {first, lost, meanwhile, later}
        assert app.session.last_seq == await last_seq_of(b, dana)
        seqs = [m.seq for m in posted.of(ReferralUpserted)]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        states = [m.state for m in posted.of(LinkChanged)]
        assert "reconnecting" not in states  # B was tried at once: no backoff on the way


async def test_a_hole_in_the_sequence_is_filled_from_the_same_hub(two_hubs) -> None:
    """The app is on A. B commits an event for Dana (pushed to nobody: she is not on B), then A
    commits the next: the app sees a hole, asks A again (hello since=the last applied) and A
    replays both, from the shared database, without dropping the connection."""
    _, a, b = two_hubs
    desk, _ = await a.person("Routing Desk", ["concierge"])
    dana, token = await a.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    app = the_app([a.url], token)
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await connected(pilot, app)
        first = await a.submit(desk, **appointment("Ann"))
        await wait_for(pilot, lambda: first in app.inbox.table.referrals)
        before = app.session.last_seq

        unseen = await b.submit(desk, **appointment("Bo"))  # B pushes it to no one
        after = await a.submit(desk, **appointment("Cy"))  # A pushes this one: seq unseen + 1

        await wait_for(pilot, lambda: {unseen, after} <= set(app.inbox.table.referrals))
        assert set(app.inbox.table.referrals) == {first, unseen, after}
        assert app.session.last_seq == await last_seq_of(a, dana) > before
        seqs = [m.seq for m in posted.of(ReferralUpserted)]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # applied in order, no hole
        assert [m.state for m in posted.of(LinkChanged)] == ["connecting", "connected"]
        assert app.inbox.line.state == "connected"


# ------------------------------------------------------------ the line names the hub


LONG = "wss://hub-east-1.referrals.example.com:8765"
LONGER = "wss://triage-hub-east-1.production.referrals.internal.example.com:8765"


WHOLE = "connected to hub-east-1.referrals.example.com:8765 as Dana Cole · 6 referrals"


@pytest.mark.parametrize("size, url, shown", [
    ((160, 48), LONG, WHOLE),
    ((80, 24), LONG, WHOLE),  # 77 columns: it fits
    ((80, 24), LONGER, "triage-hub-east-1.production.referrals.interna…:8765 · Dana Cole · "
                       "6 referrals"),
    ((60, 24), LONG, "hub-east-1.referrals.examp…:8765 · Dana Cole · 6 referrals"),
    ((60, 24), "ws://hub-b:8765", "connected to hub-b:8765 as Dana Cole · 6 referrals"),
])
async def test_the_line_names_the_hub_at_every_width(size, url: str, shown: str) -> None:
    """Words go first, then the end of the host name; the port, the person and the count stay."""
    from tests.tui.sample import NOW
    from tests.tui.test_snapshots import load
    from tui.hub.session import HubSession

    app = make_app(session=HubSession(["ws://hub.test:8765", url], "t", lambda: NOW),
                   tz=timezone.utc, connect=False, watch_terminal=False)
    async with app.run_test(size=size) as pilot:
        await load(pilot)  # connected to the first hub
        line = app.inbox.line
        assert line.describe() == "connected to hub.test:8765 as Dana Cole · 6 referrals"
        app.session.receive(LinkChanged("connected", "Dana Cole", hub=url))  # moved to the second
        await pilot.pause()
        assert line.describe() == shown
        assert len(shown) <= line.content_size.width == size[0] - 2  # within its padding
        assert str(line.render()) == shown  # what it shows
