"""`triage report`: the report figures of docs/reports.md, as an aligned table or JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from triage.common import CliError
from triage.hubclient import add_hub_options, hub_client, token_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="print your report (or the desk's) for a period",
        description="Print the report figures (docs/reports.md) for the person whose token is used, "
        "or for the whole desk with --desk (the concierge only): referrals received and sent per "
        "week, interest and acceptance rates, conversion to closed, speed to lead, fees. The period "
        "defaults to the last 12 weeks.",
    )
    p.add_argument("--desk", action="store_true", help="the whole desk (concierge only)")
    p.add_argument("--since", metavar="DATE", help="start: YYYY-MM-DD or an ISO time (UTC unless given)")
    p.add_argument("--until", metavar="DATE",
                   help="end, exclusive: an ISO time, or YYYY-MM-DD to include that whole day")
    p.add_argument("--format", choices=["table", "json"], default="table", help="output (default table)")
    add_hub_options(p)
    p.set_defaults(func=cmd_report)


def parse_when(value: str | None, *, end: bool = False) -> datetime | None:
    """A UTC datetime from YYYY-MM-DD (its start; with `end`, the next day's start) or ISO time."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), UTC)
        when = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"not a date: {value!r} (expected YYYY-MM-DD or an ISO time)", code=2) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


async def fetch_report(url: str, token: str, desk: bool, since: datetime | None,
                       until: datetime | None) -> dict[str, Any]:
    args: dict[str, Any] = {"scope": "desk" if desk else "me"}
    if since:
        args["since"] = since.isoformat()
    if until:
        args["until"] = until.isoformat()
    async with hub_client(url, token) as client:
        return await client.call("report", args)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = round(seconds)
    return f"{s // 3600}h {s % 3600 // 60:02d}m {s % 60:02d}s" if s >= 3600 else f"{s // 60}m {s % 60:02d}s"


def _fees(f: dict[str, Any]) -> str:
    mean = "-" if f["mean_fee_percent"] is None else f"{f['mean_fee_percent']:g}%"
    return (f"fee_sent {f['fee_sent']}, fee_received {f['fee_received']}, mean fee {mean}; "
            f"invoices {f['invoices']} ({f['invoice_amount']:.2f})")


def _day(iso: str) -> str:
    return iso[:16].replace("T", " ")


def format_table(r: dict[str, Any]) -> str:
    who = "whole desk" if r["scope"] == "desk" else (r.get("person") or {}).get("name", "me")
    figures = [
        ("report", f"{who}, {_day(r['since'])} to {_day(r['until'])} UTC"),
        ("received", str(r["received"])),
        ("sent", str(r["sent"])),
        ("interest rate", f"{_pct(r['interest_rate'])} ({r['interested']} of {r['asked']} recipients)"),
        ("acceptance rate", f"{_pct(r['acceptance_rate'])} ({r['accepted']} of {r['sent_agent']} agent referrals)"),
        ("conversion to closed", f"{_pct(r['conversion_rate'])} ({r['closed']} of {r['awarded']} awarded)"),
        ("speed to lead (median)", f"{_duration(r['median_claim_seconds'])} ({r['claims']} claims)"),
        ("fees earned", _fees(r["earned"])),
        ("fees owed", _fees(r["owed"])),
    ]
    width = max(len(k) for k, _ in figures)
    lines = [f"{k:<{width}}  {v}" for k, v in figures]
    lines += ["", f"{'week of':<16}  {'received':>8}  {'sent':>8}"]
    lines += [f"{_day(w['start']):<16}  {w['received']:>8}  {w['sent']:>8}" for w in r["weeks"]]
    return "\n".join(lines)


def cmd_report(args: argparse.Namespace) -> int:
    since, until = parse_when(args.since), parse_when(args.until, end=True)
    if since and until and since >= until:
        raise CliError("--since must be before --until", code=2)
    result = asyncio.run(fetch_report(args.hub, token_of(args), args.desk, since, until))
    print(json.dumps(result, indent=2) if args.format == "json" else format_table(result))
    return 0
