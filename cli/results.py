"""`neuro results`: the table of what a sweep found."""
from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated, Optional

import typer

from neuro.cli.common import ExperimentArg, MaxRunsOption, RemoteOption, SetOption, load, on_remote, warn_stale_card
from neuro.utils.errors import NeuroError, did_you_mean
from neuro.utils.reporting.results import aggregate, metric_names, render, table_rows
from neuro.utils.reporting.table import print_table


class Statistic(str, Enum):
    mean = "mean"
    median = "median"


class Test(str, Enum):
    wilcoxon = "wilcoxon"
    t = "t"


class Format(str, Enum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"


def results(experiment: ExperimentArg, set_: SetOption = None, max_runs: MaxRunsOption = None, remote: RemoteOption = None,
            format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
            stat: Annotated[Statistic, typer.Option(
                "--stat", help="mean: mean ± std (n); median: median [10th, 90th percentile] (n).")] = Statistic.mean,
            plot: Annotated[bool, typer.Option(
                "--plot", help="Also write PNGs: the metric against each swept parameter, and each logged "
                               "training curve across repetitions.")] = False,
            runs: Annotated[bool, typer.Option(
                "--runs", help="One row per run instead: name, seed, state, every parameter and "
                                           "metric (for pandas: -f csv).")] = False,
            metrics: Annotated[Optional[str], typer.Option(
                "--metrics", metavar="A,B", help="Only these metrics, in this order, e.g. "
                                                 "--metrics accuracy,threshold_t3.")] = None,
            compare: Annotated[Optional[str], typer.Option(
                "--compare", metavar="PARAM", help="Every pair of a swept parameter's values: the paired "
                "difference of the metric (--metrics: these) over runs that differ only in PARAM, with a 95% "
                "bootstrap interval and a Holm-corrected p-value.")] = None,
            test: Annotated[Test, typer.Option("--test", help="--compare's test: Wilcoxon signed-rank or paired t.")]
            = Test.wilcoxon) -> None:
    """One row per grid point: metrics over repetitions, best first (or one row per run with --runs; or,
    with --compare, whether differences between a parameter's values are real)."""
    on_remote(remote, experiment)
    sweep = load(experiment, set_, max_runs=max_runs, import_code=False, writes="--plot" if plot else None)
    warn_stale_card(sweep, experiment)
    if compare:
        if plot:
            raise NeuroError(f"{experiment}: --plot and --compare: the comparison has no figure; run `neuro results "
                             f"{experiment} --plot` for the figures")
        _compare(sweep, compare, metrics, test.value, format.value)
        return
    if sweep.spec.search is not None and not runs:
        _search(experiment, sweep, format.value, plot)
        return
    rows = aggregate(sweep, stat.value)
    metric = sweep.spec.metric.name
    if runs:
        from neuro.utils.reporting.run_table import render_runs, run_rows
        print(render_runs(run_rows(sweep), format.value))
    else:
        chosen = _chosen_metrics(metrics, metric_names(rows, metric))
        if format == Format.table:
            headers, cells = table_rows(rows, chosen, stat.value)
            print_table(headers, cells, keep=len(rows[0].point) if rows else 1)
        else:
            print(render(rows, format.value, metric, stat.value, chosen))
        if metric and any(r.done for r in rows) and not any(metric in r.metrics for r in rows):
            print(f"warning: no run reported '{metric}' (metric.name in {experiment}); rows are not sorted",
                  file=sys.stderr)
    if plot:
        from neuro.utils.reporting.plots import plot_curves, plot_results
        written = plot_curves(sweep, stat.value, sweep.dir / "plots")
        if sweep.spec.metric.name:
            written += plot_results(rows, sweep.spec.metric.name, sweep.dir / "plots", stat.value, sweep.spec.id)
        if (family_plots := sweep.spec.task.load_plots()) is not None:
            written += family_plots(sweep, sweep.dir / "plots", stat.value)
        why = ("no run has finished yet" if not any(r.done for r in rows) else "its runs logged no curves "
               "(ctx.log_metrics) and " + (f"none reported '{metric}' (metric.name)" if metric else
                                           "the file names no metric (metric: {name: ...})"))
        _wrote(written, why)


def _wrote(paths: list, why_none: str) -> None:
    """Name each figure written; with none, say why and exit 1 (the figures asked for are not there)."""
    for path in paths:
        print(f"wrote {path}", file=sys.stderr)
    if not paths:
        print(f"--plot: nothing to draw: {why_none}", file=sys.stderr)
        raise typer.Exit(1)


def _search(experiment, sweep, fmt: str, plot: bool) -> None:
    """A search's trials best first, then (as a table) the best configuration and the importances."""
    from neuro.utils.reporting.search_plots import plot_search
    from neuro.utils.reporting.search_results import best_line, importances, render_trials, trial_rows, trial_table
    from neuro.utils.search.report import best_trial, study_summary
    from neuro.utils.search.study import open_study, study_change
    study = open_study(sweep.spec, sweep.dir)
    if study is None:
        if change := study_change(sweep.spec, sweep.dir):
            raise NeuroError(f"{experiment}: no results of this search yet: {change.describe()}")
        raise NeuroError(f"{experiment}: the search has not started; `neuro run {experiment}` starts it")
    rows = trial_rows(sweep, study)
    if fmt != "table":
        print(render_trials(rows, sweep, fmt))
    else:
        print_table(*trial_table(rows, sweep), keep=2)
        print(f"\n{sweep.spec.id}: {study_summary(study, sweep.spec)}")
        if (best := best_trial(study)) is not None:
            print(f"best configuration (trial {best.number}): {best_line(experiment, sweep, best)}")
            if shares := importances(study):
                print("importance (PED-ANOVA): " + ", ".join(f"{name} {share:.2f}" for name, share in shares.items()))
    if plot:
        metric = sweep.spec.metric
        _wrote(plot_search(study, sweep.spec.search, metric.name, metric.mode, sweep.dir / "plots", sweep.spec.id),
               "no trial has completed yet")


def _compare(sweep, param: str, metrics: str | None, test: str, fmt: str) -> None:
    import json
    from dataclasses import asdict

    from neuro.utils.reporting.compare import compare, comparison_csv_rows, comparison_rows, swept_values
    from neuro.utils.reporting.table import csv_table, markdown_table
    swept_values(sweep, param)
    available = metric_names(aggregate(sweep, "mean"), sweep.spec.metric.name)
    chosen = _chosen_metrics(metrics, available) if metrics else [sweep.spec.metric.name or available[0]]
    comparisons = compare(sweep, param, chosen, test)
    if fmt == "json":
        print(json.dumps([asdict(c) for c in comparisons], indent=2))
        return
    if fmt == "csv":
        print(csv_table(*comparison_csv_rows(comparisons, param)))
    elif fmt == "table":
        print_table(*comparison_rows(comparisons, param), keep=3)
    else:
        print(markdown_table(*comparison_rows(comparisons, param)))
    if any(c.n < 6 for c in comparisons):
        print("note: fewer than 6 pairs: the smallest two-sided Wilcoxon p is then 2/2^n (n = 5: 0.0625); "
              "add repetitions", file=sys.stderr)


def _chosen_metrics(text: str | None, available: list[str]) -> list[str]:
    """The metrics `--metrics` names, each one the runs report (all of them without the option)."""
    if text is None:
        return available
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    for name in chosen:
        if available and name not in available:
            raise NeuroError(f"--metrics: no run reported '{name}'{did_you_mean(name, available)}; "
                             f"choose from: {', '.join(available)}")
    return chosen
