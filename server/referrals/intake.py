"""Creating referrals: who may create which kind, what each needs, duplicate flags, first offers."""

from __future__ import annotations

import re

from server.errors import HubError
from server.events.transaction import Tx
from server.referrals.duplicates import Prospect, find_duplicate
from server.referrals.sending import send
from server.routing.claim_windows import window_for
from server.routing.offers import offer_next
from server.storage.ids import new_id
from server.storage.models import Person, Program, Referral
from shared.domain import DEFAULT_FEE_PERCENT, Kind, Role
from shared.lifecycle import INITIAL_STATUS
from shared.protocol import ErrorCode, ReferralInput

_CREATOR_ROLE = {
    Kind.AGENT: Role.AGENT,
    Kind.PARTNER: Role.PARTNER,
    Kind.APPOINTMENT: Role.CONCIERGE,
    Kind.ACTIVE: Role.CONCIERGE,
}


def _bad(message: str, **details: object) -> HubError:
    return HubError(ErrorCode.BAD_REQUEST, message, **details)


def _validate(data: ReferralInput) -> None:
    if data.kind == Kind.PARTNER:
        if not data.company.strip():
            raise _bad("a partner referral needs the prospect's company")
        if not data.program:
            raise _bad("a partner referral needs the program it is submitted to")
        return
    if not data.first_name.strip():
        raise _bad("the client's first name is required")
    if not re.fullmatch(r"\d{5}", data.zip.strip()):
        raise _bad(f"zip must be a 5-digit US zip code, got {data.zip!r}", field="zip")
    if data.price_min is not None and data.price_max is not None and data.price_min > data.price_max:
        raise _bad("price_min is above price_max")
    if data.fee_percent is not None and not 0 < data.fee_percent <= 100:
        raise _bad("fee_percent must be between 0 and 100")
    if data.claim_window_seconds is not None and data.claim_window_seconds < 1:
        raise _bad("claim_window_seconds must be positive")
    if data.kind == Kind.AGENT and data.send and data.mode is None:
        raise _bad("an agent referral that is sent needs a mode: private, network or open")


async def submit(tx: Tx, person: Person, data: ReferralInput, window: int) -> Referral:
    kind = Kind(data.kind)
    if _CREATOR_ROLE[kind] not in person.role_list:
        raise HubError(
            ErrorCode.FORBIDDEN,
            f"creating a {kind} referral needs the {_CREATOR_ROLE[kind]} role",
        )
    _validate(data)
    program = None
    if kind in (Kind.PARTNER, Kind.APPOINTMENT) and data.program:
        program = await tx.session.get(Program, data.program)
        if program is None:
            raise HubError(
                ErrorCode.NOT_FOUND, f"no program {data.program} (see `triage program list`)",
                field="program",
            )
    window_seconds = data.claim_window_seconds
    if kind == Kind.APPOINTMENT and window_seconds is None:
        window_seconds = await window_for(tx.session, data.zip.strip(), program)
    status = INITIAL_STATUS[kind]
    ref = Referral(
        id=new_id("R-"),
        kind=kind,
        status=status,
        mode=None,
        sender_id=person.id,
        program_id=program.id if program else None,
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        email=data.email.strip(),
        phone=data.phone.strip(),
        street=data.street.strip(),
        city=data.city.strip(),
        state=data.state.strip(),
        zip=data.zip.strip(),
        price_min=data.price_min,
        price_max=data.price_max,
        timeframe=data.timeframe,
        intent=data.intent,
        notes=data.notes,
        lead_type=data.lead_type,
        appointment_at=data.appointment_at,
        company=data.company.strip(),
        contact_person=data.contact_person.strip(),
        contact_email=data.contact_email.strip().lower(),
        contact_phone=data.contact_phone.strip(),
        title=data.title,
        website=data.website.strip(),
        fee_percent=(data.fee_percent or DEFAULT_FEE_PERCENT) if kind == Kind.AGENT else None,
        claim_window_seconds=window_seconds,
        created_at=tx.now,
        updated_at=tx.now,
    )
    if program is not None and kind == Kind.PARTNER:
        prospect = Prospect(data.company, data.contact_email, data.contact_phone, data.website)
        found = await find_duplicate(tx.session, program.id, prospect)
        if found is not None:
            ref.duplicate_of, ref.duplicate_reason = found.of, found.reason
    tx.session.add(ref)
    await tx.touch(ref, new=True)
    tx.audit(ref, person.id, "created", None, status)
    await tx.session.flush()
    if kind == Kind.APPOINTMENT:
        await offer_next(tx, ref, window)
    if kind == Kind.AGENT and data.send and data.mode is not None:
        await send(tx, ref.id, person, data.mode, data.receivers)
    return ref

