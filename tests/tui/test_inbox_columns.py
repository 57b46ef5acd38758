"""The inbox's columns fit the width the table really has (the scrollbar and the detail pane
taken off): the least needed columns are left out whole, header and values together, so no
header ever stands over blanks and no value is shown cut ("$1.02" of "$1.025M")."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from shared.protocol import InboxResult
from tests.tui.conftest import visible_text
from tests.tui.sample import ME, inbox
from tests.tui.test_snapshots import fixed_app
from tui.hub.messages import HelloReceived, InboxLoaded, LinkChanged
from tui.inbox.cells import COLUMNS

LABELS = [label for _, label, _ in COLUMNS]


def many(count: int = 40) -> InboxResult:
    """The sample inbox, each referral copied until the table needs a scrollbar at 80x24; one
    price of 11 characters ("$1.25–1.75M")."""
    result = inbox()
    offered = [view for view in result.referrals if view.offer is not None]  # sorted first
    rest = [view for view in result.referrals if view.offer is None]
    rows = list(offered)
    for n in range(count):
        view = rest[n % len(rest)]
        changes = {"id": f"{view.id}-{n}"}
        if view.id == "RAGENT4":
            changes |= {"price_min": 1_250_000, "price_max": 1_750_000}
        rows.append(msgspec.structs.replace(view, **changes))
    return msgspec.structs.replace(result, referrals=rows)


async def load_many(pilot) -> None:
    session = pilot.app.session
    await pilot.pause()
    session.receive(HelloReceived(ME, timedelta(0)))
    session.receive(LinkChanged("connected", ME.name))
    session.receive(InboxLoaded(many()))
    await pilot.pause()
    await pilot.pause()


def columns_shown(text: str) -> dict[str, tuple[int, int]]:
    """Each header shown, and the span of the line it heads (up to the next header)."""
    header = text.splitlines()[0]
    found = sorted((header.index(label), label) for label in LABELS if label in header)
    starts = [0 if label == "Left" else at for at, label in found]  # "Left" is right-aligned
    ends = starts[1:] + [len(header)]
    return {label: (start, end) for (_, label), start, end in zip(found, starts, ends, strict=True)}


def assert_every_header_has_values(text: str) -> dict[str, tuple[int, int]]:
    shown = columns_shown(text)
    rows = [line for line in text.splitlines()[1:] if line.strip()]
    assert rows
    for label, (start, end) in shown.items():
        assert any(line[start:end].strip() for line in rows), f"{label} heads an empty column:\n{text}"
    return shown


@pytest.mark.parametrize("size", [(80, 24), (74, 24), (100, 30), (200, 60)])
async def test_every_header_shown_has_values_under_it(size) -> None:
    app = fixed_app()
    async with app.run_test(size=size) as pilot:
        await load_many(pilot)
        table = app.inbox.table
        assert table.show_vertical_scrollbar or size[1] > 44  # it takes two columns
        assert not table.show_horizontal_scrollbar  # what does not fit is left out, not scrolled to
        shown = assert_every_header_has_values(visible_text(table))
        assert {"Left", "Status", "Client", "Area"} <= set(shown)
        if size[0] >= 80:
            assert "Price" in shown and "$1.25–1.75M" in visible_text(table)  # whole


async def test_with_the_detail_open_at_120_columns_area_has_its_values() -> None:
    app = fixed_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await load_many(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert app.inbox.detail_open
        text = visible_text(app.inbox.table)
        shown = assert_every_header_has_values(text)
        assert "Area" in shown
        assert "Round Rock 78664" in text
