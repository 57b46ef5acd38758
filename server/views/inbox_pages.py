"""One person's inbox as pages: the referrals they may see, by view and text filter, in the app's
order (deadlines first, soonest first; then newest first), and how many there are per view.

`server.views.visibility` decides who sees what, row by row, in Python; here the same rules are one SQL
condition, so paging, counting and filtering happen in SQLite (with indexes and LIMIT) and only
the page's rows are loaded. The page's rows then go through `viewers_of` and `render` exactly as
every other view of a referral does. The text filter matches only what the viewer's view shows:
a masked client is "Ann L.", an area-only appointment has no client at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, exists, false, func, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.storage.models import OFFER_IS_OPEN, Offer, Person, Program, Recipient, Referral
from server.storage.sql_text import position_of
from server.views.audience import viewers_of
from server.views.visibility import Viewer
from shared.domain import Kind, Mode, Status
from shared.inbox_query import ARCHIVED_STATUSES, VIEW_RULES, InboxFilter, ViewName

Sender = aliased(Person, name="sender")


@dataclass(frozen=True)
class InboxPage:
    rows: list[tuple[Referral, Viewer]]
    total: int  # rows in the asked view with the filter
    counts: dict[str, int]  # every view's rows with the filter


class _Rules:
    """The SQL conditions of `server.views.visibility` for one person."""

    def __init__(self, person: Person) -> None:
        pid = self.pid = person.id
        self.concierge = "concierge" in person.role_list
        zips = {z.zip: z.sponsor for z in person.zips}
        self.zips = list(zips)
        self.sponsored = [z for z, sponsor in zips.items() if sponsor]
        self.open_offer = exists().where(
            Offer.referral_id == Referral.id, Offer.agent_id == pid, OFFER_IS_OPEN
        ).correlate(Referral)
        self.recipient = exists().where(
            Recipient.referral_id == Referral.id, Recipient.person_id == pid
        ).correlate(Referral)
        self.declined = exists().where(
            Recipient.referral_id == Referral.id,
            Recipient.person_id == pid,
            Recipient.answer == "declined",
        ).correlate(Referral)
        self.sender = Referral.sender_id == pid
        self.receiver = Referral.receiver_id == pid

    def _in_zips(self, zips: list[str]) -> ColumnElement[bool]:
        return Referral.zip.in_(zips) if zips else false()

    @property
    def has_deadline(self) -> ColumnElement[bool]:
        """The viewer holds an open offer on it: the row shows a countdown (and sorts first)."""
        return and_(
            Referral.kind == Kind.APPOINTMENT, Referral.status == Status.OFFERED, self.open_offer
        )

    @property
    def visible(self) -> ColumnElement[bool]:
        """`viewer_of` is not None: the person is one of the referral's parties."""
        concierge_kinds = [Kind.APPOINTMENT, Kind.ACTIVE] if self.concierge else []
        program_ids = select(Program.id).where(Program.vendor_id == self.pid)
        return or_(
            self.sender,
            self.receiver,
            Referral.kind.in_(concierge_kinds) if concierge_kinds else false(),
            self.has_deadline,
            and_(Referral.kind == Kind.ACTIVE, Referral.status == Status.NEW,
                 self._in_zips(self.zips)),
            and_(
                Referral.kind == Kind.AGENT,
                Referral.status.in_([Status.NEW, Status.ACCEPTED]),
                or_(self.recipient, and_(Referral.mode == Mode.OPEN, self._in_zips(self.zips))),
                ~self.declined,
            ),
            and_(Referral.kind == Kind.PARTNER, Referral.program_id.in_(program_ids)),
        )

    def _level(self) -> ColumnElement[str]:
        """The viewer's visibility level, as `viewer_of` decides it."""
        concierge = literal(self.concierge)
        return case(
            (Referral.kind == Kind.PARTNER, "full"),
            (
                Referral.kind == Kind.APPOINTMENT,
                case((or_(self.sender, self.receiver, concierge), "full"), else_="area_only"),
            ),
            (
                Referral.kind == Kind.ACTIVE,
                case(
                    (or_(self.sender, concierge, self._in_zips(self.sponsored)), "full"),
                    else_="name_address",
                ),
            ),
            else_=case(
                (or_(self.sender, and_(self.receiver, Referral.awarded_at.is_not(None))), "full"),
                else_="masked",
            ),
        )

    def haystack(self) -> ColumnElement[str]:
        """What the app's filter searched in: id, client, company, contact, city, zip, sender,
        kind, status; each only as far as the viewer's view shows it."""
        level = self._level()
        full_name = func.trim(Referral.first_name + " " + Referral.last_name)
        masked_name = case(
            (Referral.last_name != "",
             func.trim(Referral.first_name + " " + func.substr(Referral.last_name, 1, 1) + ".")),
            else_=Referral.first_name,
        )
        client = case((level == "area_only", ""), (level == "masked", masked_name), else_=full_name)
        company = case((level == "area_only", ""), else_=Referral.company)
        contact = case((level == "full", Referral.contact_person), else_="")
        label = case((client != "", client), (company != "", company), (contact != "", contact),
                     else_="—")
        parts = [Referral.id, label, client, company, contact, Referral.city, Referral.zip,
                 func.coalesce(Sender.name, ""), Referral.kind, Referral.status]
        text = parts[0]
        for part in parts[1:]:
            text = text + " " + part
        return func.lower(text)


def _in_view(name: ViewName, pid: str) -> ColumnElement[bool]:
    """`shared.inbox_query.VIEW_RULES[name]` as SQL."""
    rule = VIEW_RULES[name]
    finished = Referral.status.in_(sorted(ARCHIVED_STATUSES))
    conditions = []
    if rule.finished is not None:
        conditions.append(finished if rule.finished else ~finished)
    if rule.mine is not None:
        conditions.append(Referral.sender_id == pid if rule.mine else Referral.sender_id != pid)
    return and_(*conditions) if conditions else literal(True)


def _matches(rules: _Rules, query: InboxFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.kinds:
        conditions.append(Referral.kind.in_(sorted(query.kinds)))
    if query.statuses:
        conditions.append(Referral.status.in_(sorted(query.statuses)))
    if query.words:
        # A cheap test on the raw columns first (a superset), then the exact one on the view.
        raw = func.lower(Referral.id + " " + Referral.first_name + " " + Referral.last_name + " "
                         + Referral.company + " " + Referral.contact_person + " " + Referral.city
                         + " " + Referral.zip + " " + func.coalesce(Sender.name, "") + " "
                         + Referral.kind + " " + Referral.status)
        haystack = rules.haystack()
        for word in query.words:
            if word.endswith(".") or word == "—":  # "Eli M." and "—" are made up by the view
                conditions.append(position_of(haystack, word) > 0)
            else:
                conditions.append(and_(position_of(raw, word) > 0, position_of(haystack, word) > 0))
    return conditions


def _base(rules: _Rules, query: InboxFilter, *columns, scan: bool = False):  # type: ignore[no-untyped-def]
    """`select(*columns)` of the person's referrals passing `query`. With `scan`, one of the
    visibility terms is hidden from the planner, so SQLite walks the `ORDER BY` index (and stops
    at the LIMIT) instead of gathering every visible row through the OR's indexes and sorting."""
    visible = rules.visible
    if scan:
        visible = or_(func.coalesce(Referral.sender_id, "") == rules.pid, visible)
    stmt = select(*columns).select_from(Referral).where(visible, *_matches(rules, query))
    if query.words:
        stmt = stmt.outerjoin(Sender, Sender.id == Referral.sender_id)
    return stmt


async def _counts(session: AsyncSession, rules: _Rules, query: InboxFilter) -> dict[str, int]:
    finished = _in_view("archived", rules.pid)
    every, archived, outbound = (await session.execute(_base(
        rules, query, func.count(), func.sum(case((finished, 1), else_=0)),
        func.sum(case((_in_view("outbound", rules.pid), 1), else_=0)),
    ))).one()
    every, archived, outbound = int(every or 0), int(archived or 0), int(outbound or 0)
    return {"all": every, "inbound": every - archived - outbound, "outbound": outbound,
            "archived": archived}


async def inbox_page(
    session: AsyncSession, person: Person, view: ViewName, query: InboxFilter, offset: int,
    limit: int,
) -> InboxPage:
    """Rows `offset` to `offset + limit` of the person's view, with the counts."""
    rules = _Rules(person)
    in_view = _in_view(view, rules.pid)
    counts = await _counts(session, rules, query)
    my_offers = and_(Offer.referral_id == Referral.id, Offer.agent_id == rules.pid,
                     OFFER_IS_OPEN)
    with_deadline = await session.scalar(  # from the person's own open offers: few
        _base(rules, query, func.count()).join(Offer, my_offers).where(in_view, rules.has_deadline)
    ) or 0

    refs: list[Referral] = []
    if offset < with_deadline:  # the countdown rows first, soonest deadline first
        deadline = (
            _base(rules, query, Referral)
            .join(Offer, my_offers)
            .where(in_view, rules.has_deadline)
            .order_by(Offer.deadline, Referral.created_at.desc(), Referral.id.desc())
            .offset(offset)
            .limit(limit)
        )
        refs.extend((await session.execute(deadline)).scalars())
    rest_limit = limit - len(refs)
    if rest_limit > 0:  # then newest first
        rest_offset = max(0, offset - with_deadline)
        # Walking the created_at index costs (rows before the page) x (table / view); sorting
        # the view costs the view's size: walk when that is cheaper (a huge inbox's first pages).
        table_rows = await _table_rows(session)
        viewed = max(1, counts[view])
        scan = table_rows is not None and (rest_offset + rest_limit) * table_rows < viewed**2
        rest = (
            _base(rules, query, Referral, scan=scan)
            .where(in_view, ~rules.has_deadline)
            .order_by(Referral.created_at.desc(), Referral.id.desc())
            .offset(rest_offset)
            .limit(rest_limit)
        )
        refs.extend((await session.execute(rest)).scalars())
    rows = await viewers_of(session, person, refs)
    return InboxPage(rows=rows, total=counts[view], counts=counts)


async def _table_rows(session: AsyncSession) -> int | None:
    """About how many referrals are stored (SQLite's largest rowid: no scan); None elsewhere,
    where the planner hint of `_base(scan=True)` is not needed."""
    if session.bind.dialect.name != "sqlite":
        return None
    return int(await session.scalar(text("SELECT max(rowid) FROM referrals")) or 0)
