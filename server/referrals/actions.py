"""What a person does to a referral other than claiming: interest, decline, accept, reject,
archive, take an active lead, and plain status moves. Each checks the lifecycle and the person's
part in the referral, changes rows through the transaction, and writes the audit entry.
"""

from __future__ import annotations

from server.errors import HubError
from server.events.transaction import Tx
from server.referrals.invoices import invoice_on_accept
from server.storage.models import Person, Recipient, Referral
from server.views.audience import viewer_for
from server.views.visibility import Viewer
from shared.domain import Kind, Role, Status
from shared.lifecycle import MoveRefused, check_move, may_move, reason_required
from shared.protocol import ErrorCode


async def load_for(
    tx: Tx, ref_id: str, person: Person, *, by_link: bool = False
) -> tuple[Referral, Viewer]:
    """The referral and how `person` sees it; not_found when it is not theirs to see.

    `by_link`: an agent answering an open referral found by search or by its shareable link,
    outside the area it was sent to (any agent may open an open referral's link)."""
    ref = await tx.referral(ref_id)
    by_link = by_link and Role.AGENT in person.role_list
    viewer = await viewer_for(tx.session, ref, person.id, by_link=by_link) if ref is not None else None
    if ref is None or viewer is None:
        raise HubError(ErrorCode.NOT_FOUND, f"no referral {ref_id} that you may see")
    return ref, viewer


def _require_action(ref: Referral, viewer: Viewer, action: str) -> None:
    if action not in viewer.actions:
        possible = ", ".join(viewer.actions) or "nothing"
        raise HubError(
            ErrorCode.FORBIDDEN,
            f"you cannot {action} {ref.id} now (status {ref.status}); you may: {possible}",
            status=ref.status,
            actions=list(viewer.actions),
        )


def _move(tx: Tx, ref: Referral, actor: Person, to: Status, reason: str, action: str) -> None:
    try:
        check_move(Kind(ref.kind), Status(ref.status), to)
    except MoveRefused as refused:
        raise HubError(
            ErrorCode.FORBIDDEN_MOVE,
            str(refused),
            status=ref.status,
            allowed=list(refused.allowed),
        ) from None
    if reason_required(Kind(ref.kind), to) and not reason.strip():
        raise HubError(ErrorCode.REASON_REQUIRED, f"moving {ref.id} to {to} needs a reason")
    tx.audit(ref, actor.id, action, ref.status, to, reason)
    ref.status = to


async def _recipient(tx: Tx, ref: Referral, person: Person) -> Recipient:
    row = await tx.session.get(Recipient, (ref.id, person.id))
    if row is None:  # an open referral: answering makes the agent a recipient
        row = Recipient(referral_id=ref.id, person_id=person.id, answer="")
        tx.session.add(row)
    return row


async def interest(tx: Tx, ref_id: str, person: Person) -> Referral:
    ref, viewer = await load_for(tx, ref_id, person, by_link=True)
    _require_action(ref, viewer, "interest")
    await tx.touch(ref)
    row = await _recipient(tx, ref, person)
    row.answer, row.answered_at = "interested", tx.now
    if ref.status == Status.NEW:
        _move(tx, ref, person, Status.ACCEPTED, "", "interested")
    else:
        tx.audit(ref, person.id, "interested")
    return ref


async def decline(tx: Tx, ref_id: str, person: Person, reason: str) -> Referral:
    ref, viewer = await load_for(tx, ref_id, person, by_link=True)
    _require_action(ref, viewer, "decline")
    await tx.touch(ref, reason="you declined")
    row = await _recipient(tx, ref, person)
    row.answer, row.answered_at = "declined", tx.now
    tx.audit(ref, person.id, "declined", reason=reason)
    return ref


async def vendor_decision(tx: Tx, ref_id: str, person: Person, action: str, reason: str) -> Referral:
    """accept, reject (reason required) or archive a partner referral, as its program's vendor."""
    ref, viewer = await load_for(tx, ref_id, person)
    _require_action(ref, viewer, action)
    to = {"accept": Status.ACCEPTED, "reject": Status.REJECTED, "archive": Status.ARCHIVED}[action]
    await tx.touch(ref)
    _move(tx, ref, person, to, reason, action)
    if to == Status.ACCEPTED:
        await invoice_on_accept(tx, ref)
    return ref


async def work(tx: Tx, ref_id: str, person: Person) -> Referral:
    """An eligible agent takes an active lead: it moves to working with them as the receiver."""
    ref, viewer = await load_for(tx, ref_id, person)
    _require_action(ref, viewer, "work")
    await tx.touch(ref, reason=f"taken by {person.name}")
    _move(tx, ref, person, Status.WORKING, "", "work")
    ref.receiver_id = person.id
    return ref


async def move(tx: Tx, ref_id: str, person: Person, to: Status, reason: str) -> Referral:
    """A plain status move, allowed when the lifecycle and the person's part in it allow it."""
    ref, viewer = await load_for(tx, ref_id, person)
    kind, current = Kind(ref.kind), Status(ref.status)
    if to not in viewer.moves:
        try:
            check_move(kind, current, to)
        except MoveRefused as refused:
            raise HubError(
                ErrorCode.FORBIDDEN_MOVE, str(refused), status=ref.status, allowed=list(refused.allowed)
            ) from None
        who = "you" if not may_move(kind, current, to, viewer.parties) else "this operation"
        raise HubError(
            ErrorCode.FORBIDDEN,
            f"{who} cannot move {ref.id} from {current} to {to}; "
            f"your moves now: {', '.join(viewer.moves) or 'none'}",
            status=ref.status,
            allowed=list(viewer.moves),
        )
    await tx.touch(ref)
    _move(tx, ref, person, to, reason, "status")
    return ref

