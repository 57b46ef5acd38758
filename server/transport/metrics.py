"""The hub's metrics, in the Prometheus text format (served at `GET /metrics`,
transport/http_endpoints.py; docs/operations.md, "Health and metrics", lists them).

Each hub has its own `CollectorRegistry`, never prometheus_client's global one, so that several
hubs in one process (the tests) keep their own counts. Labels carry only op names and error codes,
both from fixed tables; never a person, a token or a client's contact.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

# seconds; a claim waits its turn behind the other claims of the same appointment
CLAIM_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
OK = "ok"


class HubMetrics:
    """One hub's metrics. `open_connections` and `clock_leading` are read when scraped."""

    def __init__(
        self, open_connections: Callable[[], int], clock_leading: Callable[[], bool]
    ) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.connections = Gauge(
            "triage_open_connections",
            "Websocket connections open now (said hello or not)",
            registry=r,
        )
        self.connections.set_function(lambda: float(open_connections()))
        self.events_pushed = Counter(
            "triage_events_pushed",
            "Event frames pushed live to connected clients (one per frame per connection)",
            registry=r,
        )
        self.claim_seconds = Histogram(
            "triage_claim_seconds",
            "Time from reading a claim frame to sending its reply or error",
            buckets=CLAIM_BUCKETS,
            registry=r,
        )
        self.requests = Counter(
            "triage_requests",
            "Request frames answered, by op and outcome (ok or the error code)",
            ["op", "outcome"],
            registry=r,
        )
        self.clock_leader = Gauge(
            "triage_clock_leader",
            "1 while this hub runs the claim clocks, else 0",
            registry=r,
        )
        self.clock_leader.set_function(lambda: 1.0 if clock_leading() else 0.0)
        self.db_up = Gauge(
            "triage_db_up",
            "1 if the latest health check (or the start) reached the database, else 0",
            registry=r,
        )
        self.db_reconnects = Counter(
            "triage_db_reconnects",
            "Times the database was reached again after being unreachable",
            registry=r,
        )

    def pushed(self, frames: int) -> None:
        if frames:
            self.events_pushed.inc(frames)

    def answered(self, op: str, outcome: str, seconds: float) -> None:
        """One request frame answered: `op` a known op name (or `unknown`, `invalid`), `outcome`
        `ok` or an error code."""
        self.requests.labels(op=op, outcome=outcome).inc()
        if op == "claim":
            self.claim_seconds.observe(seconds)

    def record_db_reconnect(self) -> None:
        """The database answers again after it did not (the health check calls this; anything
        else that sees the database come back may too)."""
        self.db_reconnects.inc()

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The metrics as the scraper asked (`Accept`): the body and its content type."""
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type
