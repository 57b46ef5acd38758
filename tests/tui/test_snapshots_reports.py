"""Pictures of the reports screen, fed a fixed report (no hub, fixed clock)."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from shared.protocol import ReportFees, ReportResult, ReportWeek
from tests.tui.sample import NOW
from tests.tui.test_snapshots import SIZES, fixed_app, load

SINCE = NOW.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(weeks=12)
COUNTS = [(3, 1), (5, 2), (2, 0), (6, 3), (4, 1), (7, 2), (1, 1), (5, 4), (8, 2), (6, 1), (3, 3), (4, 0)]
REPORT = ReportResult(
    scope="me", person=None, since=SINCE, until=NOW,
    weeks=[ReportWeek(start=SINCE + timedelta(weeks=i), received=r, sent=s) for i, (r, s) in enumerate(COUNTS)],
    received=54, sent=20, asked=30, interested=12, interest_rate=0.4, sent_agent=10, accepted=6,
    acceptance_rate=0.6, awarded=8, closed=3, conversion_rate=0.375, claims=14, median_claim_seconds=312.0,
    earned=ReportFees(fee_sent=2, fee_received=1, mean_fee_percent=25.0, invoices=1, invoice_amount=150.0),
    owed=ReportFees(fee_sent=1, fee_received=0, mean_fee_percent=30.0, invoices=0, invoice_amount=0.0),
)


@pytest.mark.parametrize("size", SIZES)
def test_reports(snap_compare, size) -> None:
    app = fixed_app({"report": msgspec.to_builtins(REPORT)})

    async def open_reports(pilot) -> None:
        await load(pilot)
        await pilot.press("R")
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_reports)
