"""`neuro results`: the table of what a sweep found."""
from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from cli.common import ExperimentArg, SetOption, load, warn_stale_card
from utils.results import aggregate, render


class Statistic(str, Enum):
    mean = "mean"
    median = "median"


class Format(str, Enum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"


def results(experiment: ExperimentArg, set_: SetOption = None,
            format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
            stat: Annotated[Statistic, typer.Option(
                "--stat", help="mean: mean ± std (n); median: median [10th, 90th percentile] (n).")] = Statistic.mean,
            plot: Annotated[bool, typer.Option(
                "--plot", help="Also write PNGs: the metric against each swept parameter, and each logged "
                               "training curve across repetitions.")] = False,
            runs: Annotated[bool, typer.Option(
                "--runs", help="One row per run instead: name, seed, state, every parameter and metric "
                               "(for pandas: -f csv).")] = False) -> None:
    """One row per grid point: metrics over repetitions, best first (or one row per run with --runs)."""
    sweep = load(experiment, set_, import_code=False)
    warn_stale_card(sweep, experiment)
    if runs:
        from utils.run_table import render_runs, run_rows
        print(render_runs(run_rows(sweep), format.value))
        return
    rows = aggregate(sweep, stat.value)
    print(render(rows, format.value, sweep.spec.metric.name, stat.value))
    metric = sweep.spec.metric.name
    if metric and any(r.done for r in rows) and not any(metric in r.metrics for r in rows):
        print(f"warning: no run reported '{metric}' (metric.name in {experiment}); rows are not sorted",
              file=sys.stderr)
    if plot:
        from utils.plots import plot_curves, plot_results
        written = plot_curves(sweep, stat.value, sweep.dir / "plots")
        if sweep.spec.metric.name:
            written += plot_results(rows, sweep.spec.metric.name, sweep.dir / "plots", stat.value)
        if (family_plots := sweep.spec.task.load_plots()) is not None:
            written += family_plots(sweep, sweep.dir / "plots", stat.value)
        for path in written:
            print(f"wrote {path}", file=sys.stderr)
