"""Check and normalise configuration values against Python type annotations."""
from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union


class TypeMismatch(ValueError):
    """The value does not fit the annotation; the message says what was expected."""


def coerce(value: Any, annotation: Any) -> Any:
    """`value` as `annotation` wants it (an int where a float is wanted becomes a float), or TypeMismatch."""
    if annotation is Any or annotation is typing.Any:
        return value
    origin = typing.get_origin(annotation)
    if origin is Literal:
        if value in typing.get_args(annotation) and not isinstance(value, (list, dict)):
            return value
        raise TypeMismatch(f"expected {describe(annotation)}, got {value!r}")
    if origin in (Union, types.UnionType):
        for option in typing.get_args(annotation):
            try:
                return coerce(value, option)
            except TypeMismatch:
                pass
        raise TypeMismatch(f"expected {describe(annotation)}, got {_show(value)}")
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise TypeMismatch(f"expected a list, got {_show(value)}")
        (item_type, *_) = typing.get_args(annotation) or (Any,)
        return [coerce(item, item_type) for item in value]
    if origin is dict:
        if not isinstance(value, dict):
            raise TypeMismatch(f"expected a mapping, got {_show(value)}")
        return dict(value)
    if annotation is type(None):
        if value is None:
            return None
        raise TypeMismatch(f"expected null, got {_show(value)}")
    if annotation is bool:
        if isinstance(value, bool):
            return value
    elif annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif annotation is str:
        if isinstance(value, str):
            return value
    elif isinstance(value, annotation):
        return value
    raise TypeMismatch(f"expected {describe(annotation)}, got {_show(value)}")


def describe(annotation: Any) -> str:
    """A short human name for an annotation: 'float', 'int or null', "one of 'a', 'b'"."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(annotation))
    if origin in (Union, types.UnionType):
        return " or ".join(describe(a) for a in typing.get_args(annotation))
    if origin in (list, tuple):
        args = typing.get_args(annotation)
        return f"list of {describe(args[0])}" if args else "list"
    if origin is dict:
        return "mapping"
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def _show(value: Any) -> str:
    kind = "null" if value is None else type(value).__name__
    return f"{kind} {value!r}" if value is not None else "null"
