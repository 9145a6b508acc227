"""Results of a search: its trials best first (objective over the trial's runs), the best
configuration as a ready `--set` line, and parameter importances (its figures: search_plots)."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuro.utils.reporting.results import Stat
from neuro.utils.reporting.table import csv_table, markdown_table, text_table
from neuro.utils.sweeps.states import State
from neuro.utils.sweeps.sweep import Sweep

STATE_ORDER = {"complete": 0, "pruned": 1, "running": 2, "fail": 3, "waiting": 4}


@dataclass
class TrialRow:
    number: int
    state: str                                  # complete | pruned | fail | running (the study's)
    values: dict[str, Any]                      # the sampled parameters
    objective: Stat | None = None               # the metric over the trial's done runs
    runs: dict[str, int] = field(default_factory=dict)   # run state -> count


def trial_rows(sweep: Sweep, study) -> list[TrialRow]:
    """Every trial of the study, best first (complete trials by objective, then the others)."""
    latest = sweep.latest()
    metric, sign = sweep.spec.metric.name, (-1 if sweep.spec.metric.mode == "max" else 1)
    by_trial: dict[int | None, list] = {}
    for run in sweep.runs:
        by_trial.setdefault(run.trial, []).append(run)
    rows = []
    for trial in study.get_trials(deepcopy=False):
        runs = by_trial.get(trial.number, [])
        events = [latest.get(run.key, {}) for run in runs]
        values = [e["metrics"][metric] for e in events
                  if e.get("state") == State.DONE and metric in (e.get("metrics") or {})]
        counts: dict[str, int] = {}
        for event in events:
            counts[event.get("state", State.PLANNED)] = counts.get(event.get("state", State.PLANNED), 0) + 1
        rows.append(TrialRow(trial.number, trial.state.name.lower(), dict(trial.params),
                             Stat.of(values) if values else None, counts))

    def order(row: TrialRow) -> tuple:
        value = row.objective.mean if row.objective and row.state == "complete" else math.nan
        return STATE_ORDER.get(row.state, 5), sign * value if math.isfinite(value) else 0.0, row.number
    return sorted(rows, key=order)


def render_trials(rows: list[TrialRow], sweep: Sweep, fmt: str) -> str:
    metric = sweep.spec.metric.name
    if fmt == "json":
        return json.dumps([{"trial": r.number, "state": r.state, "params": r.values,
                            metric: vars(r.objective) if r.objective else None, "runs": r.runs} for r in rows], indent=2)
    if fmt == "csv":
        return csv_table(*trial_columns(rows, sweep))
    return (markdown_table if fmt == "markdown" else text_table)(*trial_table(rows, sweep))


def trial_columns(rows: list[TrialRow], sweep: Sweep) -> tuple[list[str], list[list[Any]]]:
    """One row per trial as programs read it (`-f csv`, `neuro.results`): number, state, each searched
    value and the metric's mean, std and n over the trial's done runs (None without one)."""
    metric, names = sweep.spec.metric.name, list(searched(sweep))
    return (["trial", "state", *names, f"{metric}_mean", f"{metric}_std", "n"],
            [[r.number, r.state, *[r.values.get(n) for n in names],
              *((r.objective.mean, r.objective.std, r.objective.n) if r.objective else (None, None, 0))] for r in rows])


def trial_table(rows: list[TrialRow], sweep: Sweep) -> tuple[list[str], list[list[str]]]:
    """Headers and cells: trial, state, each searched parameter, the metric as mean ± std (n)."""
    names = list(searched(sweep))
    headers = ["trial", "state", *names, str(sweep.spec.metric.name)]
    cells = [[str(r.number), r.state, *[_show(r.values.get(n)) for n in names],
              r.objective.show("mean") if r.objective else "-"] for r in rows]
    return headers, cells


def best_line(experiment: Path, sweep: Sweep, best) -> str:
    """The command that runs the best trial's configuration as an experiment of its own: every value at
    full precision (the shortest text that reads back as the same number), so it reproduces the trial."""
    sets = " ".join(f"--set params.{name}={repr(value) if isinstance(value, float) else _show(value)}"
                    for name, value in best.params.items())
    return f"neuro run {experiment} --set search=null --set name={sweep.spec.name}-best {sets}"


def importances(study) -> dict[str, float] | None:
    """Each parameter's share of the objective's variance over complete trials (PED-ANOVA); None with
    fewer than two complete trials."""
    import optuna
    from optuna.trial import TrialState
    if len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))) < 2:
        return None
    return optuna.importance.get_param_importances(
        study, evaluator=optuna.importance.PedAnovaImportanceEvaluator())


def searched(sweep: Sweep) -> dict[str, Any]:
    """The search's space (the sweep is a search's)."""
    assert sweep.spec.search is not None
    return sweep.spec.search.space


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return json.dumps(value) if not isinstance(value, str) else value
