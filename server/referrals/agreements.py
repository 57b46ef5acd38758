"""The end of an agent referral's matching: the sender picks the final receiver among the
interested, both sign the agreement (fee percent), and only then does the receiver see the
client's contact (the reveal is audited by the write transaction)."""

from __future__ import annotations

from sqlalchemy import select

from server.errors import HubError
from server.events.transaction import Tx
from server.referrals.sending import load_own
from server.storage.models import Person, Recipient, Referral, Signature
from shared.domain import Kind, Status
from shared.protocol import ErrorCode


async def pick(
    tx: Tx, ref_id: str, sender: Person, receiver_id: str, fee_percent: float | None
) -> Referral:
    ref = await load_own(tx, ref_id, sender)
    if ref.status != Status.ACCEPTED:
        raise HubError(
            ErrorCode.FORBIDDEN_MOVE,
            f"a final receiver is picked when the referral is accepted; {ref.id} is {ref.status}",
            status=ref.status,
        )
    row = await tx.session.get(Recipient, (ref.id, receiver_id))
    if row is None or row.answer != "interested":
        interested = (
            await tx.session.execute(
                select(Recipient.person_id).where(
                    Recipient.referral_id == ref.id, Recipient.answer == "interested"
                )
            )
        ).scalars().all()
        raise HubError(
            ErrorCode.NOT_INTERESTED,
            f"{receiver_id} has not expressed interest in {ref.id}",
            interested=list(interested),
        )
    if fee_percent is not None and not 0 < fee_percent <= 100:
        raise HubError(ErrorCode.BAD_REQUEST, "fee_percent must be between 0 and 100")
    receiver = await tx.session.get(Person, receiver_id)
    assert receiver is not None
    await tx.touch(ref, reason=f"the sender chose {receiver.name}")
    if fee_percent is not None:
        ref.fee_percent = fee_percent
    ref.receiver_id = receiver_id
    tx.audit(ref, sender.id, "picked", Status.ACCEPTED, Status.PENDING, reason=receiver.name)
    ref.status = Status.PENDING
    return ref


async def sign(tx: Tx, ref_id: str, person: Person, fee_percent: float) -> Referral:
    ref = await tx.referral(ref_id)
    if ref is None or ref.kind != Kind.AGENT or person.id not in (ref.sender_id, ref.receiver_id):
        raise HubError(ErrorCode.NOT_FOUND, f"no agreement of yours for {ref_id}")
    if ref.status != Status.PENDING:
        raise HubError(
            ErrorCode.FORBIDDEN_MOVE,
            f"the agreement is signed while the referral is pending; {ref.id} is {ref.status}",
            status=ref.status,
        )
    if await tx.session.get(Signature, (ref.id, person.id)) is not None:
        raise HubError(ErrorCode.ALREADY_SIGNED, f"you already signed the agreement of {ref.id}")
    if ref.fee_percent is None or abs(fee_percent - ref.fee_percent) > 1e-9:
        raise HubError(
            ErrorCode.FEE_MISMATCH,
            f"the agreement of {ref.id} is for a {ref.fee_percent:g}% fee, not {fee_percent:g}%",
            fee_percent=ref.fee_percent,
        )
    await tx.touch(ref)
    role = "sender" if person.id == ref.sender_id else "receiver"
    tx.session.add(
        Signature(referral_id=ref.id, person_id=person.id, role=role, fee_percent=fee_percent, at=tx.now)
    )
    await tx.session.flush()
    signers = (
        await tx.session.execute(select(Signature.role).where(Signature.referral_id == ref.id))
    ).scalars().all()
    if {"sender", "receiver"} <= set(signers):
        tx.audit(ref, person.id, "signed", Status.PENDING, Status.AWARDED, reason=f"{role}, {fee_percent:g}%")
        ref.status = Status.AWARDED
        ref.awarded_at = tx.now
    else:
        tx.audit(ref, person.id, "signed", reason=f"{role}, {fee_percent:g}%")
    return ref
