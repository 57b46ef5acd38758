"""What each triage key of the inbox does with the referral it acts on: the questions it asks
(reason, status, receiver, fee) and what comes of them, as an `Outcome` the inbox screen carries
out: an op to send to the hub (`Op`), a warning to show (`Warn`), or a place to open (`Open`).

The functions know nothing of the screen: they get the referral and `ask` (the app's
`push_screen_wait`), so each key's dialogue reads top to bottom here, one function per key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

import msgspec
from textual.screen import Screen

from shared.domain import DEFAULT_FEE_PERCENT
from shared.protocol import ErrorCode, HubError, ReferralView
from tui import format as fmt
from tui.screens.agent_search_screen import AgentSearchScreen
from tui.screens.choice_modal import ChoiceModal
from tui.screens.fee_modal import FeeModal
from tui.screens.outbound_form import OutboundForm
from tui.screens.reason_modal import ReasonModal
from tui.screens.thread_screen import ThreadScreen

Ask = Callable[[Screen[Any]], Awaitable[Any]]  # shows a screen, returns what it was dismissed with


@dataclass(frozen=True)
class Op:
    """An op to send about one referral, and what to say once the hub did it ("" : the default)."""

    referral_id: str
    name: str
    args: dict[str, Any] = field(default_factory=dict)
    done: str = ""


@dataclass(frozen=True)
class Warn:
    """Nothing to send: say why."""

    text: str


@dataclass(frozen=True)
class Open:
    """A place to open (the thread, the outbound form)."""

    screen: Screen[Any]


Outcome = Op | Warn | Open | None  # None: the person cancelled


def status_label(status: str) -> str:
    return str(status).replace("_", " ")


# ------------------------------------------------------------ a, r: accept, reject or pass


def accept(view: ReferralView) -> Outcome:
    op = fmt.accept_op(view)
    if op is None:
        return Warn(f"Nothing to accept on {view.id} ({view.status}).")
    return Op(view.id, op)


async def reject(view: ReferralView, ask: Ask) -> Outcome:
    """Pass, decline or reject; declining and rejecting ask for a reason (required to reject)."""
    op = fmt.reject_op(view)
    if op is None:
        return Warn(f"Nothing to reject or pass on {view.id} ({view.status}).")
    if op not in ("reject", "decline"):
        return Op(view.id, op)
    title = f"{op.capitalize()} {view.id}: {fmt.client_label(view)}"
    reason = await ask(ReasonModal(title, required=op in fmt.REASON_REQUIRED_OPS))
    return None if reason is None else Op(view.id, op, {"reason": reason})


# ------------------------------------------------------------ s: status


async def status(view: ReferralView, ask: Ask) -> Outcome:
    """Choose the next status among the allowed moves, then a reason (required to reject a
    partner referral)."""
    if not view.moves:
        return Warn(f"No status moves are allowed now: {view.id} is {status_label(view.status)}.")
    choices = [(str(m), status_label(m)) for m in view.moves]
    to = await ask(ChoiceModal(f"Move {view.id} ({status_label(view.status)}) to…", choices))
    if to is None:
        return None
    required = view.kind == "partner" and to == "rejected"
    reason = await ask(ReasonModal(f"{view.id}: {status_label(view.status)} → {status_label(to)}",
                                   required=required))
    if reason is None:
        return None
    return Op(view.id, "move", {"to": to, "reason": reason}, done=f"Moved {view.id} to {status_label(to)}")


# ------------------------------------------------------------ m, n, g: thread, outbound, agents


def thread(view: ReferralView) -> Outcome:
    if "message" not in view.actions:
        return Warn(f"You are not a party to {view.id}'s thread.")
    return Open(ThreadScreen(view))


def new_referral() -> Outcome:
    return Open(OutboundForm())


async def agents(view: ReferralView | None, ask: Ask) -> Outcome:
    """Search the directory; the agents chosen there become the receivers of a new referral,
    or join the highlighted referral's receivers when it can take more."""
    cards = await ask(AgentSearchScreen("a referral"))
    if not cards:
        return None
    names = ", ".join(card.name for card in cards)
    if view is not None and "add_receivers" in view.actions:
        choices = [("add", f"Add them as receivers of {view.id}"), ("new", "Start a new referral to them")]
        choice = await ask(ChoiceModal(f"Refer to {names}", choices))
        if choice is None:
            return None
        if choice == "add":
            return Op(view.id, "add_receivers", {"receivers": [card.id for card in cards]},
                      done=f"Added {names} to {view.id}")
    return Open(OutboundForm(receivers=cards))


# ------------------------------------------------------------ p, x, A: pick, sign, archive


async def pick(view: ReferralView, ask: Ask) -> Outcome:
    """The sender picks the final receiver among the interested, at a fee percent."""
    if "pick" not in view.actions:
        return Warn(f"Nothing to pick on {view.id} ({status_label(view.status)}).")
    interested = [r for r in view.recipients if r.answer == "interested"]
    if not interested:
        return Warn(f"No receiver of {view.id} has expressed interest yet.")
    choices = [(r.person.id, fmt.recipient_label(r)) for r in interested]
    receiver = await ask(ChoiceModal(f"Pick the receiver of {view.id}", choices))
    if receiver is None:
        return None
    fee = await ask(FeeModal(f"Fee percent for {view.id}", view.fee_percent or DEFAULT_FEE_PERCENT,
                             "usual range 20-35 %"))
    if fee is None:
        return None
    name = next(r.person.name for r in interested if r.person.id == receiver)
    return Op(view.id, "pick", {"receiver": receiver, "fee_percent": fee},
              done=f"Picked {name} for {view.id} at {fee:g} %")


async def sign(view: ReferralView, ask: Ask) -> Outcome:
    if "sign" not in view.actions:
        return Warn(f"Nothing to sign on {view.id} ({status_label(view.status)}).")
    fee = await ask(FeeModal(f"Sign the agreement for {view.id}", view.fee_percent or DEFAULT_FEE_PERCENT,
                             "confirm the fee percent of the agreement"))
    if fee is None:
        return None
    return Op(view.id, "sign", {"fee_percent": fee}, done=f"Signed {view.id} at {fee:g} %")


def archive(view: ReferralView) -> Outcome:
    if "archive" not in view.actions:
        return Warn(f"Nothing to archive on {view.id} ({status_label(view.status)}).")
    return Op(view.id, "archive", done=f"Archived {view.id}")


# ------------------------------------------------------------ what the hub answered


def done_text(op: Op, view: ReferralView | None) -> str:
    """The toast once the hub did `op` (`view`: the referral after it, when we may still see it)."""
    revealed = ""
    if op.name == "claim" and view is not None and view.visibility == "full":
        revealed = " — contact revealed"
    elif op.name in ("sign", "pick") and view is not None and view.status == "awarded":
        revealed = " — both signed: awarded"
    done = op.done or f"{fmt.ACCEPT_DONE.get(op.name) or fmt.REJECT_DONE.get(op.name) or op.name} {op.referral_id}"
    return f"{done}{revealed}"


def refusal_text(exc: HubError, tz: tzinfo | None) -> str:
    """Why the hub refused an op, for people: a lost claim names the winner and when."""
    winner, at = exc.details.get("winner"), exc.details.get("at")
    if exc.code == ErrorCode.CLAIM_LOST and winner:
        name = winner.get("name", "") if isinstance(winner, dict) else str(winner)
        when = ""
        if at:
            try:
                when = " at " + fmt.clock_time(msgspec.convert(at, datetime), tz)
            except msgspec.ValidationError:
                when = f" at {at}"
        return f"{name} claimed it{when}"
    return exc.message
