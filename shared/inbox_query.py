"""Which referrals an inbox page holds: a view (all, inbound, outbound, archived), a text filter
and the order. Both the hub (which pages and counts) and the app (which places live events) use
these definitions, so a row lands in the same view and place on both sides."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ViewName = Literal["all", "inbound", "outbound", "archived"]
VIEWS: tuple[ViewName, ...] = ("all", "inbound", "outbound", "archived")
ARCHIVED_STATUSES = frozenset({"archived", "closed", "lost", "rejected", "unclaimed"})
MAX_PAGE = 5000  # the most rows one `inbox` request answers with


@dataclass(frozen=True)
class ViewRule:
    """Which referrals one inbox view holds: finished ones or open ones (None: either), sent by
    me or by others (None: either). The hub turns it into SQL, the app applies it to live rows."""

    finished: bool | None = None
    mine: bool | None = None

    def holds(self, status: str, sender_id: str | None, me: str) -> bool:
        if self.finished is not None and (status in ARCHIVED_STATUSES) != self.finished:
            return False
        return self.mine is None or (sender_id == me) == self.mine


VIEW_RULES: dict[ViewName, ViewRule] = {
    "all": ViewRule(),
    "inbound": ViewRule(finished=False, mine=False),  # others' referrals to me, still open
    "outbound": ViewRule(finished=False, mine=True),  # sent by me, still open
    "archived": ViewRule(finished=True),  # closed, lost, rejected, unclaimed or archived
}


@dataclass(frozen=True)
class InboxFilter:
    """Words that must all appear (client, city, zip, id, sender), plus kind: and status:.

    ``InboxFilter.parse("kind:partner status:pending austin")``; words are lower case.
    """

    words: tuple[str, ...] = ()
    kinds: frozenset[str] = field(default_factory=frozenset)
    statuses: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, text: str) -> InboxFilter:
        words: list[str] = []
        kinds: set[str] = set()
        statuses: set[str] = set()
        for token in text.lower().split():
            key, sep, value = token.partition(":")
            if sep and key == "kind" and value:
                kinds.update("appointment" if v == "appt" else v for v in value.split(",") if v)
            elif sep and key == "status" and value:
                statuses.update(v for v in value.split(",") if v)
            else:
                words.append(token)
        return cls(tuple(words), frozenset(kinds), frozenset(statuses))

    @property
    def empty(self) -> bool:
        return not (self.words or self.kinds or self.statuses)
