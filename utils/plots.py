"""`neuro results --plot`: the experiment's metric against each swept parameter, one PNG each."""
from __future__ import annotations

from pathlib import Path

from utils.results import PointResult


def plot_results(results: list[PointResult], metric: str, out_dir: Path) -> list[Path]:
    """Mean ± std of `metric` against each numeric swept parameter (other parameters held as lines)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in results if metric in r.metrics]
    params = list(rows[0].point) if rows else []
    written = []
    for param in params:
        if not all(isinstance(r.point[param], (int, float)) and not isinstance(r.point[param], bool) for r in rows):
            continue
        figure, axes = plt.subplots(figsize=(5, 3.5))
        for label, line in _lines(rows, param).items():
            line.sort(key=lambda r: r.point[param])
            axes.errorbar([r.point[param] for r in line], [r.metrics[metric].mean for r in line],
                          yerr=[r.metrics[metric].std for r in line], marker="o", capsize=3, label=label or None)
        axes.set_xlabel(param)
        axes.set_ylabel(f"{metric} (mean ± std)")
        if len(_lines(rows, param)) > 1:
            axes.legend(fontsize="small")
        figure.tight_layout()
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{metric}_vs_{param}.png"
        figure.savefig(path, dpi=120)
        plt.close(figure)
        written.append(path)
    return written


def _lines(rows: list[PointResult], param: str) -> dict[str, list[PointResult]]:
    """Rows grouped by the values of the other swept parameters."""
    lines: dict[str, list[PointResult]] = {}
    for row in rows:
        label = ", ".join(f"{k}={v}" for k, v in row.point.items() if k != param)
        lines.setdefault(label, []).append(row)
    return lines
