"""`neuro results --plot`: the experiment's metric against each swept parameter, and every logged
training curve across repetitions, one PNG each."""
from __future__ import annotations

import json
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
    span two decades or more), other values as grouped points."""
    plt = pyplot()
    rows = sorted((r for r in results if metric in r.metrics), key=lambda r: r.index)
    written = []
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
            spreads = [r.metrics[metric].spread(stat) for r in line]
            axes.errorbar(xs, [r.metrics[metric].centre(stat) for r in line], yerr=[[lo for lo, _ in spreads],
                          [hi for _, hi in spreads]], marker="o", capsize=3, linestyle="-" if numeric else "none",
                          label=label or None)
        if numeric and min(values) > 0 and max(values) / min(values) >= 100:
            axes.set_xscale("log")
        if not numeric:
            axes.set_xticks(range(len(categories)), categories)
        axes.set_xlabel(label_with_unit(param))
        axes.set_ylabel(f"{label_with_unit(metric)}\n{' '.join(BAND[stat])}")
        axes.set_title(f"{title + ': ' if title else ''}{metric} against {param}", fontsize="small")
        if len(series) > 1:
            axes.legend(fontsize="x-small")
        written.append(save_figure(figure, out_dir / f"{metric}_vs_{param}.png"))
    return written


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
    (or ± std). Returns the files written."""
    latest = sweep.latest()
    by_point: dict[str, list[dict[str, dict[int, float]]]] = {}
    for run in sweep.runs:
        if latest.get(run.key, {}).get("state") == State.DONE:
            point = ", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in run.varying.items())
            by_point.setdefault(point, []).append(read_curves(files_of(sweep, run)))
    names = sorted({name for runs in by_point.values() for curves in runs for name in curves})
    plt, written = pyplot(), []
    for name in names:
        figure, axes = plt.subplots(figsize=(6, 4))
        for point, runs in by_point.items():
            steps = sorted({step for curves in runs for step in curves.get(name, {})})
            if not steps:
                continue
            stats = [Stat.of([c[name][s] for c in runs if s in c.get(name, {})]) for s in steps]
            centre = [x.centre(stat) for x in stats]
            low = [m - x.spread(stat)[0] for m, x in zip(centre, stats)]
            high = [m + x.spread(stat)[1] for m, x in zip(centre, stats)]
            line, = axes.plot(steps, centre, label=f"{point or sweep.spec.name} ({len(runs)})")
            axes.fill_between(steps, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
        axes.set_xlabel("step (epoch)")
        axes.set_ylabel(label_with_unit(name))
        axes.set_title(f"{name}: {BAND[stat][0]} over repetitions, band {BAND[stat][1]}", fontsize="small")
        axes.legend(fontsize="x-small")
        written.append(save_figure(figure, out_dir / f"curve_{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"))
    return written
