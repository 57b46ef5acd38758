"""Pictures of the agent search screen (results and a profile) and the concierge's dry run, fed
fixed hub answers (no hub, fixed clock)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.protocol import PersonView
from tests.tui.sample import NOW
from tests.tui.test_snapshots import SIZES, fixed_app, load
from tui.hub.messages import HelloReceived

CARDS = [
    {"id": "P-ANA", "name": "Ana Ruiz", "brokerage": "Casa Realty", "city": "Austin",
     "zips": ["78701", "78703"], "sponsored_zips": ["78701"], "specializations": ["luxury", "relocation"],
     "languages": ["Spanish", "English"], "years_experience": 12, "closed_referrals": 9,
     "median_response_seconds": 252.0, "rank_score": 91.0, "available": True, "distance_miles": 0.0,
     "score": 100.0},
    {"id": "P-BEN", "name": "Ben Ortiz", "brokerage": "Casa Realty", "city": "Austin",
     "zips": ["78702"], "specializations": ["residential"], "languages": ["Spanish"],
     "years_experience": 3, "closed_referrals": 1, "median_response_seconds": 4210.0,
     "rank_score": 64.0, "available": False, "distance_miles": 2.1, "score": 100.0},
    {"id": "P-LEE", "name": "Lee Park", "brokerage": "Hill Country Realty", "city": "Round Rock",
     "zips": ["78664", "78665", "78681", "78717", "78728"], "specializations": ["residential"],
     "languages": ["English", "Korean"], "years_experience": 7, "closed_referrals": 0,
     "rank_score": 55.0, "available": True, "distance_miles": 17.4, "score": 100.0},
]

DRY_RUN = {
    "zip": "78701", "at": NOW.isoformat(),
    "agents": [
        {"agent": {"id": "P-ANA", "name": "Ana Ruiz", "brokerage": "Casa Realty"}, "eligible": True,
         "order": 1, "reason": "rank 91, last offer 5.8 h ago"},
        {"agent": {"id": "P-DANA", "name": "Dana Cole", "brokerage": "Lone Star Realty"}, "eligible": True,
         "order": 2, "reason": "rank 80, last offer 20 min ago"},
        {"agent": {"id": "P-BEN", "name": "Ben Ortiz", "brokerage": "Casa Realty"}, "eligible": False,
         "reason": "outside working hours (09:00-17:00 America/Chicago)"},
        {"agent": {"id": "P-PIA", "name": "Pia Lund", "brokerage": "Keller Partners"}, "eligible": False,
         "reason": "paused offers"},
    ],
}


@pytest.mark.parametrize("size", SIZES)
def test_agent_search(snap_compare, size) -> None:
    app = fixed_app({"agents.search": {"agents": CARDS}})

    async def search(pilot) -> None:
        await load(pilot)
        await pilot.press("g")
        await pilot.pause()
        await pilot.press(*"casa")
        pilot.app.screen.query_one("#agent-zip").value = "78701"
        pilot.app.screen.query_one("#agent-text").focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("space")  # choose Ana
        await pilot.press("down")  # Ben's profile
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=search)


@pytest.mark.parametrize("size", SIZES)
def test_dry_run(snap_compare, size) -> None:
    app = fixed_app({"routing.dry_run": DRY_RUN})

    async def dry_run(pilot) -> None:
        await load(pilot)
        desk = PersonView(id="P-DESK", name="Routing Desk", roles=["concierge"])
        pilot.app.session.receive(HelloReceived(desk, timedelta(0)))
        await pilot.pause()
        await pilot.press("D")
        await pilot.pause()
        await pilot.press(*"78701", "enter")
        await pilot.pause()
        await pilot.pause()
        pilot.app.screen.query_one("#dryrun-table").focus()
        await pilot.press("down", "down")  # Ben: his whole reason under the table
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=dry_run)
