"""`triage network add|list|set`: agents' network groups, for network-mode referrals."""

from __future__ import annotations

import argparse

from triage.agents import DB_HELP
from triage.common import CliError, db_url, run_admin


def add_parser(sub: argparse._SubParsersAction) -> None:
    network = sub.add_parser(
        "network",
        help="manage network groups: an agent's pre-approved agents",
        description="Manage network groups: a network-mode referral goes to every member of its "
        "sender's groups, nearest the client first. Works directly on the hub's database; every "
        "change is audited.",
    )
    network_sub = network.add_subparsers(dest="network_command", metavar="ACTION", required=True)

    add = network_sub.add_parser("add", help="form a network group",
                                 description="Form a network group and print its id.")
    add.add_argument("--name", required=True, help="the group's name")
    add.add_argument("--owner", required=True, metavar="PERSON_ID", help="the agent whose network it is")
    add.add_argument("--member", dest="members", action="append", default=[], metavar="PERSON_ID",
                     help="an agent in the group (repeat; at least one)")
    add.add_argument("--db", metavar="URL", help=DB_HELP)
    add.set_defaults(func=cmd_add)

    ls = network_sub.add_parser("list", help="list network groups and their members",
                                description="List every network group: id, name, owner, members.")
    ls.add_argument("--db", metavar="URL", help=DB_HELP)
    ls.set_defaults(func=cmd_list)

    change = network_sub.add_parser(
        "set", help="rename a group, give it another owner, add or remove members",
        description="Change a network group; one bad value changes nothing, and a group is never "
        "left without members.",
    )
    change.add_argument("group_id", metavar="GROUP_ID", help="the group's id (see `triage network list`)")
    change.add_argument("--name", help="a new name")
    change.add_argument("--owner", metavar="PERSON_ID", help="another owner (an agent)")
    change.add_argument("--member", dest="members", action="append", metavar="PERSON_ID",
                        help="the whole member list (repeat)")
    change.add_argument("--add", dest="add", action="append", default=[], metavar="PERSON_ID",
                        help="add a member (repeat)")
    change.add_argument("--remove", dest="remove", action="append", default=[], metavar="PERSON_ID",
                        help="remove a member (repeat)")
    change.add_argument("--db", metavar="URL", help=DB_HELP)
    change.set_defaults(func=cmd_set)


def _line(group: object) -> str:
    return (f"{group.id}  {group.name}  owner {group.owner_id} {group.owner_name}  "
            f"members {', '.join(group.members)}")


def cmd_add(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs

    group = run_admin(admin.add_network(db_url(args.db), args.name, args.owner, args.members))
    print(f"created {_line(group)}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs

    groups = run_admin(admin.list_networks(db_url(args.db)))
    if not groups:
        print("no network groups yet: form one with `triage network add --name NAME --owner PERSON_ID --member PERSON_ID`")
    for group in groups:
        print(_line(group))
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from server import admin  # the hub's storage stack, loaded only when the command runs

    if not (args.name or args.owner or args.members is not None or args.add or args.remove):
        raise CliError("nothing to change: give at least one option (see `triage network set --help`)", code=2)
    group = run_admin(admin.change_network(
        db_url(args.db), args.group_id, name=args.name, owner_id=args.owner, members=args.members,
        add=args.add, remove=args.remove,
    ))
    print(f"changed {_line(group)}")
    return 0
