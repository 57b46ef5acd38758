"""The outbound form against a real hub, and the inbox filter and views without one."""

from __future__ import annotations

from datetime import timezone

from textual.widgets import Input, Label, SelectionList

from shared.protocol import PersonRef, ReferralView
from tests.tui.conftest import LiveHub, Posted, raw_request, wait_for
from tests.tui.sample import NOW
from tests.tui.test_live_hub import agent_app, connected
from tests.tui.test_snapshots import load
from tui.app import make_app
from tui.hub.messages import ReferralUpserted
from tui.screens.outbound_form import OutboundForm, parse_price
from tui.widgets.agent_search import AgentSearch


def test_parse_price() -> None:
    assert parse_price("450k") == 450_000
    assert parse_price("$1,200,000") == 1_200_000
    assert parse_price("1.2m") == 1_200_000
    assert parse_price("") is None


async def test_outbound_form_sends_a_private_referral(live_hub: LiveHub) -> None:
    sam, sam_token = await live_hub.person("Sam Sender", ["agent"], ["78701"])
    rita, rita_token = await live_hub.person("Rita Receiver", ["agent"], ["80202"])
    for surname in ("Alvarez", "Brooks", "Chen", "Diaz", "Evans", "Ford"):  # a search finds seven
        await live_hub.person(f"Rita {surname}", ["agent"], ["80203"])
    app = agent_app(live_hub, sam_token)
    posted = Posted()
    async with app.run_test(size=(80, 24), message_hook=posted) as pilot:
        await connected(pilot, app)
        await pilot.press("n")
        form = await wait_for(pilot, lambda: isinstance(app.screen, OutboundForm) and app.screen)
        await pilot.press(*"Zoe")
        for field, value in (("last_name", "Quinn"), ("email", "zoe@example.com"), ("city", "Denver"),
                             ("zip", "80202"), ("price_min", "300k"), ("price_max", "450k")):
            form.query_one(f"#f-{field}", Input).value = value
        # send without a receiver: refused next to the form, nothing lost
        await pilot.press("ctrl+s")
        error = form.query_one("#form-error", Label)
        await wait_for(pilot, lambda: "receiver" in str(error.render()))
        assert form.query_one("#f-email", Input).value == "zoe@example.com"
        # bad price: the form says which field
        form.query_one("#f-price_max", Input).value = "lots"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Price max" in str(error.render()))
        form.query_one("#f-price_max", Input).value = "450k"
        search = form.query_one(AgentSearch)
        search.query_one("#agent-text", Input).focus()
        await pilot.press(*"rita", "enter")
        await wait_for(pilot, lambda: rita in search.cards)
        results = search.query_one(SelectionList)
        # the form scrolls the whole results box, grown to seven rows, into view at 80x24
        body = form.query_one("#form-body")
        await wait_for(pilot, lambda: results.has_focus and body.region.contains_region(results.region))
        results.select(rita)
        await wait_for(pilot, lambda: rita in search.chosen)
        # the hub's validation error shows next to the form; nothing typed is lost
        form.query_one("#f-zip", Input).value = "8020"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "zip must be a 5-digit" in str(error.render()))
        assert isinstance(app.screen, OutboundForm) and rita in search.chosen
        assert form.query_one("#f-last_name", Input).value == "Quinn"
        form.query_one("#f-zip", Input).value = "80202"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, OutboundForm))
        assert [m.referral.client_name for m in posted.of(OutboundForm.Saved)] == ["Zoe Quinn"]
        sent = await wait_for(pilot, lambda: [v for v in app.inbox.table.referrals.values()
                                              if v.client_name.startswith("Zoe")])
        assert len(sent) == 1 and sent[0].status == "new" and sent[0].mode == "private"
        assert sent[0].price_min == 300_000
        inbox = await raw_request(live_hub.url, rita_token, "inbox", {})
        assert sent[0].id in [v["id"] for v in inbox["result"]["referrals"]]


async def test_outbound_form_saves_a_draft(live_hub: LiveHub) -> None:
    _, sam_token = await live_hub.person("Sam Sender", ["agent"], ["78701"])
    app = agent_app(live_hub, sam_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await connected(pilot, app)
        await pilot.press("n")
        form = await wait_for(pilot, lambda: isinstance(app.screen, OutboundForm) and app.screen)
        await pilot.press(*"Ivy")
        form.query_one("#f-zip", Input).value = "78701"
        await pilot.press("f2")
        await wait_for(pilot, lambda: not isinstance(app.screen, OutboundForm))
        await wait_for(pilot, lambda: [v.status for v in app.inbox.table.referrals.values()] == ["draft"])
        await pilot.press("3")  # outbound: the draft is ours
        assert len(app.inbox.table.shown) == 1
        await pilot.press("2")  # inbound: nothing from others
        assert len(app.inbox.table.shown) == 0


def fixed_app():
    return make_app("ws://hub.test", "t", clock=lambda: NOW, tz=timezone.utc, connect=False,
                    watch_terminal=False)


async def test_slash_filters_rows_and_live_updates_keep_the_filter() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await load(pilot)
        table = app.inbox.table
        assert table.row_count == 6
        await pilot.press("slash", *"round")
        await wait_for(pilot, lambda: table.row_count == 1)
        assert table.shown == {"RAPPT03"}
        await pilot.press("enter")  # keep the filter, back to the table
        assert app.focused is table
        # a live change to a filtered-out row: updated by key, still not shown
        view = table.referrals["RAGENT4"]
        app.session.receive(ReferralUpserted(ReferralView(**{**{f: getattr(view, f) for f in view.__struct_fields__},
                                                          "city": "Austin"}), 11))
        await pilot.pause()
        assert table.row_count == 1 and "RAGENT4" in table.referrals
        # a new matching referral arrives: added without a rebuild
        new = ReferralView(id="RNEW007", kind="agent", status="new", visibility="masked",
                           created_at=NOW, updated_at=NOW, city="Round Rock", zip="78664",
                           sender=PersonRef(id="P-SAM", name="Sam Ortiz"))
        app.session.receive(ReferralUpserted(new, 12))
        await wait_for(pilot, lambda: table.shown == {"RAPPT03", "RNEW007"})
        await pilot.press("slash", "escape")  # clears the filter
        await wait_for(pilot, lambda: table.row_count == 7)
        await pilot.press("slash", *"kind:agent status:new")
        await wait_for(pilot, lambda: table.shown == {"RAGENT4", "RNEW007"})
        await pilot.press("enter", "4")  # archived view: none of these
        assert table.row_count == 0
        await pilot.press("1")
        assert table.row_count == 2
