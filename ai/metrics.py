"""Prometheus metrics of the AI endpoints, registered on the API's registry: answers served from each
cache layer, generations by provider, provider errors, dropped statements and generation time.
Labels carry kinds, layers and providers only, never a prompt or a value."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class AIMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = registry or CollectorRegistry()
        self.hits = Counter(
            "wrestle_ai_cache_hits",
            "AI answers served from a cache layer (redis, db, memory), by kind.",
            ("layer", "kind"),
            registry=registry,
        )
        self.misses = Counter(
            "wrestle_ai_cache_misses",
            "AI requests no cache layer could answer (a generation followed), by kind.",
            ("kind",),
            registry=registry,
        )
        self.generations = Counter(
            "wrestle_ai_generations",
            "AI answers generated, by provider and kind.",
            ("provider", "kind"),
            registry=registry,
        )
        self.errors = Counter(
            "wrestle_ai_provider_errors",
            "Generations that failed (AI_ERROR), by provider and kind.",
            ("provider", "kind"),
            registry=registry,
        )
        self.dropped = Counter(
            "wrestle_ai_uncited_statements",
            "Statements of a provider's answer dropped for citing a number that is not among the facts.",
            ("provider",),
            registry=registry,
        )
        self.latency = Histogram(
            "wrestle_ai_generation_duration_seconds",
            "Time a generation took, by provider and kind.",
            ("provider", "kind"),
            buckets=BUCKETS,
            registry=registry,
        )
