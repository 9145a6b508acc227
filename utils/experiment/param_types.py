"""Check configuration values against their annotations: type, range and choices.

A task declares ranges next to its parameters with annotated-types (`Annotated[float, Interval(ge=0,
le=1)]`) and choices with `Literal`; pydantic checks them in strict mode (an int where a float is wanted
becomes a float, nothing else is converted). NaN and infinities are refused unless the annotation
carries `pydantic.AllowInfNan()`.
"""
from __future__ import annotations

import functools
import math
import types
import typing
from typing import Annotated, Any, Literal, Union

RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "too_short", "too_long",
                "multiple_of"}
ARTICLES = {"int": "an int", "float": "a float", "str": "text", "bool": "true or false", "dict": "a mapping",
            "null": "null", "Any": "a value"}
BOUNDS = {"greater_than": (">", "gt"), "greater_than_equal": (">=", "ge"), "less_than": ("<", "lt"),
          "less_than_equal": ("<=", "le")}


class TypeMismatch(ValueError):
    """The value does not fit the annotation; the message says what was expected. `where` locates the
    offending item inside the value ("[1]") when it is not the value itself."""

    def __init__(self, message: str, where: str = ""):
        super().__init__(message)
        self.where = where


def coerce(value: Any, annotation: Any) -> Any:
    """`value` as `annotation` wants it, or TypeMismatch."""
    from pydantic import ValidationError  # imported when a value is checked: workers re-read checked specs
    try:
        checked = _adapter(annotation).validate_python(value)
    except ValidationError as err:
        error = dict(err.errors()[0])
        if error["type"] not in RANGE_ERRORS | BOUNDS.keys() and (whole := integral(value)) == value \
                and whole is not value:   # 40.0 where an int is wanted: 40
            return coerce(whole, annotation)
        raise _mismatch(error, annotation) from None
    if not allows_non_finite(annotation) and (bad := _non_finite(checked)) is not None:
        raise TypeMismatch(f"{bad} is not a finite number")
    return checked


def integral(value: Any) -> Any:
    """`value` with every float that is a whole number (40.0, 1e3) as an int: YAML's `1` and `1.0` are
    one value. Other values are returned as they are (the same object when nothing changed)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        items = [integral(v) for v in value]
        return items if any(a is not b for a, b in zip(items, value)) else value
    if isinstance(value, dict):
        entries = {k: integral(v) for k, v in value.items()}
        return entries if any(entries[k] is not value[k] for k in value) else value
    return value


def allows_non_finite(annotation: Any) -> bool:
    """Whether the annotation carries pydantic.AllowInfNan() (NaN and infinities are refused otherwise)."""
    from pydantic import AllowInfNan
    return any(isinstance(m, AllowInfNan) and m.allow_inf_nan for m in _metadata(annotation))


def type_name(annotation: Any) -> str:
    """A short name for an annotation without its range: 'float', 'int or null', "one of 'a', 'b'"."""
    annotation = _base(annotation)
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(annotation))
    if origin in (Union, types.UnionType):
        return " or ".join(type_name(a) for a in typing.get_args(annotation))
    if origin in (list, tuple):
        args = typing.get_args(annotation)
        item = type_name(args[0]) if args else ""
        return f"list of values from {item[len('one of '):]}" if item.startswith("one of ") else \
            f"list of {item}" if item else "list"
    if origin is dict or annotation is dict:
        return "dict"
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def range_text(annotation: Any) -> str:
    """The declared range: 'in [0, 1]', '>= 1', '> 0', or '' when there is none."""
    low = high = None
    for m in _metadata(annotation):
        for name in ("ge", "gt", "le", "lt"):
            if getattr(m, name, None) is not None:
                if name in ("ge", "gt"):
                    low = (name, getattr(m, name))
                else:
                    high = (name, getattr(m, name))
    if low and high:
        return f"in {'[' if low[0] == 'ge' else '('}{low[1]}, {high[1]}{']' if high[0] == 'le' else ')'}"
    symbols = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    bound = low or high
    return f"{symbols[bound[0]]} {bound[1]}" if bound else ""


def describe(annotation: Any) -> str:
    """What to give, for error messages: 'a float in [0, 1]', 'an int >= 1', "one of 'a', 'b'"."""
    name = type_name(annotation)
    text = ARTICLES.get(name, name if name.startswith("one of") or " or " in name else f"a {name}")
    return f"{text} {range_text(annotation)}".strip()


def _mismatch(error: dict, annotation: Any) -> TypeMismatch:
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
                    if not isinstance(part, str) or not part.startswith(("function-", "lax-", "strict-")))
    value = error.get("input")
    if error["type"] in BOUNDS:
        symbol, name = BOUNDS[error["type"]]
        return TypeMismatch(f"{value!r} is out of range: must be {symbol} {error['ctx'][name]}", where)
    if error["type"] in ("too_short", "too_long"):
        limit = error["ctx"].get("min_length" if error["type"] == "too_short" else "max_length")
        return TypeMismatch(f"{value!r} has too {'few' if error['type'] == 'too_short' else 'many'} items: "
                            f"{'at least' if error['type'] == 'too_short' else 'at most'} {limit}", where)
    if error["type"] in RANGE_ERRORS:
        return TypeMismatch(f"{value!r} is out of range ({error['msg'][0].lower()}{error['msg'][1:]})", where)
    if error["type"] == "finite_number":
        return TypeMismatch(f"{value} is not a finite number", where)
    if where:  # an item inside the value: pydantic names what that item should be
        return TypeMismatch(f"got {_show(value)}: {error['msg'][0].lower()}{error['msg'][1:]}", where)
    return TypeMismatch(f"expected {describe(annotation)}, got {_show(value)}", where)


@functools.cache
def _cached_adapter(annotation: Any):
    return _new_adapter(annotation)


def _adapter(annotation: Any):
    try:
        return _cached_adapter(annotation)
    except TypeError:  # unhashable annotation
        return _new_adapter(annotation)


def _new_adapter(annotation: Any):
    from pydantic import ConfigDict, TypeAdapter
    return TypeAdapter(annotation, config=ConfigDict(strict=True, allow_inf_nan=False, arbitrary_types_allowed=True))


def _metadata(annotation: Any) -> list:
    return list(getattr(annotation, "__metadata__", ())) if typing.get_origin(annotation) is Annotated else []


def _base(annotation: Any) -> Any:
    return typing.get_args(annotation)[0] if typing.get_origin(annotation) is Annotated else annotation


def _non_finite(value: Any) -> float | None:
    if isinstance(value, float) and not math.isfinite(value):
        return value
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return next((bad for item in items if (bad := _non_finite(item)) is not None), None)


def _show(value: Any) -> str:
    return "null" if value is None else f"{type(value).__name__} {value!r}"
