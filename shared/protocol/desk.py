"""The routing desk's board: every live appointment with who holds it now and how long is left,
the unclaimed ones waiting for the desk, and the active leads with who works them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from shared.protocol.views import PersonRef

BoardPhase = Literal["ranked", "open", "waiting", "unclaimed", "working"]


class BoardRow(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One referral on the board (area and lead, never the client's contact)."""

    id: str
    kind: Literal["appointment", "active"]
    status: str
    phase: BoardPhase
    zip: str
    city: str = ""
    lead_type: str = ""
    appointment_at: datetime | None = None
    created_at: datetime
    holder: PersonRef | None = None  # ranked: the agent the offer is with now
    offered_to: int = 0  # open: how many agents it is open to
    deadline: datetime | None = None  # of the running claim clock
    passes: int = 0  # agents who passed
    expired: int = 0  # offers that timed out
    next_agent: PersonRef | None = None  # who gets it after the holder, if no one claims
    working: list[PersonRef] = []  # active leads: the agents working them


class DeskBoard(msgspec.Struct, kw_only=True):
    server_time: datetime
    appointments: list[BoardRow]  # offered: ranked, open or waiting, soonest deadline first
    unclaimed: list[BoardRow]  # back with the desk: reopen or hand to an agent
    active: list[BoardRow]  # active leads not yet closed, lost or archived


class AssignArgs(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    agent: str
