"""Prometheus metrics of one API process: requests by route template and status, their latency, and
rows ingested. Each app has its own registry (several apps live in one test process); with several
workers each process reports its own counts, so scrape them per worker or sum in Prometheus."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

# Dashboard reads take milliseconds, ingests seconds.
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class ApiMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "wrestle_http_requests",
            "HTTP requests handled, by method, route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "wrestle_http_request_duration_seconds",
            "Time from request to the end of the response, by method and route template.",
            ("method", "route"),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.ingested = Counter(
            "wrestle_ingest_rows",
            "Rows read by ingests through the API, by outcome.",
            ("outcome",),
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def count_ingest(self, inserted: int, updated: int, unchanged: int, rejected: int) -> None:
        for outcome, n in (
            ("inserted", inserted),
            ("updated", updated),
            ("unchanged", unchanged),
            ("rejected", rejected),
        ):
            if n:
                self.ingested.labels(outcome).inc(n)

    def render(self) -> bytes:
        return generate_latest(self.registry)
