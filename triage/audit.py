"""`triage audit verify|export`: the audit log's hash chain, straight in the hub's database.

`verify` walks the whole chain and names every edited or deleted entry; `export` writes the
time-stamped evidence for one disputed referral (its status now, every audit entry of it with
its hash, and the chain's verification), as JSON or CSV, atomically to --out or to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from triage.common import CliError, db_url
from triage.export import open_temp, write_atomic

if TYPE_CHECKING:
    from server.events.audit_chain import Evidence

DB_HELP = ("database URL or SQLite file path (default: the hub's, from $TRIAGE_HUB_DB or hub.toml, "
           "else its file in the user data directory)")
CSV_COLUMNS = (
    "referral_id", "referral_status", "exported_at", "chain_intact", "entry_id", "at", "actor_id",
    "actor_name", "action", "from_status", "to_status", "reason", "prev_hash", "hash", "verified",
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser(
        "audit",
        help="verify the audit log's hash chain, export one referral's evidence",
        description="The audit log is append-only and hash-chained: each entry holds the SHA-256 "
        "of its fields and of the entry before it. Works directly on the hub's database (run it "
        "on the hub host; safe next to a running hub).",
    )
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    verify = audit_sub.add_parser(
        "verify",
        help="walk the chain; exit 0 when intact, 1 naming each edited or deleted entry",
        description="Check every audit entry against its hash, its link to the entry before and "
        "the ids for gaps. Prints how many entries are intact and the head hash (keep it: "
        "deleting the newest entries is only visible against a head recorded earlier), or one "
        "line per edited or deleted entry and exits 1.",
    )
    verify.add_argument("--db", metavar="URL", help=DB_HELP)
    verify.set_defaults(func=cmd_verify)

    export = audit_sub.add_parser(
        "export",
        help="the evidence for one referral: its audit entries, hashes and chain status",
        description="Write the time-stamped evidence for one disputed referral: its current "
        "status, every audit entry of it in order with its hash, and whether the chain verifies. "
        "No client contact is included (a reveal of contact is an entry, not the contact).",
    )
    export.add_argument("referral_id", metavar="REFERRAL_ID", help="the referral's id, e.g. R-...")
    export.add_argument("--format", choices=["json", "csv"], default="json", help="output (default json)")
    export.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    export.add_argument("--db", metavar="URL", help=DB_HELP)
    export.set_defaults(func=cmd_export)


def existing_db(value: str | None) -> str:
    """The database URL of --db, refusing an SQLite file that does not exist (nothing to verify,
    and opening it would create an empty one)."""
    url = db_url(value)
    if url.startswith("sqlite") and ":///" in url:
        path = Path(url.split(":///", 1)[1])
        if not path.exists():
            raise CliError(f"no database at {path} (give the hub's file with --db)")
    return url


def cmd_verify(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs

    report = asyncio.run(admin.verify_audit(existing_db(args.db)))
    if report.intact:
        print(f"audit chain intact: {report.entries} entries")
        print(f"head: entry {report.head_id} {report.head_hash}")
        return 0
    for problem in report.problems:
        print(problem.describe())
    raise CliError(f"audit chain broken: {len(report.problems)} problem(s) in {report.entries} entries")


def as_json(evidence: Evidence) -> str:
    chain = evidence.chain
    doc = {
        "referral": {
            "id": evidence.referral_id, "kind": evidence.kind, "status": evidence.status,
            "created_at": evidence.created_at, "updated_at": evidence.updated_at,
        },
        "exported_at": evidence.exported_at,
        "chain": {
            "intact": chain.intact, "entries": chain.entries, "head_id": chain.head_id,
            "head_hash": chain.head_hash, "problems": [p.describe() for p in chain.problems],
        },
        "entries": [asdict(e) for e in evidence.entries],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def as_csv(evidence: Evidence) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for entry in evidence.entries:
        row = asdict(entry)
        row["entry_id"] = row.pop("id")
        writer.writerow({
            "referral_id": evidence.referral_id, "referral_status": evidence.status,
            "exported_at": evidence.exported_at, "chain_intact": str(evidence.chain.intact).lower(),
            **{k: "" if v is None else v for k, v in row.items()},
        })
    return buf.getvalue()


def cmd_export(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs

    url = existing_db(args.db)
    out = Path(args.out).expanduser() if args.out else None
    fd, tmp = open_temp(out) if out else (-1, "")
    try:
        evidence = asyncio.run(admin.audit_evidence(url, args.referral_id))
        text = as_json(evidence) if args.format == "json" else as_csv(evidence)
    except BaseException as exc:
        if out:
            os.close(fd)
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, LookupError):
            raise CliError(str(exc)) from None
        raise
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomic(fd, tmp, out, text)
        state = "intact" if evidence.chain.intact else "BROKEN"
        print(f"exported {len(evidence.entries)} audit entries of {args.referral_id} to {out} "
              f"(chain {state})", file=sys.stderr)
    return 0
