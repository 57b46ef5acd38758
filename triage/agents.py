"""`triage agent add|set|list|revoke|token`: people, their profiles and their tokens, straight
in the hub's database."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
from pathlib import Path

from shared.domain import Role
from triage.common import CliError, db_url, describe_db, run_admin
from tui.credentials import default_token_path

DB_HELP = ("database URL or SQLite file path (default: the hub's, from $TRIAGE_HUB_DB or hub.toml, "
           "else its file in the user data directory)")


def add_parser(sub: argparse._SubParsersAction) -> None:
    agent = sub.add_parser(
        "agent",
        help="manage people and their access tokens",
        description="Manage the people who may connect to the hub, and their access tokens. "
        "Works directly on the hub's database (run it on the hub host).",
    )
    agent_sub = agent.add_subparsers(dest="agent_command", metavar="ACTION", required=True)

    add = agent_sub.add_parser(
        "add",
        help="create a person and print their first token",
        description="Create a person (agent, partner, vendor or concierge) and print their first "
        "access token. The token is shown once and never again.",
    )
    add.add_argument("--name", required=True, help="full name, as shown to others")
    add.add_argument("--zip", dest="zips", action="append", default=[], metavar="ZIP",
                     help="a 5-digit zip code the person serves (repeat for several)")
    add.add_argument("--sponsor-zip", dest="sponsor_zips", action="append", default=[], metavar="ZIP",
                     help="a zip code the person sponsors: sees phone and e-mail of its active leads "
                     "(repeat for several; implies --zip)")
    add.add_argument("--role", dest="roles", action="append", default=[], metavar="ROLE",
                     choices=[r.value for r in Role],
                     help="agent, partner, vendor or concierge (repeat for several; default agent)")
    add.add_argument("--brokerage", default="", help="brokerage or company name")
    add.add_argument("--rank", type=float, default=50.0, metavar="N",
                     help="rank score for appointment offers, higher first (default 50)")
    add.add_argument("--id", dest="person_id", metavar="P-XXXXXX",
                     help="the person's id (default: a new random one): P- and 2 to 20 capital letters or digits")
    add.add_argument("--token-file", metavar="PATH",
                     help="write the first token to this file (mode 600) instead of printing it")
    add.add_argument("--db", metavar="URL", help=DB_HELP)
    add.set_defaults(func=cmd_add)

    change = agent_sub.add_parser(
        "set",
        help="change a person's rank, zip codes, profile, roles or pause",
        description="Change a person: every option given replaces that field (a repeated option "
        "gives the whole list; `none` empties it); the others stay. Every value is checked first: "
        "one bad value changes nothing. The change is audited (`triage export --what audit`) and "
        "takes effect at once in routing and in agent search, on every hub.",
    )
    change.add_argument("person_id", metavar="PERSON_ID", help="the person's id (see `triage agent list`)")
    change.add_argument("--name", help="full name")
    change.add_argument("--rank", type=float, metavar="N", help="rank score, 0 to 100, higher first")
    change.add_argument("--zip", dest="zips", action="append", metavar="ZIP",
                        help="a zip code served (repeat: the whole list)")
    change.add_argument("--sponsor-zip", dest="sponsor_zips", action="append", metavar="ZIP",
                        help="a zip code sponsored (repeat: the whole list; also served)")
    change.add_argument("--specialization", dest="specializations", action="append", metavar="WORD",
                        help="residential, commercial, luxury, land, relocation, ... (repeat)")
    change.add_argument("--language", dest="languages", action="append", metavar="LANGUAGE",
                        help="a language spoken (repeat)")
    change.add_argument("--years", type=int, metavar="N", help="years of experience")
    change.add_argument("--office", metavar="CITY", help="the office's city")
    change.add_argument("--brokerage", help="brokerage or company name")
    change.add_argument("--role", dest="roles", action="append", metavar="ROLE",
                        choices=[r.value for r in Role], help="a role held (repeat: the whole list)")
    pause = change.add_mutually_exclusive_group()
    pause.add_argument("--pause", dest="paused", action="store_const", const=True,
                       help="no new appointment offers until resumed")
    pause.add_argument("--resume", dest="paused", action="store_const", const=False,
                       help="offers again")
    change.add_argument("--db", metavar="URL", help=DB_HELP)
    change.set_defaults(func=cmd_set)

    ls = agent_sub.add_parser(
        "list",
        help="list people with their roles, zips and live token count",
        description="List every person: id, name, roles, zip codes served (sponsored ones marked *) "
        "and how many live tokens they hold. Tokens themselves are never shown.",
    )
    ls.add_argument("--db", metavar="URL", help=DB_HELP)
    ls.set_defaults(func=cmd_list)

    revoke = agent_sub.add_parser(
        "revoke",
        help="revoke every token of a person",
        description="Revoke every live token of a person. New connections with those tokens are "
        "refused (HTTP 401); a running hub closes the connections they opened within a minute "
        "(close code 1008, \"token revoked\"; checked every 30 s).",
    )
    revoke.add_argument("person_id", metavar="PERSON_ID", help="the person's id (see `triage agent list`)")
    revoke.add_argument("--db", metavar="URL", help=DB_HELP)
    revoke.set_defaults(func=cmd_revoke)

    token = agent_sub.add_parser(
        "token",
        help="issue a new token for a person",
        description="Issue a new access token for an existing person and print it once. "
        "Their other tokens stay valid (revoke them with `triage agent revoke`).",
    )
    token.add_argument("person_id", metavar="PERSON_ID", help="the person's id (see `triage agent list`)")
    token.add_argument("--db", metavar="URL", help=DB_HELP)
    token.set_defaults(func=cmd_token)


def _check_zips(zips: list[str]) -> None:
    for z in zips:
        if not re.fullmatch(r"\d{5}", z):
            raise CliError(f"--zip must be a 5-digit US zip code, got {z!r}", code=2)


def _print_token(token: str) -> None:
    print(f"token: {token}")
    print("This token will not be shown again. Give it to its owner, who saves it with:")
    print(f"  umask 077; echo TOKEN > {default_token_path()}   (or sets TRIAGE_TOKEN)")


def cmd_add(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs

    _check_zips(args.zips + args.sponsor_zips)
    if not args.name.strip():
        raise CliError("--name must not be empty", code=2)
    if args.person_id is not None and not re.fullmatch(r"P-[A-Z0-9]{2,20}", args.person_id):
        raise CliError(f"--id must be P- and 2 to 20 capital letters or digits, got {args.person_id!r}", code=2)
    url = db_url(args.db)
    roles = list(dict.fromkeys(args.roles or ["agent"]))
    person_id, token = run_admin(admin.add_person(
        url, name=args.name.strip(), roles=roles, zips=args.zips, sponsor_zips=args.sponsor_zips,
        brokerage=args.brokerage, rank_score=args.rank, person_id=args.person_id,
    ))
    print(f"created {person_id} {args.name.strip()} ({', '.join(roles)}) in {describe_db(url)}")
    if args.token_file:
        _save_token(Path(args.token_file).expanduser(), token)
        print(f"token saved to {args.token_file} (readable only by you); "
              f"its owner uses it with --token-file or TRIAGE_TOKEN_FILE")
    else:
        _print_token(token)
    return 0


def _save_token(path: Path, token: str) -> None:
    """Write a token to a new file only its owner can read."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(token + "\n")
        os.chmod(path, 0o600)
    except OSError as exc:
        raise CliError(f"cannot write the token to {path}: {exc.strerror or exc}") from None


def _listed(values: list[str] | None) -> list[str] | None:
    """A repeated option as a list; `none` alone empties it."""
    if values is None:
        return None
    return [] if [v.strip().lower() for v in values] == ["none"] else values


def cmd_set(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs
    from shared.protocol.team import PersonChanges

    given = {
        "name": args.name, "rank": args.rank, "zips": _listed(args.zips),
        "sponsor_zips": _listed(args.sponsor_zips), "specializations": _listed(args.specializations),
        "languages": _listed(args.languages), "years": args.years, "office": args.office,
        "brokerage": args.brokerage, "roles": args.roles, "paused": args.paused,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    if not changes:
        raise CliError("nothing to change: give at least one option (see `triage agent set --help`)", code=2)
    url = db_url(args.db)
    p = run_admin(admin.change_person(url, args.person_id, PersonChanges(**changes)))
    served = ", ".join(z + ("*" if z in p.sponsor_zips else "") for z in p.zips) or "none"
    print(f"{p.id} {p.name} ({', '.join(p.roles)}): rank {p.rank:g}, zips {served}, "
          f"{', '.join(p.specializations) or 'no specializations'}, "
          f"{', '.join(p.languages) or 'no languages'}, {p.years} years, "
          f"office {p.office or 'none'}, brokerage {p.brokerage or 'none'}"
          f"{', paused' if p.paused else ''}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs

    rows = asyncio.run(admin.list_people(db_url(args.db)))
    if not rows:
        print("nobody yet: add someone with `triage agent add --name NAME --zip ZIP`")
        return 0
    header = ("ID", "NAME", "ROLES", "ZIPS", "TOKENS")
    table = [
        (r.id, r.name, ",".join(r.roles),
         ",".join(z + ("*" if z in r.sponsor_zips else "") for z in r.zips) or "-", str(r.live_tokens))
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    for row in [header, *table]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs

    try:
        count = asyncio.run(admin.revoke_tokens(db_url(args.db), args.person_id))
    except LookupError as exc:
        raise CliError(str(exc)) from None
    print(f"revoked {count} token(s) of {args.person_id}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs

    try:
        name, token = asyncio.run(admin.issue_token(db_url(args.db), args.person_id))
    except LookupError as exc:
        raise CliError(str(exc)) from None
    print(f"new token for {args.person_id} {name}")
    _print_token(token)
    return 0
