"""Partner commission invoices: accepting a referral in an introduction-fee program creates one,
in the same transaction as the acceptance."""

from __future__ import annotations

from server.events.transaction import Tx
from server.storage.ids import new_id
from server.storage.models import Invoice, Program, Referral


async def invoice_on_accept(tx: Tx, ref: Referral) -> Invoice | None:
    program = await tx.session.get(Program, ref.program_id) if ref.program_id else None
    if program is None or program.fee_type != "intro" or program.fee_amount <= 0:
        return None
    invoice = Invoice(
        id=new_id("INV-"),
        referral_id=ref.id,
        program_id=program.id,
        partner_id=ref.sender_id,
        amount=program.fee_amount,
        status="open",
        created_at=tx.now,
    )
    tx.session.add(invoice)
    tx.audit(ref, "hub", "invoiced", reason=f"{invoice.id}: {program.fee_amount:.2f} introduction fee")
    return invoice
