"""Settings, read once from the environment (and `.env`): one pydantic-settings class."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "change-this-in-production"  # noqa: S105 - the placeholder production refuses
MIN_SECRET_LENGTH = 32
# Placeholders that appear in docs and examples; production refuses them whatever their length.
_KNOWN_PLACEHOLDERS = {DEFAULT_SECRET, "secret", "changeme", "change-me", "your-secret-key"}


class Settings(BaseSettings):
    # .env of the project, wherever the command runs from; the environment wins over it.
    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    app_name: str = "Wrestling Dashboard API"
    app_env: Literal["development", "test", "production"] = "development"
    debug: bool = False
    log_level: str = "INFO"
    api_v1_prefix: str = "/api/v1"

    # Keys core.security.pseudonym (identifiers kept outside the database); JWTs use jwt_secret_key.
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    jwt_secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    jwt_algorithm: Literal["HS256"] = "HS256"
    access_token_expire_minutes: int = Field(default=30, ge=1)
    refresh_token_expire_days: int = Field(default=7, ge=1)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    allow_signup: bool = True
    purge_interval_seconds: int = Field(default=3600, ge=1)
    # Continuous-aggregate mode: how often the API finishes refreshes left queued (see db/aggregates).
    aggregate_refresh_interval_seconds: int = Field(default=60, ge=1)

    # External servers; when unset the embedded cluster and Redis under data_dir are used.
    database_url: str | None = None
    redis_url: str | None = None
    database_pool_min: int = 2
    database_pool_max: int = 10
    # Read replicas (streaming standbys of DATABASE_URL's server), comma-separated; empty: every
    # query goes to the primary. GET/HEAD reads go to a replica that is up, has replayed the caller's
    # last write, and lags the primary by at most DATABASE_REPLICA_MAX_LAG_SECONDS (api/replica_routing).
    database_read_urls: Annotated[list[str], NoDecode] = []
    database_replica_max_lag_seconds: float = Field(default=5.0, gt=0, le=3600)
    # How often each replica's replay position (and the primary's WAL position) is read.
    database_replica_poll_seconds: float = Field(default=0.5, ge=0.05, le=60)
    # A replica that does not answer a connection or a poll within this long counts as down.
    database_replica_connect_timeout_seconds: float = Field(default=2.0, gt=0, le=60)

    data_dir: Path = PROJECT_ROOT / ".data"
    # The PostgreSQL installation (its bin/ folder) the embedded cluster runs; unset: the one the
    # cluster under data_dir was created with, else the newest under /usr/lib/postgresql.
    pg_bindir: Path | None = None
    pg_port: int = 54329
    pg_database: str = "wrestle"
    redis_port: int = 63790

    bucket_timezone: str = "Asia/Tehran"
    default_timezone: str = "Asia/Tehran"
    # Request limits, each answered 413 in the error format naming the limit.
    ingest_max_bytes: int = Field(default=512 * 1024 * 1024, ge=1)  # a CSV upload by an admin or coach
    ingest_max_bytes_athlete: int = Field(default=5 * 1024 * 1024, ge=1)  # by an athlete
    max_json_body_bytes: int = Field(default=1024 * 1024, ge=1)  # any other request body
    max_readings_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1)  # a device batch (/ingest/readings)
    # Server-side statement timeout of the API's pooled connections (the client gives up a little
    # later), and of the dedicated connection a CSV upload is ingested on.
    statement_timeout_ms: int = Field(default=30_000, ge=100)
    ingest_statement_timeout_ms: int = Field(default=900_000, ge=100)
    # CSV uploads ingested at once per process, each on its own connection (never a pooled one).
    ingest_concurrency: int = Field(default=2, ge=1)

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    # Per provider call; the SDK retries connection errors and 5xx answers this many times.
    openai_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    openai_max_retries: int = Field(default=1, ge=0, le=5)
    openai_max_tokens: int = Field(default=1200, ge=100, le=16_000)
    ai_cache_ttl_hours: int = Field(default=24, ge=1)
    # Answers kept in process while Redis is unreachable (least recently used dropped first).
    ai_memory_cache_entries: int = Field(default=2048, ge=16)

    # Dashboard payloads (api/payload_cache.py): the in-process budget per worker, how long Redis
    # keeps one (its key changes with every write, so this only bounds Redis's memory), and the size
    # from which a body is stored and sent gzip-compressed. PAYLOAD_CACHE_ENABLED=false: no ETags,
    # every read computed.
    payload_cache_enabled: bool = True
    payload_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    payload_cache_ttl_seconds: int = Field(default=6 * 3600, ge=1)
    payload_gzip_min_bytes: int = Field(default=1024, ge=1)

    # /docs (Swagger UI, served locally) and /openapi.json; switch off where they must not be public.
    docs_enabled: bool = True
    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:3000", "http://localhost:8080"]
    rate_limit_enabled: bool = True
    rate_limit_per_minute: int = Field(default=100, ge=1)
    ai_rate_limit_per_minute: int = Field(default=10, ge=1)
    login_max_failures_per_email: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=20, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)
    # Anonymous signups allowed per client IP within the window (admins creating accounts are not counted).
    signup_max_per_ip: int = Field(default=5, ge=1)
    signup_window_seconds: int = Field(default=3600, ge=1)
    # After a Redis error the limiter counts in process (and read-your-writes marks are kept in
    # process) for this long before trying Redis again.
    rate_limit_fallback_seconds: int = Field(default=10, ge=1)

    sentry_dsn: str | None = None
    sentry_traces_sample_rate: float = Field(default=0.1, ge=0.0, le=1.0)

    @field_validator("cors_origins", "database_read_urls", mode="before")
    @classmethod
    def _split_origins(cls, v: object) -> object:
        if isinstance(v, str) and not v.strip().startswith("["):
            return [o.strip() for o in v.split(",") if o.strip()]
        return v

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        """In production, refuse to start with settings that make the service unsafe, naming each."""
        if self.app_env != "production":
            return self
        problems: list[str] = []
        secrets = (
            ("SECRET_KEY", self.secret_key.get_secret_value()),
            ("JWT_SECRET_KEY", self.jwt_secret_key.get_secret_value()),
        )
        for env, value in secrets:
            if value.lower() in _KNOWN_PLACEHOLDERS:
                problems.append(f"{env} is the default placeholder; set a random value")
            elif len(value) < MIN_SECRET_LENGTH:
                problems.append(f"{env} is shorter than {MIN_SECRET_LENGTH} characters")
        if secrets[0][1] == secrets[1][1]:
            problems.append("JWT_SECRET_KEY must differ from SECRET_KEY")
        if self.debug:
            problems.append("DEBUG must be false")
        if any(o.strip() == "*" for o in self.cors_origins):
            problems.append("CORS_ORIGINS must list origins, not '*'")
        if problems:
            raise ValueError("unsafe production settings: " + "; ".join(problems))
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
