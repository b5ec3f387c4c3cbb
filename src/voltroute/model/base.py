"""Base of every model object and the constrained number and id types they share."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    """Base of every model object: immutable, no unknown fields, validated on construction."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    def replace(self, **changes: Any) -> Any:
        """Return a copy with ``changes`` applied, validated like a new object."""
        data = self.model_dump(round_trip=True)
        data.update(changes)
        return type(self).model_validate(data)


NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PosFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Identifier = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s;,]+$")]
