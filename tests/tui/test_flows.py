"""Pilot tests of the new panes against a real hub: status moves, threads, pick and sign."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from textual.widgets import OptionList
from websockets.asyncio.client import connect

from tests.tui.conftest import LiveHub, Posted, raw_request, wait_for
from tests.tui.test_live_hub import APPOINTMENT, agent_app, connected
from tui.screens.choice_modal import ChoiceModal
from tui.screens.fee_modal import FeeModal
from tui.screens.reason_modal import ReasonModal
from tui.screens.thread_screen import ThreadScreen

CLIENT = dict(
    kind="agent", first_name="Zoe", last_name="Quinn", email="zoe.quinn@example.com",
    phone="303-555-0101", street="9 Elm St", city="Denver", state="CO", zip="80202",
    price_min=300000, price_max=450000, timeframe="3 months", intent="buy",
)


class RawClient:
    """Another person on a bare websocket: sends ops and collects pushed events."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self.replies: dict[str, dict[str, Any]] = {}
        self.count = 0

    async def read(self) -> None:
        async for raw in self.ws:
            frame = msgspec.json.decode(raw)
            if frame.get("type") == "event":
                self.events.append(frame)
            elif frame.get("id"):
                self.replies[frame["id"]] = frame

    async def request(self, op: str, **args: Any) -> dict[str, Any]:
        self.count += 1
        request_id = f"r{self.count}"
        await self.ws.send(msgspec.json.encode({"id": request_id, "op": op, "args": args}).decode())
        for _ in range(200):
            if request_id in self.replies:
                return self.replies.pop(request_id)
            await asyncio.sleep(0.025)
        raise AssertionError(f"no reply to {op}")


@contextlib.asynccontextmanager
async def raw_client(url: str, token: str) -> AsyncIterator[RawClient]:
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        client = RawClient(ws)
        reader = asyncio.create_task(client.read())
        try:
            await client.request("hello", since=None, client="test")
            yield client
        finally:
            reader.cancel()


async def choose(pilot, app, option_id: str) -> None:
    modal = await wait_for(pilot, lambda: isinstance(app.screen, ChoiceModal) and app.screen)
    options = modal.query_one(OptionList)
    options.highlighted = next(i for i in range(options.option_count)
                               if options.get_option_at_index(i).id == option_id)
    await pilot.press("enter")


async def test_s_moves_an_awarded_appointment_to_working(live_hub: LiveHub) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    app = agent_app(live_hub, token)
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await connected(pilot, app)
        ref = await live_hub.submit(desk, **APPOINTMENT)
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        await pilot.press("a")
        await wait_for(pilot, lambda: app.inbox.table.referrals[ref].status == "awarded")
        await pilot.press("s")
        await choose(pilot, app, "working")
        await wait_for(pilot, lambda: isinstance(app.screen, ReasonModal))
        await pilot.press(*"called her", "enter")
        await wait_for(pilot, lambda: app.inbox.table.get_cell(ref, "status").plain == "working")
        await wait_for(pilot, lambda: posted.toasted(lambda n: n.message == f"Moved {ref} to working"))


async def test_s_without_moves_says_why(live_hub: LiveHub) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    app = agent_app(live_hub, token)
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await connected(pilot, app)
        ref = await live_hub.submit(desk, **APPOINTMENT)
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        await pilot.press("s")
        await wait_for(pilot, lambda: any("No status moves" in n.message and "offered" in n.message
                                          for n in posted.notifications))
        assert not isinstance(app.screen, ChoiceModal)


async def test_m_thread_sends_and_receives_live(live_hub: LiveHub) -> None:
    sam, sam_token = await live_hub.person("Sam Sender", ["agent"], ["78701"])
    rita, rita_token = await live_hub.person("Rita Receiver", ["agent"], ["80202"])
    ref = await live_hub.submit(sam, **CLIENT, mode="private", receivers=[rita])
    # the thread is between the sender and the picked receiver
    assert (await raw_request(live_hub.url, rita_token, "interest", {"id": ref}))["type"] == "reply"
    assert (await raw_request(live_hub.url, sam_token, "pick", {"id": ref, "receiver": rita}))["type"] == "reply"
    app = agent_app(live_hub, sam_token)
    posted = Posted()
    async with raw_client(live_hub.url, rita_token) as other, \
            app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await connected(pilot, app)
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        # a message from Rita while the thread is closed: the unread marker
        sent = await other.request("thread.send", id=ref, body="Is she pre-approved?")
        assert sent["type"] == "reply", sent
        await wait_for(pilot, lambda: app.inbox.table.unread.get(ref) == 1)
        assert "✉ 1" in app.inbox.table.get_cell(ref, "client").plain
        await pilot.press("m")
        thread = await wait_for(pilot, lambda: isinstance(app.screen, ThreadScreen) and app.screen)
        await wait_for(pilot, lambda: len(thread.messages) == 1)
        await wait_for(pilot, lambda: app.inbox.table.unread.get(ref) == 0)  # read: the marker goes
        assert "✉" not in app.inbox.table.get_cell(ref, "client").plain
        assert posted.of(ThreadScreen.Read) == [ThreadScreen.Read(ref)]
        await pilot.press(*"Yes, up to 450k", "enter")
        await wait_for(pilot, lambda: any(e["name"] == "message.new" and e["data"]["body"] == "Yes, up to 450k"
                                          for e in other.events))
        await wait_for(pilot, lambda: len(thread.messages) == 2)
        # live into the open thread
        await other.request("thread.send", id=ref, body="Great, thanks")
        await wait_for(pilot, lambda: any(m.body == "Great, thanks" for m in thread.messages.values()))
        assert app.inbox.table.unread.get(ref, 0) == 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ThreadScreen))
        await wait_for(pilot, lambda: len(posted.of(ThreadScreen.Read)) == 2)  # and once more on leaving


async def test_pick_and_sign_from_the_senders_app_ends_in_awarded(live_hub: LiveHub) -> None:
    sam, sam_token = await live_hub.person("Sam Sender", ["agent"], ["78701"])
    rita, rita_token = await live_hub.person("Rita Receiver", ["agent"], ["80202"])
    ref = await live_hub.submit(sam, **CLIENT, mode="private", receivers=[rita])
    assert (await raw_request(live_hub.url, rita_token, "interest", {"id": ref}))["type"] == "reply"
    app = agent_app(live_hub, sam_token)
    async with app.run_test(size=(160, 48)) as pilot:
        await connected(pilot, app)
        await wait_for(pilot, lambda: "pick" in app.inbox.table.referrals.get(ref, CLIENT_VIEW).actions)
        await pilot.press("enter")
        detail = app.inbox.detail
        await wait_for(pilot, lambda: "Rita Receiver · interested" in detail.as_text(160))
        await pilot.press("p")
        await choose(pilot, app, rita)
        await wait_for(pilot, lambda: isinstance(app.screen, FeeModal))
        await pilot.press("enter")  # the default 25 %
        await wait_for(pilot, lambda: app.inbox.table.referrals[ref].status == "pending")
        reply = await raw_request(live_hub.url, rita_token, "sign", {"id": ref, "fee_percent": 25})
        assert reply["type"] == "reply", reply
        await wait_for(pilot, lambda: "sign" in app.inbox.table.referrals[ref].actions)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, FeeModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.inbox.table.referrals[ref].status == "awarded")
        assert app.inbox.table.get_cell(ref, "status").plain == "awarded"
        await wait_for(pilot, lambda: "sender, receiver" in detail.as_text(160)
                       or "receiver, sender" in detail.as_text(160))


class _NoActions:
    actions: list[str] = []


CLIENT_VIEW: Any = _NoActions()


async def test_vendor_sees_duplicates_rejects_and_archives(live_hub: LiveHub) -> None:
    vendor, token = await live_hub.person("Vera Vendor", ["vendor"])
    partner, _ = await live_hub.person("Pat Partner", ["partner"])
    await live_hub.hub.add_program("acme", "Acme referral program", vendor)
    prospect = dict(kind="partner", program="acme", company="Globex", contact_person="Hank Scorpio",
                    email="hank@globex.example", phone="+1 555 0199", website="globex.example")
    first = await live_hub.submit(partner, **prospect)
    second = await live_hub.submit(partner, **{**prospect, "company": "Globex Intl"})
    app = agent_app(live_hub, token)
    posted = Posted()
    async with app.run_test(size=(160, 48), message_hook=posted) as pilot:
        await connected(pilot, app)
        await wait_for(pilot, lambda: {first, second} <= set(app.inbox.table.referrals))
        dup = app.inbox.table.referrals[second]
        assert dup.duplicate_of == first
        assert app.inbox.table.get_cell(second, "client").plain.startswith("⚠ ")
        assert app.inbox.table.get_cell(second, "intent").plain == "Hank Scorpio"
        table = app.inbox.table
        table.move_cursor(row=table.get_row_index(second))
        await pilot.press("enter")
        await wait_for(pilot, lambda: f"duplicate of {first}" in app.inbox.detail.as_text(160))
        assert "Hank Scorpio" in app.inbox.detail.as_text(160)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ReasonModal))
        await pilot.press(*"duplicate", "enter")
        await wait_for(pilot, lambda: table.referrals[second].status == "rejected")
        table.focus()
        table.move_cursor(row=table.get_row_index(first))
        await pilot.press("A")
        await wait_for(pilot, lambda: table.referrals[first].status == "archived")
        await wait_for(pilot, lambda: posted.toasted(lambda n: n.message == f"Archived {first}"))


async def test_g_finds_an_agent_by_fuzzy_name(live_hub: LiveHub) -> None:
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"])
    await live_hub.person("Leland Parker", ["agent"], ["78702"], brokerage="Hill Country Realty")
    await live_hub.person("Zed Xu", ["agent"], ["10001"])
    app = agent_app(live_hub, token)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot, app)
        await pilot.press("g")
        from tui.screens.agent_search_screen import AgentSearchScreen
        from tui.widgets.agent_search import AgentSearch

        screen = await wait_for(pilot, lambda: isinstance(app.screen, AgentSearchScreen) and app.screen)
        await pilot.press(*"leland parkr", "enter")
        search = screen.query_one(AgentSearch)
        await wait_for(pilot, lambda: search.cards)
        names = [c.name for c in search.cards.values()]
        assert names[0] == "Leland Parker" and "Zed Xu" not in names


async def test_outbound_form_takes_receivers_from_the_g_screen(live_hub: LiveHub) -> None:
    _, token = await live_hub.person("Sam Sender", ["agent"], ["78701"])
    rita, _ = await live_hub.person("Rita Receiver", ["agent"], ["80202"])
    app = agent_app(live_hub, token)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot, app)
        from textual.widgets import SelectionList

        from tui.screens.agent_search_screen import AgentSearchScreen
        from tui.screens.outbound_form import OutboundForm
        from tui.widgets.agent_search import AgentSearch

        await pilot.press("n")
        form = await wait_for(pilot, lambda: isinstance(app.screen, OutboundForm) and app.screen)
        await pilot.press("ctrl+g")
        screen = await wait_for(pilot, lambda: isinstance(app.screen, AgentSearchScreen) and app.screen)
        await pilot.press(*"rita reciever", "enter")
        search = screen.query_one(AgentSearch)
        await wait_for(pilot, lambda: rita in search.cards)
        await pilot.press("space")
        await wait_for(pilot, lambda: rita in search.chosen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is form)
        assert rita in form.query_one(AgentSearch).chosen
        assert rita in form.query_one(AgentSearch).query_one(SelectionList).selected
