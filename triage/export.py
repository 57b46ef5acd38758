"""`triage export`: referrals, audit entries or invoices, as CSV or JSON, with the app's masking.

The hub decides what is in it (an agent exports only what it may see, contact only where
entitled); this command pages through the `export` op, then writes a temp file next to --out and
renames it, so a failed export leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from shared.protocol import ExportAuditRow, InvoiceView, ReferralView
from triage.common import CliError
from triage.hubclient import add_hub_options, hub_client, token_of
from triage.report import parse_when

PAGE = 500
FIELDS: dict[str, tuple[str, ...]] = {
    "referrals": ReferralView.__struct_fields__,
    "audit": ExportAuditRow.__struct_fields__,
    "invoices": InvoiceView.__struct_fields__,
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export referrals, audit entries or invoices as CSV or JSON",
        description="Export what the person whose token is used may see, masked as in the app: "
        "referrals (contact only where entitled), the audit entries of those referrals, or their "
        "own invoices. Written to --out (atomically) or to stdout.",
    )
    p.add_argument("--what", required=True, choices=list(FIELDS), help="referrals, audit or invoices")
    p.add_argument("--format", choices=["csv", "json"], default="csv", help="output (default csv)")
    p.add_argument("--since", metavar="DATE",
                   help="only rows created on or after DATE (YYYY-MM-DD or ISO time; default: all)")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    add_hub_options(p)
    p.set_defaults(func=cmd_export)


class Progress:
    """A text progress bar on stderr, only when stderr is a terminal and the export is large."""

    def __init__(self, what: str, stream: TextIO | None = None) -> None:
        self.what = what
        self.stream = stream or sys.stderr
        self.shown = False

    def update(self, done: int, total: int) -> None:
        if total <= PAGE or not self.stream.isatty():
            return
        width = 30
        filled = width * done // max(total, 1)
        self.stream.write(f"\rexporting {self.what} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


async def fetch_all(url: str, token: str, what: str, since: datetime | None,
                    progress: Progress | None = None) -> list[dict[str, Any]]:
    """Every row of the export, page by page, as the hub sends them."""
    rows: list[dict[str, Any]] = []
    async with hub_client(url, token) as client:
        while True:
            args: dict[str, Any] = {"what": what, "offset": len(rows), "limit": PAGE}
            if since is not None:
                args["since"] = since.isoformat()
            page = await client.call("export", args)
            rows.extend(page[what])
            if progress:
                progress.update(len(rows), page["total"])
            if not page[what] or len(rows) >= page["total"]:
                break
    if progress:
        progress.done()
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return ";".join(str(v) for v in value)
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def flatten(row: dict[str, Any]) -> dict[str, str]:
    """One CSV row: nested objects (sender, receiver, offer) as `name.field` columns."""
    out: dict[str, str] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                out[f"{key}.{sub}"] = _cell(v)
        else:
            out[key] = _cell(value)
    return out


def to_csv(what: str, rows: list[dict[str, Any]]) -> str:
    """Every struct field is a column (empty where absent), in the struct's order."""
    order = {name: i for i, name in enumerate(FIELDS[what])}
    flat = [flatten(r) for r in rows]
    columns = {name: None for name in FIELDS[what] if name not in ("sender", "receiver", "offer")}
    for r in flat:
        columns.update(dict.fromkeys(r))
    names = sorted(columns, key=lambda c: (order.get(c.split(".")[0], len(order)), c))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return buf.getvalue()


def render(what: str, fmt: str, rows: list[dict[str, Any]]) -> str:
    return to_csv(what, rows) if fmt == "csv" else json.dumps(rows, indent=2) + "\n"


def open_temp(out: Path) -> tuple[int, str]:
    """A temp file next to `out`, or a CliError saying why `out` cannot be written."""
    if out.is_dir():
        raise CliError(f"cannot write {out}: it is a directory")
    if out.exists() and not os.access(out, os.W_OK):
        raise CliError(f"cannot write {out}: permission denied")
    try:
        return tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None


def write_atomic(fd: int, tmp: str, out: Path, text: str) -> None:
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None


def cmd_export(args: argparse.Namespace) -> int:
    since = parse_when(args.since)
    token = token_of(args)
    out = Path(args.out).expanduser() if args.out else None
    fd, tmp = open_temp(out) if out else (-1, "")
    try:
        rows = asyncio.run(fetch_all(args.hub, token, args.what, since, Progress(args.what)))
        text = render(args.what, args.format, rows)
    except BaseException:
        if out:
            os.close(fd)
            Path(tmp).unlink(missing_ok=True)
        raise
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomic(fd, tmp, out, text)
        print(f"exported {len(rows)} {args.what} to {out}", file=sys.stderr)
    return 0
