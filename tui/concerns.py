"""Which changes of a referral ask something of the person, told by comparing how they saw it
before with how they see it now: another party's interest in their referral, their being picked,
the other side's signature, contact revealed to them. Each names who did it, and is never about
the person's own acts (an answer, a pick or a signature is theirs when it is in their own place:
their role's signature, their own answer).

No Textual here: the app alerts with what `concern` returns.
"""

from __future__ import annotations

from shared.domain import Visibility
from shared.protocol import ReferralView


def role_of(view: ReferralView, me: str) -> str:
    """The person's side of an agent referral's agreement: "sender" or "receiver"."""
    return "sender" if view.sender is not None and view.sender.id == me else "receiver"


def concern(old: ReferralView | None, new: ReferralView, me: str) -> tuple[str, str] | None:
    """(title, message) when the change from `old` to `new` was another's and concerns `me`."""
    if old is None or not me:
        return None
    what = f"{new.id}: {new.client_name}" if new.client_name else new.id
    before = {r.person.id: r.answer for r in old.recipients}
    for recipient in new.recipients:
        if (recipient.answer == "interested" and before.get(recipient.person.id) != "interested"
                and recipient.person.id != me):
            return f"Interest in {new.id}", f"{recipient.person.name} is interested in {what}"
    picked = new.receiver is not None and new.receiver.id == me
    if picked and (old.receiver is None or old.receiver.id != me) and new.sender is not None \
            and new.sender.id != me:
        return f"Picked for {new.id}", f"{new.sender.name} picked you for {what}"
    revealed = new.visibility == Visibility.FULL and old.visibility != Visibility.FULL
    mine = role_of(new, me)
    signers = [side for side in new.signed_by if side not in old.signed_by and side != mine]
    if signers:
        other = new.sender if signers[0] == "sender" else new.receiver
        name = other.name if other is not None else f"The {signers[0]}"
        tail = " — contact revealed" if revealed else ""
        return f"Signed: {new.id}", f"{name} signed the agreement for {what}{tail}"
    if revealed:
        return f"Contact revealed: {new.id}", f"You can now see the client's contact on {what}"
    return None
