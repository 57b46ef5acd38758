"""Render a referral as one viewer may see it: the masking rules of docs/domain.md
("Who sees the client's contact"), as allowlists.

Whatever a visibility level does not list never leaves the hub, so a field added to the model
stays private until someone decides who may see it.
"""

from __future__ import annotations

from typing import Any

from server.storage.models import Referral
from server.views.visibility import Viewer
from shared.domain import Visibility
from shared.lifecycle import Party
from shared.protocol import OfferView, PersonRef, RecipientView, ReferralView

_ALWAYS = {"id", "kind", "status", "visibility", "created_at", "updated_at", "sender", "receiver",
           "mode", "program", "offer", "actions", "moves", "fee_percent", "duplicate_of",
           "duplicate_reason", "link", "signed_by", "recipients"}
_AREA = {"city", "state", "zip", "lead_type", "appointment_at"}
_MASKED = _AREA | {"client_name", "price_min", "price_max", "timeframe", "intent", "notes",
                   "company", "title", "website"}
_NAME_ADDRESS = _MASKED | {"street"}
_FULL = _NAME_ADDRESS | {"email", "phone", "contact_person", "contact_email", "contact_phone"}

ALLOWED: dict[Visibility, frozenset[str]] = {
    Visibility.AREA_ONLY: frozenset(_ALWAYS | _AREA),
    Visibility.MASKED: frozenset(_ALWAYS | _MASKED),
    Visibility.NAME_ADDRESS: frozenset(_ALWAYS | _NAME_ADDRESS),
    Visibility.FULL: frozenset(_ALWAYS | _FULL),
}


def masked_name(first: str, last: str) -> str:
    return f"{first} {last[:1]}.".strip() if last else first


def full_fields(
    ref: Referral,
    names: dict[str, PersonRef],
    program: str = "",
    recipients: list[RecipientView] | None = None,
    signed_by: list[str] | None = None,
) -> dict[str, Any]:
    """Every field of a referral view, before masking."""
    return {
        "duplicate_reason": ref.duplicate_reason,
        "link": ref.link or "",
        "recipients": recipients or [],
        "signed_by": signed_by or [],
        "id": ref.id,
        "kind": ref.kind,
        "status": ref.status,
        "created_at": ref.created_at,
        "updated_at": ref.updated_at,
        "sender": names.get(ref.sender_id),
        "receiver": names.get(ref.receiver_id) if ref.receiver_id else None,
        "mode": ref.mode,
        "client_name": f"{ref.first_name} {ref.last_name}".strip(),
        "email": ref.email,
        "phone": ref.phone,
        "street": ref.street,
        "city": ref.city,
        "state": ref.state,
        "zip": ref.zip,
        "price_min": ref.price_min,
        "price_max": ref.price_max,
        "timeframe": ref.timeframe,
        "intent": ref.intent,
        "notes": ref.notes,
        "lead_type": ref.lead_type,
        "appointment_at": ref.appointment_at,
        "company": ref.company,
        "contact_person": ref.contact_person,
        "contact_email": ref.contact_email,
        "contact_phone": ref.contact_phone,
        "title": ref.title,
        "website": ref.website,
        "program": program,
        "duplicate_of": ref.duplicate_of,
        "fee_percent": ref.fee_percent,
    }


def render(fields: dict[str, Any], ref: Referral, viewer: Viewer) -> ReferralView:
    """The view of `viewer`: allowed fields only, plus the viewer's own offer and actions."""
    allowed = ALLOWED[viewer.visibility]
    kept = {k: v for k, v in fields.items() if k in allowed and v is not None}
    if Party.SENDER not in viewer.parties:
        kept.pop("recipients", None)  # who else was asked is the sender's business
    if viewer.visibility == Visibility.MASKED:
        kept["client_name"] = masked_name(ref.first_name, ref.last_name)
    offer = viewer.offer
    if offer is not None:
        kept["offer"] = OfferView(
            phase=offer.phase,
            state=offer.state,
            offered_at=offer.offered_at,
            deadline=offer.deadline,
            why=offer.why,
        )
    kept["visibility"] = viewer.visibility
    kept["actions"] = list(viewer.actions)
    kept["moves"] = list(viewer.moves)
    return ReferralView(**kept)
