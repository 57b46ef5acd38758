"""The op table: every operation a client may request, declared once, with its argument schema,
its handler, the role it requires (if any) and, for claims, the gate that orders racers.

A handler takes the request's `OpContext` (the person and the hub's services) and the validated
args, and returns the reply's result. A `HubError` becomes an error frame; a transaction that
raises changes nothing. `hello` is not here: the transport answers it before any operation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import msgspec

from server.errors import HubError
from server.operations import account, changes, reading, reports, team
from server.operations.context import OpContext, Services
from server.operations.replies import write
from server.storage.models import Person
from shared.domain import Role
from shared.protocol import (
    AgentSearchArgs,
    AssignArgs,
    AvailabilityArgs,
    DryRunArgs,
    EditArgs,
    EmptyArgs,
    ErrorCode,
    ExportArgs,
    InboxArgs,
    LinkArgs,
    MoveArgs,
    NetworkAddArgs,
    NetworkSetArgs,
    NotificationArgs,
    OpenSearchArgs,
    PersonSetArgs,
    PickArgs,
    ProgramAddArgs,
    ProgramSetArgs,
    ReasonArgs,
    ReceiversArgs,
    RefArgs,
    ReportArgs,
    SendArgs,
    SignArgs,
    SubmitArgs,
    ThreadSendArgs,
    WindowSetArgs,
)

Handler = Callable[[OpContext, Any], Awaitable[Any]]
Gate = Callable[[Services, str, Any], AbstractAsyncContextManager[None]]


@dataclass(frozen=True)
class Operation:
    args: type[msgspec.Struct]
    handler: Handler
    # the role a person must hold to ask at all, and what they are told when they do not
    role: Role | None = None
    refusal: str = ""
    # wraps loading the person and the handler: may wait for its turn, and may answer at once
    # by raising the error the handler would raise (a claim of an appointment someone else won)
    gate: Gate | None = None

    def authorize(self, person: Person) -> None:
        """Refuse a person who lacks the operation's role."""
        if self.role is not None and self.role not in person.role_list:
            raise HubError(ErrorCode.FORBIDDEN, self.refusal or f"this operation is for the {self.role} role")


def _desk(args: type[msgspec.Struct], handler: Handler) -> Operation:
    return Operation(args, handler, Role.CONCIERGE, "managing the team is for the concierge desk")


OPERATIONS: MappingProxyType[str, Operation] = MappingProxyType({
    # reading
    "inbox": Operation(InboxArgs, reading.inbox),
    "referral.get": Operation(RefArgs, reading.detail),
    "open.search": Operation(OpenSearchArgs, reading.open_search, Role.AGENT, "open referrals are for agents"),
    "open.get": Operation(LinkArgs, reading.open_get),
    "agents.search": Operation(AgentSearchArgs, reading.agents_search),
    "invoices": Operation(EmptyArgs, reading.invoices),
    "routing.dry_run": Operation(
        DryRunArgs, reading.dry_run, Role.CONCIERGE, "the routing dry run is for the concierge desk"
    ),
    # offers and decisions
    "claim": Operation(RefArgs, write(changes.claim, changes.claim_refused), gate=changes.claim_turn),
    "pass": Operation(ReasonArgs, write(changes.pass_offer)),
    "interest": Operation(RefArgs, write(changes.interest)),
    "decline": Operation(ReasonArgs, write(changes.decline)),
    "accept": Operation(ReasonArgs, write(changes.accept)),
    "reject": Operation(ReasonArgs, write(changes.reject)),
    "archive": Operation(ReasonArgs, write(changes.archive)),
    "work": Operation(RefArgs, write(changes.work)),
    "move": Operation(MoveArgs, write(changes.move)),
    "submit": Operation(SubmitArgs, write(changes.submit)),
    # an agent referral before and at the match
    "edit": Operation(EditArgs, write(changes.edit)),
    "send": Operation(SendArgs, write(changes.send)),
    "add_receivers": Operation(ReceiversArgs, write(changes.add_receivers)),
    "pick": Operation(PickArgs, write(changes.pick)),
    "sign": Operation(SignArgs, write(changes.sign)),
    # threads
    "thread.get": Operation(RefArgs, changes.thread_get),
    "thread.send": Operation(ThreadSendArgs, changes.thread_send),
    # the person's own account
    "availability.get": Operation(EmptyArgs, account.availability_get),
    "availability.set": Operation(AvailabilityArgs, account.availability_set),
    "notifications.get": Operation(EmptyArgs, account.notifications_get),
    "notifications.set": Operation(NotificationArgs, account.notifications_set),
    # the desk: its team and its board
    "team.people": _desk(EmptyArgs, team.people_list),
    "team.person.set": _desk(PersonSetArgs, team.person_set),
    "team.programs": _desk(EmptyArgs, team.programs_list),
    "team.program.add": _desk(ProgramAddArgs, team.program_add),
    "team.program.set": _desk(ProgramSetArgs, team.program_set),
    "team.networks": _desk(EmptyArgs, team.networks_list),
    "team.network.add": _desk(NetworkAddArgs, team.network_add),
    "team.network.set": _desk(NetworkSetArgs, team.network_set),
    "team.windows": _desk(EmptyArgs, team.windows_list),
    "team.window.set": _desk(WindowSetArgs, team.window_set),
    "desk.board": _desk(EmptyArgs, team.desk_board),
    "desk.reopen": _desk(RefArgs, team.desk_reopen),
    "desk.assign": _desk(AssignArgs, team.desk_assign),
    # reports and export
    "report": Operation(ReportArgs, reports.report),
    "export": Operation(ExportArgs, reports.export),
})
