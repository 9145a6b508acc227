"""Help screens that show no value type for flags, which take none (typer labels them <bool>):
`--help`, the completion flags, and any flag declared without a metavar."""
from __future__ import annotations

from typer.core import TyperCommand, TyperGroup


class _PlainFlags:
    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params


class Command(_PlainFlags, TyperCommand):
    """A command whose help lists flags without a type."""


class Group(_PlainFlags, TyperGroup):
    """A command group whose help lists flags without a type."""
