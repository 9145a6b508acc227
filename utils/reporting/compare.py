"""`neuro results --compare PARAM`: is a difference between two values of a swept parameter real?

Runs are paired when they differ only in PARAM: the same seed and the same values of every other
parameter. For each pair of PARAM's values and each metric: the mean paired difference with a 95%
percentile-bootstrap interval, a two-sided Wilcoxon signed-rank (or paired t) p-value, Holm-corrected
across the pairs of that metric, and the number of pairs.
"""
from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuro.utils.errors import NeuroError, did_you_mean
from neuro.utils.sweeps.states import State
from neuro.utils.sweeps.sweep import Sweep

RESAMPLES = 10_000


@dataclass
class Comparison:
    metric: str
    first: Any
    second: Any
    n: int                         # matched pairs
    difference: float              # mean of first - second
    low: float                     # 95% bootstrap interval of the mean difference
    high: float
    p: float
    p_holm: float = math.nan


def paired_values(sweep: Sweep, param: str, metric: str) -> dict[Any, dict[str, float]]:
    """PARAM's value -> {the rest of the run's identity (other parameters and seed): the metric}, for
    done runs that reported the metric."""
    latest = sweep.latest()
    out: dict[Any, dict[str, float]] = {}
    for run in sweep.runs:
        event = latest.get(run.key)
        value = (event or {}).get("metrics", {}).get(metric) if (event or {}).get("state") == State.DONE else None
        if value is None or not math.isfinite(value):
            continue
        rest = json.dumps({"seed": run.seed, **{k: v for k, v in run.params.items() if k != param}}, sort_keys=True)
        out.setdefault(json.dumps(run.params[param], sort_keys=True), {})[rest] = value
    return out


def paired_test(differences: np.ndarray, test: str, seed: int = 0) -> tuple[float, float, float]:
    """(95% bootstrap low, high, p) for paired differences; p = 1 when every difference is zero."""
    from scipy import stats
    if len(differences) < 2:
        return math.nan, math.nan, math.nan
    if not differences.any():
        return 0.0, 0.0, 1.0
    interval = stats.bootstrap((differences,), np.mean, confidence_level=0.95, n_resamples=RESAMPLES,
                               method="percentile", random_state=np.random.default_rng(seed)).confidence_interval
    if test == "t":
        p = stats.ttest_1samp(differences, 0.0).pvalue
    else:
        p = stats.wilcoxon(differences).pvalue
    return float(interval.low), float(interval.high), float(p)


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment (NaN p-values left out and kept NaN)."""
    order = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    adjusted = [math.nan] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p))
        adjusted[i] = running
    return adjusted


def swept_values(sweep: Sweep, param: str) -> list:
    """PARAM's values as the file sweeps them (grid or zip); a one-line error for another name."""
    swept = {**sweep.spec.grid, **sweep.spec.zip}
    if param not in swept:
        raise NeuroError(f"--compare: '{param}' is not swept in {sweep.spec.source.name}{did_you_mean(param, swept)}; "
                         f"swept: {', '.join(swept) or 'nothing (add a grid)'}")
    return swept[param]


def compare(sweep: Sweep, param: str, metrics: list[str], test: str = "wilcoxon") -> list[Comparison]:
    """Every pair of PARAM's swept values (in the file's order), for each metric."""
    values = [json.dumps(v, sort_keys=True) for v in swept_values(sweep, param)]
    out = []
    for metric in metrics:
        by_value = paired_values(sweep, param, metric)
        found = []
        for first, second in itertools.combinations(values, 2):
            a, b = by_value.get(first, {}), by_value.get(second, {})
            shared = sorted(a.keys() & b.keys())
            differences = np.array([a[k] - b[k] for k in shared])
            low, high, p = paired_test(differences, test)
            found.append(Comparison(metric, json.loads(first), json.loads(second), len(shared),
                                    float(differences.mean()) if len(shared) else math.nan, low, high, p))
        for comparison, adjusted in zip(found, holm([c.p for c in found])):
            comparison.p_holm = adjusted
        out += found
    return out


def comparison_rows(comparisons: list[Comparison], param: str) -> tuple[list[str], list[list[str]]]:
    """For people: the interval as `[low, high]`, 4 significant digits (p-values 3)."""
    headers = ["metric", f"{param} A", f"{param} B", "n", "mean A - B", "95% interval", "p", "p (Holm)"]
    cells = [[c.metric, _text(c.first), _text(c.second), str(c.n), _number(c.difference),
              f"[{_number(c.low)}, {_number(c.high)}]", _number(c.p, 3), _number(c.p_holm, 3)] for c in comparisons]
    return headers, cells


def comparison_csv_rows(comparisons: list[Comparison], param: str) -> tuple[list[str], list[list[Any]]]:
    """For programs: one column per number (the interval's two ends apart), at full precision."""
    headers = ["metric", f"{param}_a", f"{param}_b", "n", "mean_difference", "interval_low", "interval_high", "p",
               "p_holm"]
    cells = [[c.metric, _text(c.first), _text(c.second), c.n, *[_exact(v) for v in
              (c.difference, c.low, c.high, c.p, c.p_holm)]] for c in comparisons]
    return headers, cells


def _exact(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else repr(float(value))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _number(value: float, digits: int = 4) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}g}"
