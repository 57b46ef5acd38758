"""Which referrals the inbox shows: a view (all, inbound, outbound, archived) and a text filter.

The hub pages and counts by the same definitions (`shared.inbox_query`); these are the app's side
of them, used to place a live event in the current page before the hub's next page arrives.
"""

from __future__ import annotations

from shared.inbox_query import VIEW_RULES, VIEWS, InboxFilter, ViewName
from shared.protocol import ReferralView
from tui import format as fmt

__all__ = ["VIEWS", "VIEW_LABELS", "InboxFilter", "ViewName", "in_view", "matches", "visible"]

VIEW_LABELS = {"all": "All", "inbound": "Inbound", "outbound": "Outbound", "archived": "Archived"}


def in_view(view: ReferralView, name: ViewName, me: str) -> bool:
    """Whether the view `name` holds this referral for `me` (`shared.inbox_query.VIEW_RULES`)."""
    sender = view.sender.id if view.sender is not None else None
    return VIEW_RULES[name].holds(str(view.status), sender, me)


def matches(query: InboxFilter, view: ReferralView) -> bool:
    if query.kinds and str(view.kind) not in query.kinds:
        return False
    if query.statuses and str(view.status) not in query.statuses:
        return False
    if not query.words:
        return True
    haystack = " ".join(
        (view.id, fmt.client_label(view), view.client_name, view.company, view.contact_person,
         view.city, view.zip, fmt.sender_label(view), str(view.kind), str(view.status))
    ).lower()
    return all(word in haystack for word in query.words)


def visible(view: ReferralView, name: ViewName, me: str, query: InboxFilter) -> bool:
    return in_view(view, name, me) and matches(query, view)
