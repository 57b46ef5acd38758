"""`triage program add|list|set`: vendors' partner programs, straight in the hub's database."""

from __future__ import annotations

import argparse

from triage.agents import DB_HELP
from triage.common import CliError, db_url, run_admin


def add_parser(sub: argparse._SubParsersAction) -> None:
    program = sub.add_parser(
        "program",
        help="manage partner programs: vendor, fee, claim window",
        description="Manage the partner programs partners submit prospects to. Works directly on "
        "the hub's database (run it on the hub host); every change is audited.",
    )
    program_sub = program.add_subparsers(dest="program_command", metavar="ACTION", required=True)

    add = program_sub.add_parser(
        "add", help="create a program", description="Create a program and print its id.",
    )
    add.add_argument("--name", required=True, help="the program's name, as partners see it")
    add.add_argument("--vendor", required=True, metavar="PERSON_ID",
                     help="the vendor who reviews its referrals (holds the vendor role)")
    _terms(add)
    add.add_argument("--id", dest="program_id", metavar="ID",
                     help="the program's id (default: a new PRG-... id)")
    add.add_argument("--db", metavar="URL", help=DB_HELP)
    add.set_defaults(func=cmd_add)

    ls = program_sub.add_parser("list", help="list programs with their terms",
                                description="List every program: id, name, vendor, fee, claim window.")
    ls.add_argument("--db", metavar="URL", help=DB_HELP)
    ls.set_defaults(func=cmd_list)

    change = program_sub.add_parser(
        "set", help="change a program's name, vendor, fee or claim window",
        description="Change a program: the options given replace those terms, the rest stay. "
        "Every value is checked first: one bad value changes nothing.",
    )
    change.add_argument("program_id", metavar="PROGRAM_ID", help="the program's id (see `triage program list`)")
    change.add_argument("--name", help="the program's name")
    change.add_argument("--vendor", metavar="PERSON_ID", help="another vendor (holds the vendor role)")
    _terms(change)
    change.add_argument("--default-window", action="store_true",
                        help="its appointments get the area's or the hub's claim window again")
    change.add_argument("--db", metavar="URL", help=DB_HELP)
    change.set_defaults(func=cmd_set)


def _terms(p: argparse.ArgumentParser) -> None:
    fee = p.add_mutually_exclusive_group()
    fee.add_argument("--intro-fee", type=float, metavar="AMOUNT",
                     help="a flat introduction fee, invoiced to the partner at each acceptance")
    fee.add_argument("--percent-fee", type=float, metavar="PERCENT",
                     help="a percent of the closed deal, above 0 and at most 100")
    p.add_argument("--claim-window", type=int, metavar="SECONDS",
                   help="the claim window of the program's appointments")


def _fee(args: argparse.Namespace) -> dict[str, object]:
    if args.intro_fee is not None:
        return {"fee_type": "intro", "fee_amount": args.intro_fee}
    if args.percent_fee is not None:
        return {"fee_type": "percent", "fee_amount": args.percent_fee}
    return {}


def _line(p: object) -> str:
    fee = f"{p.fee_amount:,.2f} introduction fee" if p.fee_type == "intro" else f"{p.fee_amount:g}% fee"
    window = f"{p.claim_window_seconds} s claim window" if p.claim_window_seconds else "default claim window"
    return f"{p.id}  {p.name}  vendor {p.vendor_id} {p.vendor_name}  {fee}  {window}"


def cmd_add(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs
    from shared.protocol.team import ProgramTerms

    terms = ProgramTerms(name=args.name, vendor=args.vendor, **_fee(args))
    if args.claim_window is not None:
        terms.claim_window_seconds = args.claim_window
    program = run_admin(admin.add_program(db_url(args.db), terms, args.program_id))
    print(f"created {_line(program)}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs

    programs = run_admin(admin.list_programs(db_url(args.db)))
    if not programs:
        print("no programs yet: add one with `triage program add --name NAME --vendor PERSON_ID`")
    for program in programs:
        print(_line(program))
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs
    from shared.protocol.team import ProgramTerms

    terms = ProgramTerms(**_fee(args))
    if args.name is not None:
        terms.name = args.name
    if args.vendor is not None:
        terms.vendor = args.vendor
    if args.claim_window is not None and args.default_window:
        raise CliError("give --claim-window or --default-window, not both", code=2)
    if args.claim_window is not None:
        terms.claim_window_seconds = args.claim_window
    if args.default_window:
        terms.claim_window_seconds = None
    if terms == ProgramTerms():
        raise CliError("nothing to change: give at least one option (see `triage program set --help`)", code=2)
    program = run_admin(admin.change_program(db_url(args.db), args.program_id, terms))
    print(f"changed {_line(program)}")
    return 0
