"""Production settings refuse unsafe values and say which one is wrong."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.config import Settings

GOOD = {
    "app_env": "production",
    "secret_key": "s" * 40,
    "jwt_secret_key": "j" * 40,
    "cors_origins": "https://app.example.com",
}


class TestProductionSettings:
    def test_safe_settings_start(self) -> None:
        assert Settings(**GOOD).app_env == "production"  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("override", "named"),
        [
            ({"jwt_secret_key": "change-this-in-production"}, "JWT_SECRET_KEY"),
            ({"secret_key": "short"}, "SECRET_KEY"),
            ({"debug": True}, "DEBUG"),
            ({"cors_origins": "*"}, "CORS_ORIGINS"),
            ({"jwt_secret_key": "s" * 40}, "JWT_SECRET_KEY must differ"),
        ],
    )
    def test_unsafe_setting_is_refused_by_name(self, override: dict[str, object], named: str) -> None:
        with pytest.raises(ValidationError, match=named):
            Settings(**(GOOD | override))  # type: ignore[arg-type]

    def test_development_accepts_defaults(self) -> None:
        assert (
            Settings(app_env="development").jwt_secret_key.get_secret_value() == "change-this-in-production"
        )
