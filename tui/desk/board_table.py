"""One section of the desk board as a table updated by key: rows are added, changed in place and
removed as the board changes, the cursor stays on the same referral, and the columns are those
that fit the width (`board_rows.fitting`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from shared.protocol import BoardRow
from tui.desk.board_rows import Section, cells, countdown, fitting


class BoardTable(DataTable[str]):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="board.down"),
        Binding("k", "cursor_up", "Up", show=False, id="board.up"),
    ]

    def __init__(self, section: Section, now: Callable[[], datetime], **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.section = section
        self.now = now
        self.rows_by_id: dict[str, BoardRow] = {}
        self.width_for: Callable[[], int] = lambda: self.app.size.width - 2

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def show(self, rows: list[BoardRow]) -> None:
        """Make the table hold these rows, in this order, changing only what changed."""
        now, theme = self.now(), self.app.current_theme
        keep = self.selected_id
        columns = [c.key for c in fitting(self.section, rows, self.width_for(), now)]
        wanted = {row.id: row for row in rows}
        with self.app.batch_update():
            if columns != [str(key.value) for key in self.columns]:
                self.clear(columns=True)
                for column in fitting(self.section, rows, self.width_for(), now):
                    label = Text(column.label, justify="right" if column.key == "left" else "left")
                    self.add_column(label, width=column.width, key=column.key)
                self.rows_by_id = {}
            for gone in [key for key in self.rows_by_id if key not in wanted]:
                self.remove_row(gone)
                del self.rows_by_id[gone]
            for row in rows:
                shown = cells(self.section, row, now, theme)
                if row.id in self.rows_by_id:
                    for key in columns:
                        self.update_cell(row.id, key, shown[key])
                else:
                    self.add_row(*(shown[key] for key in columns), key=row.id)
                self.rows_by_id[row.id] = row
            order = {row.id: index for index, row in enumerate(rows)}
            if self.row_count > 1 and "id" in columns:
                self.sort("id", key=lambda cell: order.get(cell.plain, len(order)))
            self.rows_by_id = {row.id: row for row in rows}
            if keep is not None and keep in wanted:
                self.move_cursor(row=self.get_row_index(keep), scroll=False)
        self.display = bool(rows)
        # a table sized by its rows: lay the board out again once the new rows are measured
        self.call_after_refresh(self.refresh, layout=True)

    def tick(self) -> None:
        """The countdowns, every second."""
        if "left" not in {str(key.value) for key in self.columns}:
            return
        now, theme = self.now(), self.app.current_theme
        for row in self.rows_by_id.values():
            self.update_cell(row.id, "left", countdown(row, now, theme))
