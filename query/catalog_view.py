"""Payloads of GET and POST /api/v1/metrics."""

from __future__ import annotations

from typing import Any

from query.sections import Locale


def metric_json(r: dict[str, Any], locale: Locale) -> dict[str, Any]:
    return {
        "key": r["key"],
        "wireName": r["wire_name"],
        "domain": r["domain"],
        "name": r["name_fa"] if locale == "fa-IR" else r["name_en"],
        "nameFa": r["name_fa"],
        "nameEn": r["name_en"],
        "unit": r["unit"],
        "kind": r["kind"],
        "minValue": r["min_value"],
        "maxValue": r["max_value"],
        "direction": r["direction"],
        "targetLow": r["target_low"],
        "targetHigh": r["target_high"],
        "panel": r["panel"],
        "custom": r["custom"],
    }


def catalog_payload(rows: list[dict[str, Any]], locale: Locale) -> dict[str, Any]:
    return {"metrics": [metric_json(r, locale) for r in rows], "locale": locale}
