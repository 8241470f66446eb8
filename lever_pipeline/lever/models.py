"""What every Lever model shares: camelCase aliases, unknown fields ignored, epoch-ms times.

A model keeps the response dict it came from in `raw`: that, not `model_dump()`, is what
gets stored, so fields this code does not know are never lost. Top-level objects get it
from `from_raw`/`from_page`; nested models that must keep theirs (feedback fields, whose
future types we cannot know) derive from `KeepsRaw`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

LeverTimestamp = Annotated[AwareDatetime, Field(description="milliseconds since the epoch, UTC")]
"""Lever's milliseconds since the epoch, as an aware UTC datetime.

Parsed natively by pydantic-core under `LeverModel`'s `val_temporal_unit="milliseconds"`
(a Python validator per timestamp halved page parsing speed). Only valid on a LeverModel.
"""


def to_ms(value: datetime) -> int:
    """A datetime as Lever's milliseconds since the epoch (naive datetimes are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


class LeverModel(BaseModel):
    """Base of every Lever object: snake_case fields over Lever's camelCase, extra keys ignored."""

    model_config = ConfigDict(
        extra="ignore", populate_by_name=True, alias_generator=to_camel, val_temporal_unit="milliseconds"
    )

    @classmethod
    def from_raw(cls, data: Mapping[str, Any]) -> Self:
        """The model of one response object, keeping that object as `raw`."""
        model = cls.model_validate(data)
        keep_raw(model, data)
        return model

    @classmethod
    def from_page(cls, rows: Iterable[Mapping[str, Any]]) -> list[Self]:
        """Models of every object in one list page."""
        return [cls.from_raw(row) for row in rows]

    @property
    def raw(self) -> dict[str, Any]:
        """The response dict exactly as Lever sent it ({} for a model not built from a response)."""
        private = self.__pydantic_private__
        return private.get("raw", {}) if private else {}


def keep_raw(model: BaseModel, data: Any) -> None:
    """Make `data` the `raw` of `model`."""
    # Pydantic's private storage, set directly: a declared PrivateAttr would make pydantic
    # run a Python post-init hook on every model, which cost a third of page parsing time.
    object.__setattr__(model, "__pydantic_private__", {"raw": data})


class KeepsRaw(LeverModel):
    """A nested model that keeps its own response dict in `raw` (not only top-level objects)."""

    @model_validator(mode="wrap")
    @classmethod
    def _keep_raw(cls, data: Any, handler: Any) -> Any:
        model = handler(data)
        if isinstance(data, Mapping):
            keep_raw(model, data)
        return model
