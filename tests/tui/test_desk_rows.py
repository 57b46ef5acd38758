"""What the desk board's rows say and which columns fit: who holds an appointment in words, and
columns dropped by priority at 80 columns, never one with an empty header over nothing."""

from __future__ import annotations

from tests.tui.sample import NOW
from tests.tui.test_snapshots_desk import board
from tui.desk.board_rows import CELL_PADDING, cells, fitting, holder_text


def test_who_holds_an_appointment_in_words() -> None:
    ranked, _, opened, waiting = board().appointments
    assert holder_text(ranked) == "Dana Cole"
    assert holder_text(opened) == "open to 5 agents"
    assert holder_text(waiting) == "waiting: no one available"
    assert cells("appointments", ranked, NOW)["left"].plain == "0:45"
    assert cells("appointments", waiting, NOW)["left"].plain == ""


def test_the_last_minute_reads_loudest_without_colour_as_in_the_inbox() -> None:
    ranked, soon, _, _ = board().appointments  # 0:45 left, and 4:10
    last_minute = cells("appointments", ranked, NOW)["left"].style  # no theme: NO_COLOR
    under_five = cells("appointments", soon, NOW)["left"].style
    assert last_minute.reverse and last_minute.bold
    assert under_five.bold and not under_five.reverse


def test_80_columns_keep_the_clock_the_holder_passes_and_next_in_line() -> None:
    rows = board().appointments
    shown = fitting("appointments", rows, 78, NOW)
    assert [c.key for c in shown] == ["left", "id", "holder", "passes", "next"]
    assert sum(c.width + CELL_PADDING for c in shown) <= 78
    wide = [c.key for c in fitting("appointments", rows, 158, NOW)]
    assert wide == ["left", "id", "holder", "area", "passes", "next", "lead", "phase"]


def test_a_column_no_row_fills_is_left_out() -> None:
    _, _, opened, waiting = board().appointments
    keys = [c.key for c in fitting("appointments", [waiting], 158, NOW)]
    assert "left" not in keys and "next" not in keys  # no clock, no one next: no header over nothing
    assert "next" not in [c.key for c in fitting("appointments", [opened], 158, NOW)]
