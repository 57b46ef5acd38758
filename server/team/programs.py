"""Partner programs: a vendor, an introduction fee (flat) or a percent, and a claim window."""

from __future__ import annotations

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import HubError
from server.events.transaction import Tx
from server.storage.ids import new_id
from server.storage.models import Person, Program
from server.team import checks
from server.team.profiles import person_or_error
from server.team.pushes import changed
from shared.domain import Role
from shared.protocol import ErrorCode
from shared.protocol.team import ProgramTerms, ProgramView


async def _view(session: AsyncSession, program: Program) -> ProgramView:
    vendor = await session.get(Person, program.vendor_id)
    return ProgramView(
        id=program.id, name=program.name, vendor_id=program.vendor_id,
        vendor_name=vendor.name if vendor else "", fee_type=program.fee_type,  # type: ignore[arg-type]
        fee_amount=program.fee_amount, claim_window_seconds=program.claim_window_seconds,
    )


async def list_programs(session: AsyncSession) -> list[ProgramView]:
    programs = (await session.execute(select(Program).order_by(Program.name, Program.id))).scalars()
    return [await _view(session, p) for p in programs]


async def _vendor(session: AsyncSession, vendor_id: str) -> Person:
    vendor = await person_or_error(session, vendor_id, field="vendor")
    if Role.VENDOR not in vendor.role_list:
        raise checks.bad(
            "vendor", f"vendor: {vendor.id} {vendor.name} holds no vendor role "
            f"(give it with `triage agent set {vendor.id} --role vendor ...`)"
        )
    return vendor


def _terms_text(program: Program) -> dict[str, str]:
    window = program.claim_window_seconds
    return {
        "name": program.name, "vendor": program.vendor_id,
        "fee": f"{program.fee_type} {program.fee_amount:g}",
        "claim window": f"{window} s" if window else "the hub's default",
    }


async def add_program(
    tx: Tx, actor_id: str, terms: ProgramTerms, program_id: str | None = None
) -> ProgramView:
    """Create a program; every term is checked first."""
    if terms.name is msgspec.UNSET or terms.vendor is msgspec.UNSET:
        raise checks.bad("name" if terms.name is msgspec.UNSET else "vendor", "a program needs a name and a vendor")
    name = checks.text("name", terms.name, required=True)
    vendor = await _vendor(tx.session, terms.vendor)
    fee_type = "intro" if terms.fee_type is msgspec.UNSET else terms.fee_type
    amount = checks.fee(fee_type, 0.0 if terms.fee_amount is msgspec.UNSET else terms.fee_amount)
    window = None if terms.claim_window_seconds is msgspec.UNSET else checks.window(terms.claim_window_seconds)
    if program_id is not None:
        if not program_id.strip() or len(program_id) > 40:
            raise checks.bad("id", "a program id is 1 to 40 characters")
        if await tx.session.get(Program, program_id) is not None:
            raise checks.bad("id", f"a program {program_id} exists already")
    program = Program(
        id=program_id or new_id("PRG-"), name=name, vendor_id=vendor.id, fee_type=fee_type,
        fee_amount=amount, claim_window_seconds=window,
    )
    tx.session.add(program)
    await tx.session.flush()
    said = "; ".join(f"{k} {v}" for k, v in _terms_text(program).items())
    await changed(tx, actor_id, program.id, "program_added", said, concerned=[program.vendor_id])
    return await _view(tx.session, program)


async def set_program(tx: Tx, actor_id: str, program_id: str, terms: ProgramTerms) -> ProgramView:
    """Change a program's terms (all or nothing)."""
    program = await tx.session.get(Program, program_id, with_for_update={"key_share": True})
    if program is None:
        raise HubError(ErrorCode.NOT_FOUND, f"no program {program_id}", field="id")
    before = _terms_text(program)
    name = program.name if terms.name is msgspec.UNSET else checks.text("name", terms.name, required=True)
    vendor_id = program.vendor_id if terms.vendor is msgspec.UNSET else (await _vendor(tx.session, terms.vendor)).id
    fee_type = program.fee_type if terms.fee_type is msgspec.UNSET else terms.fee_type
    amount = checks.fee(fee_type, program.fee_amount if terms.fee_amount is msgspec.UNSET else terms.fee_amount)
    window = (program.claim_window_seconds if terms.claim_window_seconds is msgspec.UNSET
              else checks.window(terms.claim_window_seconds))
    program.name, program.vendor_id, program.fee_type = name, vendor_id, fee_type
    program.fee_amount, program.claim_window_seconds = amount, window
    after = _terms_text(program)
    said = [f"{k} {before[k]} -> {after[k]}" for k in after if before[k] != after[k]]
    if said:
        await tx.session.flush()
        await changed(tx, actor_id, program.id, "program_changed", "; ".join(said),
                      concerned={before["vendor"], program.vendor_id})
    return await _view(tx.session, program)
