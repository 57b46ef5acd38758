"""Formatting and key-meaning helpers."""

from __future__ import annotations

from datetime import timedelta, timezone

from tests.tui.sample import NOW, referrals
from tui import format as fmt


def test_time_left_and_urgency() -> None:
    deadline = NOW + timedelta(seconds=299)
    assert fmt.time_left(deadline, NOW) == "4:59"
    assert fmt.urgency(deadline, NOW) == "warning"
    assert fmt.urgency(NOW + timedelta(seconds=59), NOW) == "critical"
    assert fmt.time_left(NOW + timedelta(hours=1, seconds=5), NOW) == "1:00:05"
    assert fmt.time_left(NOW, NOW) == "expired" and fmt.urgency(NOW, NOW) == "expired"
    assert fmt.time_left(None, NOW) == "" and fmt.urgency(None, NOW) == "none"


def test_sort_puts_deadlines_first_then_newest() -> None:
    ordered = [v.id for v in sorted(referrals(), key=fmt.sort_key)]
    assert ordered == ["RAPPT03", "RAPPT02", "RAPPT01", "RACTIV5", "RAGENT4", "RAWARD6"]


def test_keys_map_to_the_ops_the_referral_allows() -> None:
    by_id = {v.id: v for v in referrals()}
    assert fmt.accept_op(by_id["RAPPT01"]) == "claim"
    assert fmt.reject_op(by_id["RAPPT01"]) == "pass"
    assert fmt.accept_op(by_id["RAGENT4"]) == "interest"
    assert fmt.reject_op(by_id["RAGENT4"]) == "decline"
    assert fmt.reject_op(by_id["RACTIV5"]) is None


def test_price_and_masking_texts() -> None:
    by_id = {v.id: v for v in referrals()}
    assert fmt.price_range(by_id["RAGENT4"]) == "$450k–$600k"
    assert fmt.price_range(by_id["RAWARD6"]) == "$1.2M+"
    assert fmt.price_short(by_id["RAGENT4"]) == "$450–600k"
    assert fmt.price_short(by_id["RAWARD6"]) == "$1.2M+"
    assert fmt.contact_notice(by_id["RAPPT01"]) == "contact hidden until you claim it"
    assert fmt.contact_notice(by_id["RAWARD6"]) == ""
    assert fmt.removal_text("claimed", "Dana Cole", NOW + timedelta(minutes=4, seconds=5),
                            timezone.utc) == "claimed by Dana Cole at 15:04:05"
