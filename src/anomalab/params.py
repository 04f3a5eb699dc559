"""Constructor parameters from outside Python (a model file, ``--param key=value``), checked
against the detector's signature: unknown names and values of the wrong type are refused."""

from __future__ import annotations

import json
import typing
from functools import cache
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError


class ParamError(ValueError):
    """A detector parameter that the detector does not have, or a value of the wrong type."""


@cache
def _adapters(cls: type) -> dict[str, TypeAdapter[Any]]:
    hints = typing.get_type_hints(cls.__init__)  # type: ignore[misc]
    config = ConfigDict(allow_inf_nan=False)
    return {
        name: TypeAdapter(hints.get(name, Any), config=config)
        for name in cls._get_param_names()  # type: ignore[attr-defined]
    }


def _expected(cls: type, name: str) -> str:
    """The annotation of ``name`` as a user reads it (``int | None``, ``Sequence[int]``)."""
    hint = typing.get_type_hints(cls.__init__).get(name)  # type: ignore[misc]
    if hint is None:
        return "a JSON value"
    if isinstance(hint, type):
        return hint.__name__
    return str(hint).replace("collections.abc.", "").replace("typing.", "")


def check_params(cls: type, params: Any, *, what: str = "parameter") -> dict[str, Any]:
    """``params`` unchanged if every name is a constructor parameter of ``cls`` and every value
    has its annotated type (JSON values, strict: ``"5"`` is no int, ``true`` no number, NaN no
    float); otherwise :class:`ParamError` naming the first bad one."""
    name_of = cls.__name__
    if not isinstance(params, dict):
        raise ParamError(f"{what}s of {name_of} must be a mapping, got {type(params).__name__}")
    adapters = _adapters(cls)
    for key, value in params.items():
        if key not in adapters:
            known = ", ".join(sorted(adapters))
            raise ParamError(f"{name_of} has no {what} {key!r}; its parameters are: {known}")
        try:
            adapters[key].validate_json(json.dumps(value, allow_nan=True), strict=True)
        except (TypeError, ValueError, ValidationError) as exc:
            raise ParamError(
                f"{name_of} {what} {key!r} must be {_expected(cls, key)}, got {value!r}"
            ) from exc
    return params
