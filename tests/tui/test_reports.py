"""The reports screen against a real hub: it shows the figures the `report` op returns."""

from __future__ import annotations

import msgspec
import pytest
from textual.widgets import DataTable, Static

from shared.protocol import ReportResult
from tests.tui.conftest import LiveHub, Posted, raw_request, visible_text, wait_for
from tests.tui.test_live_hub import APPOINTMENT, agent_app, connected
from tui.screens.reports_screen import ReportsScreen, figures


def shown(screen: ReportsScreen) -> dict[str, str]:
    table = screen.query_one(DataTable)
    return {str(key.value): str(table.get_cell(key, "value")) for key in table.rows}


async def open_reports(pilot, app) -> ReportsScreen:
    await pilot.press("R")
    screen = await wait_for(pilot, lambda: isinstance(app.screen, ReportsScreen) and app.screen)
    await wait_for(pilot, lambda: screen.report is not None)
    return screen


async def test_the_screen_shows_the_hubs_figures(live_hub: LiveHub) -> None:
    desk, _ = await live_hub.person("Routing Desk", ["concierge"])
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    app = agent_app(live_hub, token)
    posted = Posted()
    async with app.run_test(size=(100, 40), message_hook=posted) as pilot:
        await connected(pilot, app)
        ref = await live_hub.submit(desk, **APPOINTMENT)
        await wait_for(pilot, lambda: ref in app.inbox.table.referrals)
        await pilot.press("a")
        await wait_for(pilot, lambda: app.inbox.table.referrals[ref].status == "awarded")
        screen = await open_reports(pilot, app)
        frame = await raw_request(live_hub.url, token, "report", {"scope": "me"})
        report = msgspec.convert(frame["result"], ReportResult)
        assert report.received == 1 and report.claims == 1
        assert shown(screen) == {key: value for key, _, value in figures(report)}
        assert "Dana Cole" in str(screen.query_one("#reports-title", Static).content)
        await pilot.press("d")  # not a concierge: no desk, and the person is told why
        await wait_for(pilot, lambda: posted.toasted(lambda n: "for the concierge" in n.message))
        assert screen.scope == "me"


async def test_a_concierge_switches_to_the_desk(live_hub: LiveHub) -> None:
    desk, desk_token = await live_hub.person("Routing Desk", ["concierge"])
    await live_hub.person("Dana Cole", ["agent"], ["78701"], rank_score=80)
    await live_hub.submit(desk, **APPOINTMENT)
    app = agent_app(live_hub, desk_token)
    async with app.run_test(size=(100, 40)) as pilot:
        await connected(pilot, app)
        screen = await open_reports(pilot, app)
        assert screen.report.scope == "me"
        await pilot.press("d")
        await wait_for(pilot, lambda: screen.report.scope == "desk")
        frame = await raw_request(live_hub.url, desk_token, "report", {"scope": "desk"})
        report = msgspec.convert(frame["result"], ReportResult)
        assert shown(screen) == {key: value for key, _, value in figures(report)}
        assert "Whole desk" in str(screen.query_one("#reports-title", Static).content)


def test_new_keys_have_ids_and_descriptions() -> None:
    from tui.app import TriageApp
    from tui.screens.settings_screen import SettingsScreen

    for owner in (TriageApp, ReportsScreen, SettingsScreen):
        for binding in owner.BINDINGS:
            assert binding.id and binding.description, binding
    ids = {binding.id for binding in TriageApp.BINDINGS}
    assert {"app.settings", "app.reports"} <= ids


async def test_the_rates_chart_beside_or_instead_of_the_weekly_one(live_hub: LiveHub) -> None:
    _, token = await live_hub.person("Dana Cole", ["agent"], ["78701"])
    app = agent_app(live_hub, token)
    async with app.run_test(size=(100, 40)) as pilot:
        await connected(pilot, app)
        screen = await open_reports(pilot, app)
        weekly, rates = screen.query_one("#reports-chart"), screen.query_one("#reports-rates")
        assert weekly.display and not rates.display  # narrow: one chart at a time
        await pilot.press("c")
        await wait_for(pilot, lambda: rates.display and not weekly.display)
        await pilot.resize_terminal(160, 48)
        await wait_for(pilot, lambda: rates.display and weekly.display)  # wide: both


def test_rate_bars_are_percent_and_say_when_there_is_nothing_to_rate() -> None:
    from tui.screens.reports_screen import rate_bars

    report = msgspec.convert(
        {"scope": "me", "person": None, "since": "2026-01-01T00:00:00Z", "until": "2026-02-01T00:00:00Z",
         "weeks": [], "received": 3, "sent": 2, "asked": 4, "interested": 1, "interest_rate": 0.25,
         "sent_agent": 2, "accepted": 1, "acceptance_rate": 0.5, "awarded": 0, "closed": 0,
         "conversion_rate": None, "claims": 0, "median_claim_seconds": None,
         "earned": {"fee_sent": 0, "fee_received": 0, "mean_fee_percent": None, "invoices": 0,
                    "invoice_amount": 0.0},
         "owed": {"fee_sent": 0, "fee_received": 0, "mean_fee_percent": None, "invoices": 0,
                  "invoice_amount": 0.0}}, ReportResult)
    assert rate_bars(report) == (["conversion n/a", "acceptance 50%", "interest 25%"], [0.0, 50.0, 25.0])


@pytest.mark.parametrize("size", [(80, 24), (120, 24)])
async def test_every_figure_shows_whole(size) -> None:
    from tests.tui.test_snapshots import fixed_app, load
    from tests.tui.test_snapshots_reports import REPORT

    big = msgspec.structs.replace(REPORT, earned=msgspec.structs.replace(
        REPORT.earned, invoices=12, invoice_amount=18_250.0, mean_fee_percent=27.5))
    app = fixed_app({"report": msgspec.to_builtins(big)})
    async with app.run_test(size=size) as pilot:
        await load(pilot)
        screen = await open_reports(pilot, app)
        await pilot.pause()
        text = visible_text(screen.query_one(DataTable))
        for _, label, value in figures(big):
            assert any(label in line and value in line for line in text.splitlines()), (label, value, text)
