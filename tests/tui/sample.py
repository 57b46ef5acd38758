"""Deterministic referrals for tests that do not need a hub (snapshots, unit tests)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from shared.domain import Kind, OfferPhase, OfferState, Status, Visibility
from shared.protocol import InboxResult, OfferView, PersonRef, PersonView, ReferralView

NOW = datetime(2025, 3, 14, 15, 0, 0, tzinfo=timezone.utc)
ME = PersonView(id="P-DANA", name="Dana Cole", roles=["agent"], zips=["78701"])
CONCIERGE = PersonRef(id="P-DESK", name="Routing Desk")


def offer(seconds_left: int, offered_ago: int = 600) -> OfferView:
    return OfferView(
        phase=OfferPhase.RANKED,
        state=OfferState.OPEN,
        offered_at=NOW - timedelta(seconds=offered_ago),
        deadline=NOW + timedelta(seconds=seconds_left),
    )


def referrals() -> list[ReferralView]:
    return [
        ReferralView(
            id="RAPPT01", kind=Kind.APPOINTMENT, status=Status.OFFERED,
            visibility=Visibility.AREA_ONLY, created_at=NOW - timedelta(minutes=10),
            updated_at=NOW - timedelta(minutes=10), sender=CONCIERGE, city="Austin", zip="78701",
            lead_type="home valuation", offer=offer(1500), actions=["claim", "pass"],
        ),
        ReferralView(
            id="RAPPT02", kind=Kind.APPOINTMENT, status=Status.OFFERED,
            visibility=Visibility.AREA_ONLY, created_at=NOW - timedelta(minutes=28),
            updated_at=NOW - timedelta(minutes=28), sender=CONCIERGE, city="Austin", zip="78702",
            lead_type="cash offer", offer=offer(240), actions=["claim", "pass"],
        ),
        ReferralView(
            id="RAPPT03", kind=Kind.APPOINTMENT, status=Status.OFFERED,
            visibility=Visibility.AREA_ONLY, created_at=NOW - timedelta(minutes=29),
            updated_at=NOW - timedelta(minutes=29), sender=CONCIERGE, city="Round Rock",
            zip="78664", lead_type="listing consult", offer=offer(42), actions=["claim", "pass"],
        ),
        ReferralView(
            id="RAGENT4", kind=Kind.AGENT, status=Status.NEW, visibility=Visibility.MASKED,
            created_at=NOW - timedelta(hours=2), updated_at=NOW - timedelta(hours=2),
            sender=PersonRef(id="P-SAM", name="Sam Ortiz", brokerage="Hill Country Realty"),
            client_name="Maria G.", city="Austin", zip="78704", price_min=450_000,
            price_max=600_000, intent="buy", timeframe="3 months", mode="private",
            notes="Relocating from Denver; wants a yard.", fee_percent=25.0,
            actions=["interest", "decline"],
        ),
        ReferralView(
            id="RACTIV5", kind=Kind.ACTIVE, status=Status.NEW, visibility=Visibility.NAME_ADDRESS,
            created_at=NOW - timedelta(hours=1), updated_at=NOW - timedelta(hours=1),
            sender=CONCIERGE, client_name="Tom Baker", street="12 Oak St", city="Austin",
            zip="78701", intent="sell", price_max=350_000, actions=["work"],
            moves=[Status.WORKING],
        ),
        ReferralView(
            id="RAWARD6", kind=Kind.APPOINTMENT, status=Status.AWARDED, visibility=Visibility.FULL,
            created_at=NOW - timedelta(days=1), updated_at=NOW - timedelta(hours=20),
            sender=CONCIERGE, receiver=PersonRef(id="P-DANA", name="Dana Cole"),
            client_name="Ann Lee", email="ann@example.com", phone="+1 512 555 0100",
            street="4 Elm Ave", city="Austin", state="TX", zip="78701",
            lead_type="home valuation", price_min=1_200_000, actions=["message"],
            moves=[Status.WORKING, Status.LOST],
        ),
    ]


def inbox(seq: int = 10) -> InboxResult:
    views = referrals()
    return InboxResult(seq=seq, server_time=NOW, total=len(views), referrals=views)


RITA = PersonRef(id="P-RITA", name="Rita Ruiz", brokerage="Mile High Homes")
REED = PersonRef(id="P-REED", name="Reed Olsen")


def sent_referral() -> ReferralView:
    """An agent referral Dana sent: one receiver interested, one declined, one silent."""
    from shared.protocol import RecipientView

    return ReferralView(
        id="RSENT07", kind=Kind.AGENT, status=Status.ACCEPTED, visibility=Visibility.FULL,
        created_at=NOW - timedelta(hours=3), updated_at=NOW - timedelta(minutes=30),
        sender=PersonRef(id=ME.id, name=ME.name), mode="private", client_name="Zoe Quinn",
        email="zoe.quinn@example.com", phone="303-555-0101", street="9 Elm St", city="Denver",
        state="CO", zip="80202", price_min=300_000, price_max=450_000, intent="buy",
        timeframe="3 months", fee_percent=25.0, notes="Pre-approved; relocating in spring.",
        recipients=[
            RecipientView(person=RITA, answer="interested", distance_miles=1.4),
            RecipientView(person=REED, answer="declined", distance_miles=6.2),
            RecipientView(person=PersonRef(id="P-KIM", name="Kim Nguyen"), distance_miles=11.0),
        ],
        actions=["add_receivers", "pick", "message"], moves=[Status.LOST],
    )
