"""Reports: referrals received and sent per week as a chart, and the figures of docs/reports.md
(rates, median time to claim, fees) as a table. A concierge can switch to the whole desk."""

from __future__ import annotations

import math

import msgspec
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from shared.protocol import HubError, ReportFees, ReportResult
from tui.services import services
from tui.widgets.keys_footer import KeysFooter


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = round(seconds)
    return f"{s // 3600}h {s % 3600 // 60:02d}m {s % 60:02d}s" if s >= 3600 else f"{s // 60}m {s % 60:02d}s"


def fees(f: ReportFees) -> str:
    mean = "-" if f.mean_fee_percent is None else f"{f.mean_fee_percent:g}%"
    return f"{f.fee_sent} fee sent, {f.fee_received} received, mean {mean}"


def invoices(f: ReportFees) -> str:
    """On a line of their own: beside the fees the line was cut on a narrow terminal."""
    return f"{f.invoices} invoice{'' if f.invoices == 1 else 's'}, {f.invoice_amount:,.2f} in all"


def figures(r: ReportResult) -> list[tuple[str, str, str]]:
    """(key, label, value) for each figure, as `triage report` words them."""
    return [
        ("received", "received", str(r.received)),
        ("sent", "sent", str(r.sent)),
        ("interest", "interest rate", f"{percent(r.interest_rate)} ({r.interested} of {r.asked} recipients)"),
        ("acceptance", "acceptance rate",
         f"{percent(r.acceptance_rate)} ({r.accepted} of {r.sent_agent} agent referrals)"),
        ("conversion", "conversion to closed", f"{percent(r.conversion_rate)} ({r.closed} of {r.awarded} awarded)"),
        ("claim", "time to claim (median)", f"{duration(r.median_claim_seconds)} ({r.claims} claims)"),
        ("earned", "fees earned", fees(r.earned)),
        ("owed", "fees owed", fees(r.owed)),
        ("invoiced", "invoices earned", invoices(r.earned)),
        ("billed", "invoices owed", invoices(r.owed)),
    ]


def heading(r: ReportResult) -> str:
    who = "Whole desk" if r.scope == "desk" else (r.person.name if r.person else "Me")
    return f"Report · {who} · {r.since:%Y-%m-%d} to {r.until:%Y-%m-%d %H:%M} UTC"


RATES = (("conversion", "conversion_rate"), ("acceptance", "acceptance_rate"), ("interest", "interest_rate"))


def rate_bars(r: ReportResult) -> tuple[list[str], list[float]]:
    """The rate chart's bars, in percent (a rate with nothing to divide by shows as "n/a" at 0)."""
    labels, values = [], []
    for label, field in RATES:
        value = getattr(r, field)
        percent = round(value * 100, 1) if value is not None else 0.0
        labels.append(f"{label} {percent:g}%" if value is not None else f"{label} n/a")
        values.append(percent)
    return labels, values


class ReportsScreen(Screen[None]):
    """Two charts (referrals per week; interest, acceptance and conversion rates) side by side
    on a wide terminal, one at a time on a narrow one (`c` switches); the figures below."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    BINDINGS = [
        Binding("escape", "close", "Close", id="reports.close"),
        Binding("d", "toggle_desk", "Desk/me", id="reports.desk"),
        Binding("c", "switch_chart", "Chart", id="reports.chart"),
        Binding("f5", "reload", "Reload", id="reports.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.scope = "me"
        self.report: ReportResult | None = None

    def compose(self) -> ComposeResult:
        yield Static("Report · loading…", id="reports-title")
        with Horizontal(id="reports-charts"):
            yield PlotextPlot(id="reports-chart")
            yield PlotextPlot(id="reports-rates", classes="-off")
        yield DataTable(id="reports-figures", cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    @property
    def concierge(self) -> bool:
        return "concierge" in services(self).session.roles

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("figure", key="figure")
        table.add_column("value", key="value")
        self.load()

    def on_resize(self) -> None:
        if self.report is not None:
            # the week labels thin out on a narrow chart; measure it once the new layout is done
            self.call_after_refresh(self.draw_chart, self.report)

    def action_switch_chart(self) -> None:
        """On a narrow terminal, show the other chart (a wide one shows both)."""
        for chart in self.query(PlotextPlot):
            chart.toggle_class("-off")

    def action_toggle_desk(self) -> None:
        if not self.concierge:  # only the concierge may see the desk: say so, not nothing
            self.notify("The whole desk's report is for the concierge; this one is yours.",
                        title="Desk report", severity="warning")
            return
        self.scope = "me" if self.scope == "desk" else "desk"
        self.load()

    def action_reload(self) -> None:
        self.load()

    def action_close(self) -> None:
        self.dismiss()

    @work(exclusive=True, group="report", exit_on_error=False)
    async def load(self) -> None:
        try:
            raw = await services(self).session.request("report", scope=self.scope)
        except HubError as exc:
            self.query_one("#reports-title", Static).update(f"Report · could not load: {exc.message}")
            return
        self.show(msgspec.convert(raw, ReportResult))

    def show(self, report: ReportResult) -> None:
        self.report = report
        self.query_one("#reports-title", Static).update(heading(report))
        table = self.query_one(DataTable)
        with self.app.batch_update():
            for key, label, value in figures(report):
                if key in table.rows:
                    table.update_cell(key, "value", value)
                else:
                    table.add_row(label, value, key=key)
        self.draw_chart(report)

    def draw_chart(self, report: ReportResult) -> None:
        chart = self.query_one(PlotextPlot)
        plt = chart.plt
        plt.clear_figure()
        weeks = report.weeks
        if weeks:
            xs = list(range(1, len(weeks) + 1))
            plt.plot(xs, [w.received for w in weeks], label="received", marker="braille")
            plt.plot(xs, [w.sent for w in weeks], label="sent", marker="braille")
            # a label is 5 columns; give each 8 so neighbours never collide (plotext would
            # then nudge one of them, differently from run to run)
            width = (chart.size.width or self.app.size.width) - 8
            step = max(1, math.ceil(len(weeks) * 8 / max(1, width)))
            plt.xticks(xs[::step], [f"{w.start:%m-%d}" for w in weeks][::step])
            top = max(max(w.received, w.sent) for w in weeks)
            plt.yticks(list(range(0, top + 1, max(1, top // 4))))
            plt.ylim(0, max(1, top))
        plt.title("Referrals per week")
        chart.refresh()
        self.draw_rates(report)

    def draw_rates(self, report: ReportResult) -> None:
        chart = self.query_one("#reports-rates", PlotextPlot)
        plt = chart.plt
        plt.clear_figure()
        labels, values = rate_bars(report)
        plt.bar(labels, values, orientation="horizontal", width=0.4)
        plt.xlim(0, 100)
        plt.xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        plt.title("Rates")
        chart.refresh()
