"""Constructed series shared by the baseline tests (unit and integration)."""

from __future__ import annotations

# Day-to-day noise of a steady measurement (kg around a weight, say): mean 0, SD about 0.19.
NOISE = [
    0.2,
    -0.1,
    0.0,
    0.3,
    -0.2,
    0.1,
    -0.3,
    0.2,
    0.0,
    -0.1,
    0.1,
    -0.2,
    0.3,
    0.0,
    -0.1,
    0.2,
    -0.3,
    0.1,
    0.0,
    -0.2,
]
