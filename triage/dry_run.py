"""`triage dry-run ZIP`: who would get an appointment in a zip code right now, and why not the
others (the concierge desk); `triage open LINK`: an open referral found by its shareable link."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from triage.hubclient import add_hub_options, hub_client, token_of


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dry-run",
        help="who would get an appointment in a zip code now, and why not the others (concierge)",
        description="Ask the hub who would be offered an appointment in ZIP right now, in offer "
        "order, and why each other agent serving ZIP would not (paused, off hours, on vacation). "
        "Nothing is offered or changed. For the concierge desk.",
    )
    p.add_argument("zip", metavar="ZIP", help="a five-digit zip code")
    p.add_argument("--format", choices=["table", "json"], default="table", help="output (default table)")
    add_hub_options(p)
    p.set_defaults(func=cmd_dry_run)

    p = sub.add_parser(
        "open",
        help="show an open referral by its shareable link",
        description="Show the open referral a shareable link (L-...) points to, as an agent sees it "
        "before claiming (no client contact).",
    )
    p.add_argument("link", metavar="LINK", help="the link id, e.g. L-3F9K2M7Q1Z")
    p.add_argument("--format", choices=["table", "json"], default="table", help="output (default table)")
    add_hub_options(p)
    p.set_defaults(func=cmd_open)


async def fetch(url: str, token: str, op: str, args: dict[str, Any]) -> Any:
    async with hub_client(url, token) as client:
        return await client.call(op, args)


def format_dry_run(result: dict[str, Any]) -> str:
    rows = result["agents"]
    lines = [f"routing dry run for {result['zip']} at {result['at'][:16].replace('T', ' ')} UTC"]
    if not rows:
        return "\n".join([*lines, "no agent serves this zip code: an appointment would wait, unclaimed"])
    width = max(len(r["agent"]["name"]) for r in rows)
    for row in rows:
        order = str(row["order"]) if row.get("order") else "-"
        verdict = "next" if row.get("order") == 1 else ("in line" if row["eligible"] else "not now")
        lines.append(f"{order:>2}  {row['agent']['name']:<{width}}  {verdict:<7}  {row.get('reason', '')}")
    return "\n".join(lines)


def format_referral(result: dict[str, Any]) -> str:
    ref = result["referral"]
    fields = [("referral", ref["id"]), ("kind", ref["kind"]), ("status", ref["status"]),
              ("area", " ".join(p for p in (ref.get("city", ""), ref.get("state", ""), ref.get("zip", "")) if p)),
              ("intent", ref.get("intent", "")), ("client", ref.get("client_name", "")),
              ("price", _price(ref)), ("timeframe", ref.get("timeframe", "")),
              ("fee", f"{ref['fee_percent']:g} %" if ref.get("fee_percent") else ""),
              ("from", (ref.get("sender") or {}).get("name", "")), ("actions", ", ".join(ref.get("actions", [])))]
    width = max(len(k) for k, _ in fields)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in fields if v)


def _price(ref: dict[str, Any]) -> str:
    low, high = ref.get("price_min"), ref.get("price_max")
    if low and high:
        return f"${low:,} - ${high:,}"
    return f"${low or high:,}" if (low or high) else ""


def cmd_dry_run(args: argparse.Namespace) -> int:
    result = asyncio.run(fetch(args.hub, token_of(args), "routing.dry_run", {"zip": args.zip.strip()}))
    print(json.dumps(result, indent=2) if args.format == "json" else format_dry_run(result))
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    result = asyncio.run(fetch(args.hub, token_of(args), "open.get", {"link": args.link.strip()}))
    print(json.dumps(result, indent=2) if args.format == "json" else format_referral(result))
    return 0
