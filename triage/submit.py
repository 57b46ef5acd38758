"""`triage submit FILE.json`: create a referral through the hub, as the token's person."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from shared.protocol import ReferralInput
from triage.common import CliError
from triage.hubclient import add_hub_options, hub_client, token_of

EXAMPLES: dict[str, dict[str, Any]] = {
    "appointment": {
        "kind": "appointment", "first_name": "Dana", "last_name": "Whitfield",
        "email": "dana.whitfield@example.com", "phone": "+1 512 555 0142", "street": "1100 Congress Ave",
        "city": "Austin", "state": "TX", "zip": "78701", "lead_type": "home valuation",
        "appointment_at": "2030-05-14T15:00:00Z", "intent": "sell", "timeframe": "0-3 months",
        "notes": "Booked by the desk; prefers afternoon calls.",
    },
    "active": {
        "kind": "active", "first_name": "Luis", "last_name": "Ortega", "email": "luis.ortega@example.com",
        "phone": "+1 512 555 0199", "street": "1500 S Congress Ave", "city": "Austin", "state": "TX",
        "zip": "78704", "price_min": 450000, "price_max": 600000, "intent": "buy",
        "timeframe": "3-6 months", "notes": "Web form lead; the desk is still calling.",
    },
    "agent": {
        "kind": "agent", "mode": "network", "first_name": "Hannah", "last_name": "Cole",
        "email": "hannah.cole@example.com", "phone": "+1 512 555 0110", "city": "Austin",
        "state": "TX", "zip": "78701", "price_min": 700000, "price_max": 900000, "intent": "buy",
        "timeframe": "6-12 months", "fee_percent": 25,
        "notes": "Relocating from Portland; wants a walkable neighborhood. Network mode goes to "
        "your network groups; for every agent of the area set \"mode\": \"open\"; for chosen "
        "ones, \"mode\": \"private\" and \"receivers\": [\"P-...\"].",
    },
    "partner": {
        "kind": "partner", "program": "PRG-TITLE", "company": "Hill Country Builders",
        "contact_person": "Sam Ellis", "title": "Owner", "contact_email": "sam@hillcountrybuilders.com",
        "contact_phone": "+1 512 555 0175", "website": "https://hillcountrybuilders.com",
        "notes": "Builds 40 homes a year; looking for a title partner.",
    },
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "submit",
        help="create a referral from a JSON file",
        description="Create a referral from a JSON file through the hub, as the person whose token "
        "is used (TRIAGE_TOKEN or the token file). The file is one JSON object with the fields of "
        "ReferralInput (docs/protocol.md); `--example KIND` prints one to start from.",
    )
    p.add_argument("file", nargs="?", metavar="FILE.json", help="the referral to create ('-' reads stdin)")
    p.add_argument("--example", choices=sorted(EXAMPLES), metavar="KIND",
                   help="print an example file for appointment, active, agent or partner, and exit")
    add_hub_options(p)
    p.set_defaults(func=cmd_submit)


def read_referral(path: str) -> ReferralInput:
    """The file's referral, or a CliError naming the file and the field that is wrong."""
    try:
        raw = (sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes())
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return msgspec.json.decode(raw, type=ReferralInput)
    except msgspec.ValidationError as exc:
        raise CliError(f"{path}: not a valid referral: {exc}") from None
    except msgspec.DecodeError as exc:
        raise CliError(f"{path}: not valid JSON: {exc}") from None


async def submit(url: str, token: str, referral: ReferralInput, timeout: float = 20.0) -> dict[str, Any]:
    """Send hello then submit; return the new referral's view (a dict) or raise CliError."""
    async with hub_client(url, token, timeout=timeout) as client:
        result = await client.call("submit", {"referral": msgspec.to_builtins(referral)})
    return result["referral"]


def cmd_submit(args: argparse.Namespace) -> int:
    if args.example:
        print(json.dumps(EXAMPLES[args.example], indent=2))
        return 0
    if not args.file:
        raise CliError("give a FILE.json to submit, or --example KIND to print one", code=2)
    referral = read_referral(args.file)
    view = asyncio.run(submit(args.hub, token_of(args), referral))
    print(f"created {view['id']} ({view['kind']}, status {view['status']})")
    return 0
