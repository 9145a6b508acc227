"""Results in a notebook: `neuro.results` and `neuro.curves` give pandas DataFrames of the numbers the
CLI prints (`neuro results -f csv`, `--runs`), read from the ledger and the run folders without
importing the task's code."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from neuro.utils.errors import NeuroError, did_you_mean
from neuro.utils.experiment.spec import load_spec
from neuro.utils.sweeps.sweep import Sweep
from neuro.utils.sweeps.workspace import Workspace


def results(experiment: str | Path, runs: bool = False, stat: str = "mean", overrides: Sequence[str] = (),
            workspace: str | Path | None = None):
    """The experiment's results as a DataFrame: one row per grid point (each parameter, each metric's
    `<metric>_mean`, `_std`, `_n` or with stat="median" `_median`, `_p10`, `_p90`, `_n`, then the done,
    failed and missing counts), best first, or on a search one row per trial; with `runs`, one row per
    run (name, key, seed, state, `params.<name>`, metrics, the environment's and data's hashes, folder).
    `overrides`: the --set values the experiment was run with (e.g. ["params.lr=0.01"]); `workspace`: the
    folder holding training_data/ (default: $NEURO_WORKSPACE, else the current folder)."""
    pandas = _pandas("results")
    from neuro.utils.reporting.results import PARTS, aggregate, metric_names, point_columns
    if stat not in PARTS:
        raise NeuroError(f"stat={stat!r}: choose from {', '.join(PARTS)}")
    sweep = _sweep(experiment, overrides, workspace)
    if runs:
        from neuro.utils.reporting.run_table import run_columns, run_rows
        rows = run_rows(sweep)
        return pandas.DataFrame(rows, columns=run_columns(rows))
    if sweep.spec.search is not None:
        from neuro.utils.reporting.search_results import trial_columns, trial_rows
        from neuro.utils.search.study import open_study
        study = open_study(sweep.spec, sweep.dir)
        headers, cells = trial_columns(trial_rows(sweep, study) if study is not None else [], sweep)
        return pandas.DataFrame(cells, columns=headers)
    points = aggregate(sweep, stat)
    headers, cells = point_columns(points, metric_names(points, sweep.spec.metric.name), stat)
    return pandas.DataFrame(cells, columns=headers)


def curves(experiment: str | Path, name: str, overrides: Sequence[str] = (), workspace: str | Path | None = None):
    """The values of one logged scalar (`ctx.log_metrics`), one row per run and step: run, seed, state,
    the run's swept or searched values (`params.<name>`), step, value; every run that logged it, whatever
    its state."""
    pandas = _pandas("curves")
    from neuro.utils.reporting.curves import read_curves
    from neuro.utils.sweeps.run_home import files_of
    from neuro.utils.sweeps.states import State
    from neuro.utils.sweeps.status import effective_state
    sweep = _sweep(experiment, overrides, workspace)
    spec = sweep.spec
    swept = [*spec.grid, *spec.zip, *(spec.search.space if spec.search is not None else ())]
    latest = sweep.latest()
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for run in sweep.runs:
        event = latest.get(run.key)
        if event is None:
            continue
        logged = read_curves(files_of(sweep, run))
        seen |= set(logged)
        state = effective_state(event) if event else State.PLANNED
        values = {f"params.{name}": run.params[name] for name in swept}
        rows += [{"run": run.name, "seed": run.seed, "state": state, **values, "step": step, "value": value}
                 for step, value in sorted(logged.get(name, {}).items())]
    if not rows:
        raise NeuroError(f"{experiment}: no run logged '{name}'{did_you_mean(name, sorted(seen))}"
                         + (f"; logged: {', '.join(sorted(seen))}" if seen else "; no run has logged anything yet"))
    return pandas.DataFrame(rows)


def _sweep(experiment: str | Path, overrides: Sequence[str], workspace: str | Path | None) -> Sweep:
    """The experiment's sweep in `workspace` (as $NEURO_WORKSPACE names it for the command line, and for
    the task file's identity, which is its path in the workspace)."""
    with _workspace(workspace):
        place = Workspace.current()
        spec = load_spec(Path(experiment), list(overrides), place.training_data / ".tasks", import_code=False)
        return Sweep.build(spec, place)


@contextlib.contextmanager
def _workspace(folder: str | Path | None) -> Iterator[None]:
    if folder is None:
        yield
        return
    before = os.environ.get("NEURO_WORKSPACE")
    os.environ["NEURO_WORKSPACE"] = str(Path(folder).resolve())
    try:
        yield
    finally:
        if before is None:
            del os.environ["NEURO_WORKSPACE"]
        else:
            os.environ["NEURO_WORKSPACE"] = before


def _pandas(function: str):
    try:
        import pandas
    except ImportError:
        raise ImportError(f"neuro.{function} gives a pandas DataFrame: pip install pandas "
                          "(or pip install 'neuro[notebook]')") from None
    return pandas
