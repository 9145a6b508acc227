"""`neuro results`: the table of what a sweep found."""
from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from cli.common import ExperimentArg, SetOption, load
from utils.results import aggregate, render


class Format(str, Enum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"


def results(experiment: ExperimentArg, set_: SetOption = None,
            format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table) -> None:
    """One row per grid point: metrics as mean ± std (n) over repetitions, best first."""
    sweep = load(experiment, set_)
    rows = aggregate(sweep)
    print(render(rows, format.value, sweep.spec.metric.name))
