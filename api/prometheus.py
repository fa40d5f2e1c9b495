"""Prometheus metrics of the API: requests by route template and status, their latency, rows ingested,
the connection pool, the rate limiter's fallback. Each app has its own registry (several apps live in
one test process).

Several workers (`wrestle serve --workers N`) share one PROMETHEUS_MULTIPROC_DIR: every process writes
its values there (prometheus_client's multiprocess mode) and a scrape of any worker answers the sum
over all of them, so one scrape target per instance is enough. Labels hold methods, route templates,
statuses, outcomes, layers and kinds only: never an id or a value."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from db.replicas import ReplicaSet
from db.types import PgPool

if TYPE_CHECKING:
    from api.payload_cache import MemoryCache

# Dashboard reads take milliseconds, ingests seconds.
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Waiting for a pooled connection: nothing at all, unless the pool is exhausted.
ACQUIRE_BUCKETS = (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


class ApiMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess = multiprocess_dir() is not None
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
        self.pool_acquire = Histogram(
            "wrestle_db_pool_acquire_seconds",
            "Time a request waited for a pooled database connection.",
            buckets=ACQUIRE_BUCKETS,
            registry=self.registry,
        )
        # livesum: summed over the live workers; a worker's values go when it exits.
        self.pool_connections = Gauge(
            "wrestle_db_pool_connections",
            "Connections of the API's database pools, by state (in_use, idle) and the pools' maximum (max).",
            ("state",),
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        # Replicas (DATABASE_READ_URLS): no samples without them.
        self.reads = Counter(
            "wrestle_db_reads",
            "Dashboard reads served, by pool (primary, or a replica's host:port).",
            ("pool",),
            registry=self.registry,
        )
        self.replica_lag = Gauge(
            "wrestle_db_replica_lag_seconds",
            "How far each read replica's replay is behind the primary, in seconds, as last polled.",
            ("replica",),
            registry=self.registry,
            multiprocess_mode="max",
        )
        self.replica_lag_bytes = Gauge(
            "wrestle_db_replica_lag_bytes",
            "How far each read replica's replay is behind the primary's WAL, in bytes, as last polled.",
            ("replica",),
            registry=self.registry,
            multiprocess_mode="max",
        )
        self.replica_serving = Gauge(
            "wrestle_db_replica_serving",
            "1 while a read replica serves reads, 0 while it is skipped (down, lagging, not a standby).",
            ("replica",),
            registry=self.registry,
            multiprocess_mode="min",
        )
        self._reads_reported: dict[str, int] = {}
        self.workers = Gauge(
            "wrestle_workers",
            "API worker processes alive (each counts 1; summed across the workers of an instance).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.workers.set(1)
        # The dashboard's payload cache (api/payload_cache.py).
        self.payload_lookups = Counter(
            "wrestle_payload_cache_lookups",
            "Dashboard reads by route template and outcome: not_modified (304), hit_memory, hit_redis, miss.",
            ("route", "outcome"),
            registry=self.registry,
        )
        self.payload_bytes = Gauge(
            "wrestle_payload_cache_bytes",
            "Bytes of payloads held in process (summed over the live workers).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.payload_entries = Gauge(
            "wrestle_payload_cache_entries",
            "Payloads held in process (summed over the live workers).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.payload_evictions = Counter(
            "wrestle_payload_cache_evictions",
            "Payloads dropped from the in-process cache to stay within PAYLOAD_CACHE_BYTES.",
            registry=self.registry,
        )
        self.payload_store = Histogram(
            "wrestle_payload_cache_store_seconds",
            "Time to store a computed payload (in process and in Redis).",
            buckets=ACQUIRE_BUCKETS,
            registry=self.registry,
        )
        self.rate_limit_fallback = Gauge(
            "wrestle_rate_limit_fallback",
            "1 while a worker counts rate limits in process because Redis failed, else 0.",
            registry=self.registry,
            multiprocess_mode="max",
        )

    def payload_lookup(self, route: str, outcome: str) -> None:
        self.payload_lookups.labels(route, outcome).inc()

    def payload_stored(self, memory: MemoryCache, evicted: int, seconds: float) -> None:
        if evicted:
            self.payload_evictions.inc(evicted)
        self.payload_bytes.set(memory.bytes)
        self.payload_entries.set(len(memory))
        self.payload_store.observe(seconds)

    def observe_replicas(self, replicas: ReplicaSet) -> None:
        """The router's view (no I/O): reads per pool since the last scrape, each replica's lag."""
        for pool, count in replicas.reads.items():
            self.reads.labels(pool).inc(count - self._reads_reported.get(pool, 0))
            self._reads_reported[pool] = count
        for status in replicas.statuses():
            self.replica_serving.labels(status.name).set(int(status.skipped is None))
            if status.lag_seconds is not None:
                self.replica_lag.labels(status.name).set(status.lag_seconds)
            if status.lag_bytes is not None:
                self.replica_lag_bytes.labels(status.name).set(status.lag_bytes)

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

    def observe_pool(self, pool: PgPool, waited: float | None = None) -> None:
        """The pool's state now (and, for an acquire, how long it waited): cheap attribute reads."""
        if waited is not None:
            self.pool_acquire.observe(waited)
        size, idle = pool.get_size(), pool.get_idle_size()
        self.pool_connections.labels("in_use").set(size - idle)
        self.pool_connections.labels("idle").set(idle)
        self.pool_connections.labels("max").set(pool.get_max_size())

    def render(self) -> bytes:
        if not self.multiprocess:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)

    def process_exited(self) -> None:
        """Drop this worker's live gauges from the shared directory (its counters stay counted)."""
        if self.multiprocess:
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
