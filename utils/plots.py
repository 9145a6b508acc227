"""`neuro results --plot`: the experiment's metric against each swept parameter, and every logged
training curve across repetitions, one PNG each."""
from __future__ import annotations

import json
import re
from pathlib import Path

from utils.curves import read_curves
from utils.run_home import files_of
from utils.results import PointResult, Stat
from utils.sweep import Sweep

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


def plot_results(results: list[PointResult], metric: str, out_dir: Path, stat: str = "mean") -> list[Path]:
    """`metric` (mean ± std, or median and 10-90 percentiles) against each numeric swept parameter,
    the other swept parameters as separate lines."""
    plt = pyplot()

    rows = [r for r in results if metric in r.metrics]
    params = list(rows[0].point) if rows else []
    written = []
    for param in params:
        if not all(isinstance(r.point[param], (int, float)) and not isinstance(r.point[param], bool) for r in rows):
            continue
        figure, axes = plt.subplots(figsize=(5, 3.5))
        for label, line in _lines(rows, param).items():
            line.sort(key=lambda r: r.point[param])
            spreads = [r.metrics[metric].spread(stat) for r in line]
            axes.errorbar([r.point[param] for r in line], [r.metrics[metric].centre(stat) for r in line],
                          yerr=[[low for low, _ in spreads], [high for _, high in spreads]], marker="o", capsize=3,
                          label=label or None)
        axes.set_xlabel(param)
        axes.set_ylabel(f"{metric} ({' '.join(BAND[stat])})")
        if len(_lines(rows, param)) > 1:
            axes.legend(fontsize="small")
        written.append(save_figure(figure, out_dir / f"{metric}_vs_{param}.png"))
    return written


def _lines(rows: list[PointResult], param: str) -> dict[str, list[PointResult]]:
    """Rows grouped by the values of the other swept parameters."""
    lines: dict[str, list[PointResult]] = {}
    for row in rows:
        label = ", ".join(f"{k}={v}" for k, v in row.point.items() if k != param)
        lines.setdefault(label, []).append(row)
    return lines


def plot_curves(sweep: Sweep, stat: str, out_dir: Path) -> list[Path]:
    """For each scalar the runs logged during training (metrics.jsonl), one PNG: per grid point the
    median (or mean) over its finished repetitions at every step, with the 10-90 percentile band
    (or ± std). Returns the files written."""
    latest = sweep.latest()
    by_point: dict[str, list[dict[str, dict[int, float]]]] = {}
    for run in sweep.runs:
        if latest.get(run.key, {}).get("state") == "done":
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
        axes.set_ylabel(name)
        axes.set_title(f"{name}: {BAND[stat][0]} over repetitions, band {BAND[stat][1]}", fontsize="small")
        axes.legend(fontsize="x-small")
        written.append(save_figure(figure, out_dir / f"curve_{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"))
    return written
