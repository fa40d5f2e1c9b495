"""Settings, read once from the environment (and `.env`): one pydantic-settings class."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "change-this-in-production"  # noqa: S105 - the placeholder production refuses


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_name: str = "Wrestling Dashboard API"
    app_env: Literal["development", "test", "production"] = "development"
    debug: bool = False
    log_level: str = "INFO"
    api_v1_prefix: str = "/api/v1"

    secret_key: str = DEFAULT_SECRET
    jwt_secret_key: str = DEFAULT_SECRET
    jwt_algorithm: Literal["HS256"] = "HS256"
    access_token_expire_minutes: int = Field(default=30, ge=1)
    refresh_token_expire_days: int = Field(default=7, ge=1)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    allow_signup: bool = True

    # External servers; when unset the embedded cluster and Redis under data_dir are used.
    database_url: str | None = None
    redis_url: str | None = None
    database_pool_min: int = 2
    database_pool_max: int = 10

    data_dir: Path = PROJECT_ROOT / ".data"
    pg_port: int = 54329
    pg_database: str = "wrestle"
    redis_port: int = 63790

    bucket_timezone: str = "Asia/Tehran"
    default_timezone: str = "Asia/Tehran"
    ingest_max_bytes: int = 512 * 1024 * 1024

    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    ai_cache_ttl_hours: int = 24

    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:3000", "http://localhost:8080"]
    rate_limit_per_minute: int = 100
    ai_rate_limit_per_minute: int = 10

    sentry_dsn: str | None = None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, v: object) -> object:
        if isinstance(v, str) and not v.strip().startswith("["):
            return [o.strip() for o in v.split(",") if o.strip()]
        return v


@lru_cache
def get_settings() -> Settings:
    return Settings()
