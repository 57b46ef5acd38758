"""One message thread per referral, between its parties only; unread counts per person."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import HubError
from server.events.transaction import Tx
from server.storage.models import Message, Person, Referral, ThreadRead
from server.views.audience import audience_of
from server.views.fields import person_refs
from server.views.visibility import THREAD_PARTIES
from shared.protocol import EVENT_MESSAGE, MAX_MESSAGE_CHARS, ErrorCode, MessageView, PersonRef


async def thread_parties(session: AsyncSession, ref: Referral) -> list[str]:
    viewers = await audience_of(session, ref)
    return [pid for pid, viewer in viewers.items() if viewer.parties & THREAD_PARTIES]


async def _party_ref(session: AsyncSession, ref_id: str, person: Person) -> Referral:
    """The referral whose thread `person` is a party to. Someone who may not see the referral is
    told it does not exist, exactly as for an id that was never used."""
    ref = await session.get(Referral, ref_id)
    viewers = await audience_of(session, ref) if ref is not None else {}
    viewer = viewers.get(person.id)
    if ref is None or viewer is None:
        raise HubError(ErrorCode.NOT_FOUND, f"no referral {ref_id} that you may see")
    if not viewer.parties & THREAD_PARTIES:
        raise HubError(
            ErrorCode.FORBIDDEN, f"only the parties of {ref_id} may read or write its thread"
        )
    return ref


def _views(messages: list[Message], names: dict[str, PersonRef]) -> list[MessageView]:
    return [
        MessageView(id=m.id, referral_id=m.referral_id, author=names[m.author_id], body=m.body, at=m.at)
        for m in messages
    ]


async def read(session: AsyncSession, ref_id: str, person: Person) -> tuple[list[MessageView], bool]:
    """The whole thread, oldest first, from a read; and whether `person` has not read its last
    message yet (then `mark_read` records it, in a write)."""
    await _party_ref(session, ref_id, person)
    messages = list(
        (await session.execute(
            select(Message).where(Message.referral_id == ref_id).order_by(Message.id)
        )).scalars()
    )
    unread = False
    if messages:
        mark = await session.get(ThreadRead, (ref_id, person.id))
        unread = mark is None or mark.last_read_id < messages[-1].id
    names = await person_refs(session, {m.author_id for m in messages})
    return _views(messages, names), unread


async def mark_read(tx: Tx, ref_id: str, person: Person, last_id: int) -> None:
    """`person` has read the thread up to message `last_id` (never moved back)."""
    mark = await tx.session.get(ThreadRead, (ref_id, person.id))
    if mark is None:
        tx.session.add(ThreadRead(referral_id=ref_id, person_id=person.id, last_read_id=last_id))
    elif mark.last_read_id < last_id:
        mark.last_read_id = last_id


async def post(tx: Tx, ref_id: str, person: Person, body: str) -> MessageView:
    text = body.strip()
    if not text:
        raise HubError(ErrorCode.BAD_REQUEST, "a message needs some text")
    if len(text) > MAX_MESSAGE_CHARS:
        raise HubError(
            ErrorCode.TOO_LARGE,
            f"a message holds at most {MAX_MESSAGE_CHARS} characters; this one has {len(text)}",
            limit=MAX_MESSAGE_CHARS,
        )
    ref = await _party_ref(tx.session, ref_id, person)
    message = Message(referral_id=ref.id, author_id=person.id, body=text, at=tx.now)
    tx.session.add(message)
    await tx.session.flush()
    mark = await tx.session.get(ThreadRead, (ref.id, person.id))
    if mark is None:
        tx.session.add(ThreadRead(referral_id=ref.id, person_id=person.id, last_read_id=message.id))
    else:
        mark.last_read_id = message.id
    names = await person_refs(tx.session, {person.id})
    view = _views([message], names)[0]
    parties = await thread_parties(tx.session, ref)
    tx.notify(ref.id, parties, EVENT_MESSAGE, view)
    for party in parties:
        if party != person.id:
            tx.mail(
                party,
                "message",
                f"New message on {ref.id} from {person.name}",
                f"{person.name} wrote on referral {ref.id}:\n\n{text}\n\nAnswer in the triage app.\n",
            )
    return view


async def unread_counts(session: AsyncSession, person_id: str, ref_ids: list[str]) -> dict[str, int]:
    """Messages by others after the last one `person_id` read, per referral."""
    if not ref_ids:
        return {}
    last_read = (
        select(ThreadRead.last_read_id)
        .where(ThreadRead.referral_id == Message.referral_id, ThreadRead.person_id == person_id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Message.referral_id, func.count())
        .where(
            Message.referral_id.in_(ref_ids),
            Message.author_id != person_id,
            Message.id > func.coalesce(last_read, 0),
        )
        .group_by(Message.referral_id)
    )
    return {ref_id: count for ref_id, count in rows}
