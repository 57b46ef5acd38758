"""`triage submit FILE.json`: create a referral through the hub, as the token's person."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import msgspec
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from shared.protocol import Error, ReferralInput, Reply, Request, encoder, server_frame_decoder
from triage.common import DEFAULT_HUB_URL, CliError
from tui.credentials import CredentialsError, load_token

EXAMPLES: dict[str, dict[str, Any]] = {
    "appointment": {
        "kind": "appointment", "first_name": "Dana", "last_name": "Whitfield",
        "email": "dana.whitfield@example.com", "phone": "+1 512 555 0142", "street": "1100 Congress Ave",
        "city": "Austin", "state": "TX", "zip": "78701", "lead_type": "home valuation",
        "appointment_at": "2030-05-14T15:00:00Z", "intent": "sell", "timeframe": "0-3 months",
        "notes": "Booked by the desk; prefers afternoon calls.", "claim_window_seconds": 1800,
    },
    "active": {
        "kind": "active", "first_name": "Luis", "last_name": "Ortega", "email": "luis.ortega@example.com",
        "phone": "+1 303 555 0199", "street": "1550 Larimer St", "city": "Denver", "state": "CO",
        "zip": "80202", "price_min": 450000, "price_max": 600000, "intent": "buy",
        "timeframe": "3-6 months", "notes": "Web form lead; the desk is still calling.",
    },
    "agent": {
        "kind": "agent", "mode": "open", "first_name": "Hannah", "last_name": "Cole",
        "email": "hannah.cole@example.com", "phone": "+1 503 555 0110", "city": "Portland",
        "state": "OR", "zip": "97209", "price_min": 700000, "price_max": 900000, "intent": "buy",
        "timeframe": "6-12 months", "fee_percent": 25,
        "notes": "Relocating from Austin; wants a walkable neighborhood. For private mode, set "
        "\"mode\": \"private\" and \"receivers\": [\"P-...\"].",
    },
    "partner": {
        "kind": "partner", "program": "PRG-demo-title", "company": "Hill Country Builders",
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
    p.add_argument("--hub", default=os.environ.get("TRIAGE_HUB", DEFAULT_HUB_URL), metavar="URL",
                   help=f"the hub's websocket URL (default $TRIAGE_HUB or {DEFAULT_HUB_URL})")
    p.add_argument("--token-file", metavar="PATH",
                   help="read the token from PATH (default: the config directory's token file)")
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
    try:
        async with asyncio.timeout(timeout):
            async with connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                               open_timeout=timeout, max_size=None) as ws:
                answer = await _request(ws, "1", "hello", {"client": "triage-cli"})
                if not isinstance(answer, Error):
                    args = {"referral": msgspec.to_builtins(referral)}
                    answer = await _request(ws, "2", "submit", args)
    except InvalidStatus as exc:
        status = exc.response.status_code
        if status == 401:
            raise CliError(f"the hub at {url} refused the token (HTTP 401): it is unknown or revoked; "
                           "ask for a new one (`triage agent token PERSON_ID` on the hub host)") from None
        raise CliError(f"the hub at {url} refused the connection (HTTP {status})") from None
    except InvalidURI:
        raise CliError(f"not a websocket URL: {url} (expected ws://HOST:PORT)", code=2) from None
    except TimeoutError:
        raise CliError(f"the hub at {url} did not answer within {timeout:.0f} s") from None
    except (OSError, InvalidHandshake) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CliError(f"cannot reach the hub at {url}: {reason}") from None
    except ConnectionClosed:
        raise CliError(f"the hub at {url} closed the connection") from None
    if isinstance(answer, Error):
        what = "hello" if answer.id == "1" else "submit"
        raise CliError(f"the hub refused {what}: {answer.code}: {answer.message}")
    return answer["referral"]


async def _request(ws: Any, request_id: str, op: str, args: dict[str, Any]) -> Any:
    await ws.send(encoder.encode(Request(id=request_id, op=op, args=args)).decode())
    while True:
        frame = server_frame_decoder.decode(await ws.recv())
        if isinstance(frame, Reply) and frame.id == request_id:
            return frame.result
        if isinstance(frame, Error) and frame.id in (request_id, None):
            return frame


def cmd_submit(args: argparse.Namespace) -> int:
    if args.example:
        print(json.dumps(EXAMPLES[args.example], indent=2))
        return 0
    if not args.file:
        raise CliError("give a FILE.json to submit, or --example KIND to print one", code=2)
    referral = read_referral(args.file)
    try:
        token = load_token(args.token_file)
    except CredentialsError as exc:
        raise CliError(str(exc)) from None
    view = asyncio.run(submit(args.hub, token, referral))
    print(f"created {view['id']} ({view['kind']}, status {view['status']})")
    return 0
