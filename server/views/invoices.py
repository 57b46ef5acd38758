"""The invoices a person is party to (as the partner, or as the program's vendor), as views."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.storage.models import Invoice, Program
from shared.protocol import InvoiceView


async def invoices_for(session: AsyncSession, person_id: str) -> list[Invoice]:
    """The invoices a person is party to: as the partner, or as the program's vendor."""
    vendor_programs = select(Program.id).where(Program.vendor_id == person_id)
    rows = await session.execute(
        select(Invoice)
        .where((Invoice.partner_id == person_id) | Invoice.program_id.in_(vendor_programs))
        .order_by(Invoice.created_at)
    )
    return list(rows.scalars())


def invoice_view(invoice: Invoice) -> InvoiceView:
    i = invoice
    return InvoiceView(
        id=i.id, referral_id=i.referral_id, program_id=i.program_id, partner_id=i.partner_id,
        amount=i.amount, status=i.status, created_at=i.created_at,
    )
