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
from functools import cached_property, lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.storage.models import OFFER_IS_OPEN, Offer, Person, Program, Recipient, Referral
from server.storage.sql_text import position_of
from server.views.audience import viewers_of
from server.views.visibility import Viewer
from shared.domain import Kind, Mode, Status
from shared.inbox_query import ARCHIVED_STATUSES, VIEW_RULES, InboxFilter, ViewName

Sender = aliased(Person, name="sender")
# People whose inbox statements are kept built (`_statements`): those paging now, one set each
# for the view and filter they look at. A set takes 140-660 KB (a filter's words make it bigger).
STATEMENT_SETS = 16


@dataclass(frozen=True)
class InboxPage:
    rows: list[tuple[Referral, Viewer]]
    total: int  # rows in the asked view with the filter
    counts: dict[str, int]  # every view's rows with the filter


@dataclass(frozen=True)
class _Asked:
    """All an inbox page's statements depend on but its offset and limit: the person's facts
    the rules read, the view and the filter."""

    pid: str
    concierge: bool
    zips: tuple[tuple[str, bool], ...]  # (zip, sponsored)
    view: ViewName
    query: InboxFilter

    @classmethod
    def of(cls, person: Person, view: ViewName, query: InboxFilter) -> _Asked:
        zips = tuple((z.zip, z.sponsor) for z in person.zips)
        return cls(person.id, "concierge" in person.role_list, zips, view, query)


class _Rules:
    """The SQL conditions of `server.views.visibility` for one person."""

    def __init__(self, asked: _Asked) -> None:
        pid = self.pid = asked.pid
        self.concierge = asked.concierge
        zips = dict(asked.zips)
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


# a page's rows, bound when a kept statement runs
_OFFSET = bindparam("page_offset", type_=Integer)
_LIMIT = bindparam("page_limit", type_=Integer)


class _Statements:
    """One person's statements for one view and filter, each built at its first use: a page's
    offset and limit are bound when it runs. Built anew for every page, the statements took
    1.5 ms of the interpreter (their clauses and cache keys) of a small inbox's 6 ms."""

    def __init__(self, asked: _Asked) -> None:
        self.asked = asked
        self.rules = _Rules(asked)
        self.in_view = _in_view(asked.view, asked.pid)

    @cached_property
    def counts(self) -> Select[Any]:
        rules, query = self.rules, self.asked.query
        finished = _in_view("archived", rules.pid)
        return _base(
            rules, query, func.count(), func.sum(case((finished, 1), else_=0)),
            func.sum(case((_in_view("outbound", rules.pid), 1), else_=0)),
        )

    @cached_property
    def _my_offers(self) -> ColumnElement[bool]:
        return and_(Offer.referral_id == Referral.id, Offer.agent_id == self.rules.pid, OFFER_IS_OPEN)

    @cached_property
    def with_deadline(self) -> Select[Any]:
        """How many rows hold the person's own open offers (few)."""
        return (_base(self.rules, self.asked.query, func.count()).join(Offer, self._my_offers)
                .where(self.in_view, self.rules.has_deadline))

    @cached_property
    def deadline(self) -> Select[Any]:
        """The countdown rows, soonest deadline first."""
        return (
            _base(self.rules, self.asked.query, Referral)
            .join(Offer, self._my_offers)
            .where(self.in_view, self.rules.has_deadline)
            .order_by(Offer.deadline, Referral.created_at.desc(), Referral.id.desc())
            .offset(_OFFSET).limit(_LIMIT)
        )

    def rest(self, scan: bool) -> Select[Any]:
        """The other rows, newest first (`scan`: see `_base`)."""
        return self._rest_scan if scan else self._rest_sort

    @cached_property
    def _rest_scan(self) -> Select[Any]:
        return self._rest(scan=True)

    @cached_property
    def _rest_sort(self) -> Select[Any]:
        return self._rest(scan=False)

    def _rest(self, scan: bool) -> Select[Any]:
        return (
            _base(self.rules, self.asked.query, Referral, scan=scan)
            .where(self.in_view, ~self.rules.has_deadline)
            .order_by(Referral.created_at.desc(), Referral.id.desc())
            .offset(_OFFSET).limit(_LIMIT)
        )


@lru_cache(maxsize=STATEMENT_SETS)
def _statements(asked: _Asked) -> _Statements:
    return _Statements(asked)


def _page(offset: int, limit: int) -> dict[str, int]:
    return {"page_offset": offset, "page_limit": limit}


async def _counts(session: AsyncSession, statements: _Statements) -> dict[str, int]:
    every, archived, outbound = (await session.execute(statements.counts)).one()
    every, archived, outbound = int(every or 0), int(archived or 0), int(outbound or 0)
    return {"all": every, "inbound": every - archived - outbound, "outbound": outbound,
            "archived": archived}


async def inbox_page(
    session: AsyncSession, person: Person, view: ViewName, query: InboxFilter, offset: int,
    limit: int,
) -> InboxPage:
    """Rows `offset` to `offset + limit` of the person's view, with the counts."""
    statements = _statements(_Asked.of(person, view, query))
    counts = await _counts(session, statements)
    with_deadline = await session.scalar(statements.with_deadline) or 0

    refs: list[Referral] = []
    if offset < with_deadline:  # the countdown rows first, soonest deadline first
        refs.extend((await session.execute(statements.deadline, _page(offset, limit))).scalars())
    rest_limit = limit - len(refs)
    if rest_limit > 0:  # then newest first
        rest_offset = max(0, offset - with_deadline)
        # Walking the created_at index costs (rows before the page) x (table / view); sorting
        # the view costs the view's size: walk when that is cheaper (a huge inbox's first pages).
        table_rows = await _table_rows(session)
        viewed = max(1, counts[view])
        scan = table_rows is not None and (rest_offset + rest_limit) * table_rows < viewed**2
        rest = statements.rest(scan)
        refs.extend((await session.execute(rest, _page(rest_offset, rest_limit))).scalars())
    rows = await viewers_of(session, person, refs)
    return InboxPage(rows=rows, total=counts[view], counts=counts)


async def _table_rows(session: AsyncSession) -> int | None:
    """About how many referrals are stored (SQLite's largest rowid: no scan); None elsewhere,
    where the planner hint of `_base(scan=True)` is not needed."""
    if session.bind.dialect.name != "sqlite":
        return None
    return int(await session.scalar(text("SELECT max(rowid) FROM referrals")) or 0)
