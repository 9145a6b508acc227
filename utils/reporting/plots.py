"""`neuro results --plot`: the experiment's metric against each swept parameter, and every logged
training curve across repetitions, one PNG each."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

from neuro.utils.reporting.curves import read_curves
from neuro.utils.reporting.results import PointResult, Stat
from neuro.utils.sweeps.run_home import files_of
from neuro.utils.sweeps.states import State
from neuro.utils.sweeps.sweep import Sweep

BAND = {"median": ("median", "10-90 percentile"), "mean": ("mean", "± std")}


def pyplot():
    """matplotlib.pyplot on the file-only backend (no display needed)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(figure, path: Path, dpi: int = 120) -> Path:
    """Lay out, write (folders made as needed) and close a figure; returns the path."""
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=dpi)
    pyplot().close(figure)
    return path


def plot_results(results: list[PointResult], metric: str, out_dir: Path, stat: str = "mean",
                 title: str = "") -> list[Path]:
    """`metric` (mean ± std, or median and 10-90 percentiles) against each swept parameter, the other
    swept parameters as separate series in the file's order: numbers on a line (a log axis when they
    span two decades or more, the metric's too), other values as grouped points. A point of one
    repetition has no spread to draw. Files are named after the statistic: `--stat median` never
    replaces the mean's figures."""
    plt = pyplot()
    rows = sorted((r for r in results if metric in r.metrics), key=lambda r: r.index)
    written = []
    spread = any(r.metrics[metric].n > 1 for r in rows)
    for param in (list(rows[0].point) if rows else []):
        values = [r.point[param] for r in rows]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        categories = list(dict.fromkeys(json.dumps(v) if not isinstance(v, str) else v for v in values))
        figure, axes = plt.subplots(figsize=(5.5, 3.8))
        series = _lines(rows, param)
        for offset, (label, line) in enumerate(series.items()):
            if numeric:
                line = sorted(line, key=lambda r: r.point[param])
                xs = [r.point[param] for r in line]
            else:
                width = 0.6 / max(len(series), 1)
                xs = [categories.index(_category(r.point[param])) + (offset - (len(series) - 1) / 2) * width
                      for r in line]
            spreads = [r.metrics[metric].spread(stat) if r.metrics[metric].n > 1 else (0.0, 0.0) for r in line]
            axes.errorbar(xs, [r.metrics[metric].centre(stat) for r in line],
                          yerr=[[lo for lo, _ in spreads], [hi for _, hi in spreads]] if spread else None,
                          marker="o", capsize=3, linestyle="-" if numeric else "none", label=label or None)
        if numeric:
            number_axis(axes, "x", values)
        else:
            axes.set_xticks(range(len(categories)), categories)
        log_if_decades(axes, "y", [r.metrics[metric].centre(stat) for r in rows])
        axes.set_xlabel(label_with_unit(param))
        axes.set_ylabel(f"{label_with_unit(metric)}\n{' '.join(BAND[stat]) if spread else BAND[stat][0]}")
        axes.set_title(f"{title + ': ' if title else ''}{metric} against {param}", fontsize="small")
        if len(series) > 1:
            axes.legend(fontsize="x-small")
        written.append(save_figure(figure, out_dir / f"{_file_part(metric)}_{stat}_vs_{_file_part(param)}.png"))
    return written


def log_if_decades(axes, which: str, values: list[float]) -> bool:
    """A log scale on the x or y axis (`which`) when the values are positive and span two decades or
    more; whether it is."""
    finite = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    if not finite or min(finite) <= 0 or max(finite) / min(finite) < 100:
        return False
    (axes.set_xscale if which == "x" else axes.set_yscale)("log")
    return True


def number_axis(axes, which: str, values: list) -> None:
    """Ticks a reader can use for a parameter's values on the x or y axis: a log scale over decades,
    whole numbers for an integer parameter, and the values themselves where there are few of them."""
    distinct = sorted(set(values))
    log = log_if_decades(axes, which, distinct)
    axis = axes.xaxis if which == "x" else axes.yaxis
    if len(distinct) <= 8:
        from matplotlib.ticker import NullLocator
        axis.set_ticks(distinct, [_tick(v) for v in distinct])
        if log:
            axis.set_minor_locator(NullLocator())
    elif all(isinstance(v, int) for v in distinct):
        from matplotlib.ticker import MaxNLocator
        axis.set_major_locator(MaxNLocator(integer=True))


def _tick(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def _file_part(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


UNITS = {"ms": "ms", "s": "s", "min": "min", "hz": "Hz", "deg": "degrees", "gb": "GB", "pct": "%"}


def label_with_unit(name: str) -> str:
    """An axis label from a name that carries its unit: 'tau_ms' -> 'tau (ms)'."""
    stem, _, suffix = name.rpartition("_")
    return f"{stem} ({UNITS[suffix.lower()]})" if stem and suffix.lower() in UNITS else name


def _category(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _lines(rows: list[PointResult], param: str) -> dict[str, list[PointResult]]:
    """Rows grouped by the values of the other swept parameters (in the file's order)."""
    lines: dict[str, list[PointResult]] = {}
    for row in rows:
        label = ", ".join(f"{k}={_category(v)}" for k, v in row.point.items() if k != param)
        lines.setdefault(label, []).append(row)
    return lines


def plot_curves(sweep: Sweep, stat: str, out_dir: Path) -> list[Path]:
    """For each scalar the runs logged during training (metrics.jsonl), one PNG: per grid point the
    median (or mean) over its finished repetitions at every step, with the 10-90 percentile band
    (or ± std) where there are several; a log axis for a value spanning two decades (a loss). Returns
    the files written."""
    latest = sweep.latest()
    by_point: dict[str, list[dict[str, dict[int, float]]]] = {}
    for run in sweep.runs:
        if latest.get(run.key, {}).get("state") == State.DONE:
            point = ", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in run.varying.items())
            by_point.setdefault(point, []).append(read_curves(files_of(sweep, run)))
    names = sorted({name for runs in by_point.values() for curves in runs for name in curves})
    plt, written = pyplot(), []
    for name in names:
        series = []
        for point, runs in by_point.items():
            steps = sorted({step for curves in runs for step in curves.get(name, {})})
            if steps:
                stats = [Stat.of([c[name][s] for c in runs if s in c.get(name, {})]) for s in steps]
                series.append((point, len(runs), steps, stats, [x.centre(stat) for x in stats]))
        figure, axes = plt.subplots(figsize=(6, 4))
        log = log_if_decades(axes, "y", [value for *_, centre in series for value in centre])
        floor = min(v for *_, centre in series for v in centre if v > 0) / 2 if log else -math.inf
        for point, count, steps, stats, centre in series:
            line, = axes.plot(steps, centre, label=f"{point or sweep.spec.name} ({count})")
            if count > 1:          # a band below zero has no place on a log axis: it reaches the bottom edge
                low = [max(m - x.spread(stat)[0], floor) for m, x in zip(centre, stats)]
                high = [m + x.spread(stat)[1] for m, x in zip(centre, stats)]
                axes.fill_between(steps, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
        if log:
            axes.set_ylim(bottom=floor)
        repeated = any(count > 1 for _, count, *_ in series)
        axes.set_xlabel("step (epoch)")
        axes.set_ylabel(label_with_unit(name))
        axes.set_title(f"{sweep.spec.id}: {name}, {BAND[stat][0]} over repetitions"
                       + (f" (band: {BAND[stat][1]})" if repeated else ""), fontsize="small")
        axes.legend(fontsize="x-small")
        written.append(save_figure(figure, out_dir / f"curve_{_file_part(name)}_{stat}.png"))
    return written
