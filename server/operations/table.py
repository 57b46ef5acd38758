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
from server.operations import account, changes, reading, reports
from server.operations.context import OpContext, Services
from server.operations.replies import write
from server.storage.models import Person
from shared.domain import Role
from shared.protocol import (
    AgentSearchArgs,
    AvailabilityArgs,
    DryRunArgs,
    EditArgs,
    EmptyArgs,
    ErrorCode,
    ExportArgs,
    InboxArgs,
    LinkArgs,
    MoveArgs,
    NotificationArgs,
    OpenSearchArgs,
    PickArgs,
    ReasonArgs,
    ReceiversArgs,
    RefArgs,
    ReportArgs,
    SendArgs,
    SignArgs,
    SubmitArgs,
    ThreadSendArgs,
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
    "claim": Operation(RefArgs, write(changes.claim), gate=changes.claim_turn),
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
    # reports and export
    "report": Operation(ReportArgs, reports.report),
    "export": Operation(ExportArgs, reports.export),
})
