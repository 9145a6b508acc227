"""Results of a sweep: one row per grid point, each metric over repetitions as mean ± std (n), or as
median [10th, 90th percentile] (n)."""
from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass, field
from typing import Any

from neuro.utils.reporting.table import csv_table, markdown_table, text_table
from neuro.utils.sweeps.runs import grid_points
from neuro.utils.sweeps.states import State
from neuro.utils.sweeps.sweep import Sweep

FORMATS = ("table", "markdown", "csv", "json")
PARTS = {"mean": ("mean", "std", "n"), "median": ("median", "p10", "p90", "n")}


@dataclass
class Stat:
    mean: float
    std: float          # sample standard deviation (0 for a single value)
    n: int
    median: float
    p10: float          # 10th and 90th percentiles (linear interpolation between repetitions)
    p90: float

    @classmethod
    def of(cls, values: list[float]) -> Stat:
        if len(values) == 1:
            v = values[0]
            return cls(v, 0.0, 1, v, v, v)
        deciles = statistics.quantiles(values, n=10, method="inclusive")
        return cls(statistics.fmean(values), statistics.stdev(values), len(values), statistics.median(values),
                   deciles[0], deciles[-1])

    def centre(self, stat: str) -> float:
        return self.median if stat == "median" else self.mean

    def spread(self, stat: str) -> tuple[float, float]:
        """Below and above the centre: the percentiles for the median, one std for the mean."""
        if stat == "median":
            return self.median - self.p10, self.p90 - self.median
        return self.std, self.std

    def show(self, stat: str) -> str:
        """e.g. `0.912 ± 0.013 (3)`; one value has no spread to show: `0.912 (1)`."""
        if self.n == 1:
            return f"{self.mean:.4g} (1)"
        if stat == "median":
            return f"{self.median:.4g} [{self.p10:.4g}, {self.p90:.4g}] ({self.n})"
        return f"{self.mean:.4g} ± {self.std:.2g} ({self.n})"


@dataclass
class PointResult:
    point: dict[str, Any]
    index: int = 0          # position in the file's grid (rows are sorted by the metric)
    metrics: dict[str, Stat] = field(default_factory=dict)
    done: int = 0
    failed: int = 0
    missing: int = 0        # not finished: planned, queued, running, interrupted, cancelled


def aggregate(sweep: Sweep, stat: str = "mean") -> list[PointResult]:
    """Group the sweep's runs by grid point; sorted by the experiment's metric (best first)."""
    latest = sweep.latest()
    rows = {json.dumps(p, sort_keys=True): PointResult(p, i) for i, p in enumerate(grid_points(sweep.spec))}
    values: dict[str, dict[str, list[float]]] = {k: {} for k in rows}
    for run in sweep.runs:
        point = json.dumps(run.varying, sort_keys=True)
        event = latest.get(run.key, {})
        state = event.get("state")
        if state == State.DONE:
            rows[point].done += 1
            for name, value in (event.get("metrics") or {}).items():
                values[point].setdefault(name, []).append(value)
        elif state == State.FAILED:
            rows[point].failed += 1
        else:
            rows[point].missing += 1
    for point, row in rows.items():
        row.metrics = {name: Stat.of(v) for name, v in values[point].items()}
    return _sorted(list(rows.values()), sweep.spec.metric.name, sweep.spec.metric.mode, stat)


def metric_names(results: list[PointResult], first_metric: str | None = None) -> list[str]:
    """Every metric the rows report, the experiment's own first."""
    return sorted({m for r in results for m in r.metrics}, key=lambda m: (m != first_metric, m))


def table_rows(results: list[PointResult], metrics: list[str], stat: str = "mean") -> tuple[list[str], list[list[str]]]:
    """Headers and cells of the results table: parameters, each metric's statistic, failed, missing."""
    params = list(results[0].point) if results else []
    headers = [*params, *metrics, "failed", "missing"]
    rows = [[*[_show(v) for v in r.point.values()], *[r.metrics[m].show(stat) if m in r.metrics else "-"
                                                     for m in metrics], str(r.failed), str(r.missing)]
            for r in results]
    return headers, rows


def render(results: list[PointResult], fmt: str, first_metric: str | None = None, stat: str = "mean",
           metrics: list[str] | None = None) -> str:
    """The rows as text in `fmt`; `metrics` chooses and orders the metric columns (default: all)."""
    metrics = metrics if metrics is not None else metric_names(results, first_metric)
    if fmt == "json":
        return json.dumps([{"params": r.point, "metrics": {m: vars(r.metrics[m]) for m in metrics if m in r.metrics},
                            "done": r.done, "failed": r.failed, "missing": r.missing} for r in results], indent=2)
    if fmt == "csv":
        return csv_table(*point_columns(results, metrics, stat))
    headers, rows = table_rows(results, metrics, stat)
    return markdown_table(headers, rows) if fmt == "markdown" else text_table(headers, rows)


def _sorted(rows: list[PointResult], metric: str | None, mode: str, stat: str) -> list[PointResult]:
    if not metric:
        return rows
    sign = -1 if mode == "max" else 1

    def order(row: PointResult) -> tuple:
        value = row.metrics[metric].centre(stat) if metric in row.metrics else math.nan
        return (not math.isfinite(value), sign * value if math.isfinite(value) else 0.0)
    return sorted(rows, key=order)


def point_columns(results: list[PointResult], metrics: list[str], stat: str) -> tuple[list[str], list[list[Any]]]:
    """One row per grid point as programs read it (`-f csv`, `neuro.results`): each parameter, each
    metric's statistic in columns of its own (`<metric>_mean`, `_std`, `_n`, ...; None where no run
    reported it), at full precision, then the done, failed and missing counts."""
    params = list(results[0].point) if results else []
    parts = PARTS[stat]
    headers = [*params, *[f"{m}_{part}" for m in metrics for part in parts], "done", "failed", "missing"]
    rows = [[*r.point.values(), *[_stat_part(r.metrics.get(m), part) for m in metrics for part in parts],
             r.done, r.failed, r.missing] for r in results]
    return headers, rows


def _stat_part(stat: Stat | None, part: str) -> Any:
    return None if stat is None else getattr(stat, part)


def _show(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value
