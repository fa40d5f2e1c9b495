"""The base of every wire model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Wire(BaseModel):
    """camelCase on the wire, snake_case in Python; a key the model does not declare is an error,
    so a payload and its model cannot drift apart unnoticed."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class WireAsIs(BaseModel):
    """For models generated from the registry, whose field names already are the wire names."""

    model_config = ConfigDict(extra="forbid")
