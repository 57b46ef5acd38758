"""Which referrals the inbox shows: a view (all, inbound, outbound, archived) and a text filter.

Pure functions, no Textual: ``InboxFilter.parse("kind:partner status:pending austin")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from shared.protocol import ReferralView
from tui import format as fmt

ViewName = Literal["all", "inbound", "outbound", "archived"]
VIEWS: tuple[ViewName, ...] = ("all", "inbound", "outbound", "archived")
VIEW_LABELS = {"all": "All", "inbound": "Inbound", "outbound": "Outbound", "archived": "Archived"}
ARCHIVED_STATUSES = frozenset({"archived", "closed", "lost", "rejected", "unclaimed"})


def in_view(view: ReferralView, name: ViewName, me: str) -> bool:
    """Inbound: others' referrals to me; outbound: sent by me; archived: finished ones."""
    finished = str(view.status) in ARCHIVED_STATUSES
    if name == "archived":
        return finished
    if name == "all":
        return True
    mine = view.sender is not None and view.sender.id == me
    if name == "outbound":
        return mine and not finished
    return not mine and not finished


@dataclass(frozen=True)
class InboxFilter:
    """Words that must all appear (client, city, zip, id, sender), plus kind: and status:."""

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
                kinds.update(v for v in value.split(",") if v)
            elif sep and key == "status" and value:
                statuses.update(v.replace(" ", "_") for v in value.split(",") if v)
            else:
                words.append(token)
        return cls(tuple(words), frozenset(kinds), frozenset(statuses))

    @property
    def empty(self) -> bool:
        return not (self.words or self.kinds or self.statuses)

    def matches(self, view: ReferralView) -> bool:
        if self.kinds and str(view.kind) not in self.kinds and not (
            "appt" in self.kinds and view.kind == "appointment"
        ):
            return False
        if self.statuses and str(view.status) not in self.statuses:
            return False
        if not self.words:
            return True
        haystack = " ".join(
            (view.id, fmt.client_label(view), view.client_name, view.company, view.contact_person,
             view.city, view.zip, fmt.sender_label(view), str(view.kind), str(view.status))
        ).lower()
        return all(word in haystack for word in self.words)


def visible(view: ReferralView, name: ViewName, me: str, query: InboxFilter) -> bool:
    return in_view(view, name, me) and query.matches(view)
