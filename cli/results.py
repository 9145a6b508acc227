"""`neuro results`: the table of what a sweep found."""
from __future__ import annotations

import sys
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
            format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
            plot: Annotated[bool, typer.Option("--plot", help="Also write PNGs: metric against each swept parameter.")]
            = False) -> None:
    """One row per grid point: metrics as mean ± std (n) over repetitions, best first."""
    sweep = load(experiment, set_)
    rows = aggregate(sweep)
    print(render(rows, format.value, sweep.spec.metric.name))
    if plot and sweep.spec.metric.name:
        from utils.plots import plot_results
        for path in plot_results(rows, sweep.spec.metric.name, sweep.dir / "plots"):
            print(f"wrote {path}", file=sys.stderr)
