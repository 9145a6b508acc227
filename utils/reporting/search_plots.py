"""A search's figures, drawn as neuro's other figures are: the metric per trial with the best so far,
the metric against each searched parameter, and a parallel-coordinates view of the trials. The axes
carry the metric's name and scale (log over decades) and the space's own scale (log for log_uniform,
whole numbers for int, names for choice); pruned and failed trials are marked, not left out."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from neuro.utils.reporting.plots import label_with_unit, log_if_decades, pyplot, save_figure
from neuro.utils.search.space import Dimension, SearchSpec

PRUNED_STYLE = {"marker": "x", "color": "0.55", "linestyle": "none"}
FAILED_STYLE = {"marker": "x", "color": "tab:red", "linestyle": "none"}
RUG_Y = 0.03              # where trials without a value are marked: just above the x axis (axes fraction)


def plot_search(study, search: SearchSpec, metric: str, mode: str, out_dir: Path, title: str) -> list[Path]:
    """The search's PNGs (none before a trial has completed): search_history, search_slice_<parameter>
    for each searched parameter, and search_parallel_coordinates for two parameters or more."""
    from optuna.trial import TrialState
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    if not complete:
        return []
    others = {"pruned": [t for t in trials if t.state == TrialState.PRUNED],
              "failed": [t for t in trials if t.state == TrialState.FAIL]}
    written = [_history(complete, others, metric, mode, out_dir, title)]
    for name, dimension in search.space.items():
        written.append(_slice(name, dimension, complete, others, metric, mode, out_dir, title))
    if len(search.space) > 1:
        written.append(_parallel(search.space, complete, others["pruned"], metric, mode, out_dir, title))
    return written


def _metric_label(metric: str, mode: str) -> str:
    return f"{label_with_unit(metric)} ({'higher' if mode == 'max' else 'lower'} is better)"


def _mark_without_value(axes, xs: dict[str, list[float]]) -> None:
    """Trials that ended without a value, as crosses along the bottom of the axes."""
    for state, style in (("pruned", PRUNED_STYLE), ("failed", FAILED_STYLE)):
        if xs.get(state):
            axes.plot(xs[state], [RUG_Y] * len(xs[state]), transform=axes.get_xaxis_transform(), clip_on=False,
                      label=f"{state} ({len(xs[state])})", **style)


def _history(complete: list, others: dict[str, list], metric: str, mode: str, out_dir: Path, title: str) -> Path:
    from matplotlib.ticker import MaxNLocator
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    numbers, values = [t.number for t in complete], [t.value for t in complete]
    axes.plot(numbers, values, "o", color="tab:blue", markersize=4, label=f"complete ({len(complete)})")
    best, running = [], None
    for value in values:
        running = value if running is None else (max if mode == "max" else min)(running, value)
        best.append(running)
    axes.step(numbers, best, where="post", color="tab:orange", label="best so far")
    _mark_without_value(axes, {state: [t.number for t in trials] for state, trials in others.items()})
    log_if_decades(axes, "y", values)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("trial")
    axes.set_ylabel(_metric_label(metric, mode))
    axes.set_title(f"{title}: {metric} per trial", fontsize="small")
    axes.legend(fontsize="x-small")
    return save_figure(figure, out_dir / "search_history.png")


def _positions(dimension: Dimension, values: list[Any], numbers: list[int]) -> list[float]:
    """Where values go on a parameter's axis: themselves, or a choice's index (spread a little by trial
    number so that equal choices do not hide each other)."""
    if dimension.kind != "choice":
        return [float(v) for v in values]
    return [dimension.values.index(v) + ((n * 0.618) % 1 - 0.5) * 0.3 for v, n in zip(values, numbers)]


def _parameter_axis(axes, name: str, dimension: Dimension) -> None:
    from matplotlib.ticker import MaxNLocator
    if dimension.kind == "log_uniform":
        axes.set_xscale("log")
    elif dimension.kind == "int":
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    elif dimension.kind == "choice":
        axes.set_xticks(range(len(dimension.values)), [str(v) for v in dimension.values])
    axes.set_xlabel(label_with_unit(name) + (" (log scale)" if dimension.kind == "log_uniform" else ""))


def _slice(name: str, dimension: Dimension, complete: list, others: dict[str, list], metric: str, mode: str,
           out_dir: Path, title: str) -> Path:
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(5.5, 4))
    numbers = [t.number for t in complete]
    xs = _positions(dimension, [t.params[name] for t in complete], numbers)
    dots = axes.scatter(xs, [t.value for t in complete], c=numbers, cmap="viridis", s=22, edgecolors="none",
                        label=f"complete ({len(complete)})")
    figure.colorbar(dots, ax=axes, label="trial")
    _mark_without_value(axes, {state: _positions(dimension, [t.params[name] for t in trials if name in t.params],
                                                 [t.number for t in trials if name in t.params])
                               for state, trials in others.items()})
    _parameter_axis(axes, name, dimension)
    log_if_decades(axes, "y", [t.value for t in complete])
    axes.set_ylabel(_metric_label(metric, mode))
    axes.set_title(f"{title}: {metric} against {name}", fontsize="small")
    axes.legend(fontsize="x-small")
    return save_figure(figure, out_dir / f"search_slice_{name}.png")


def _scaled(dimension: Dimension, value: Any) -> float:
    """A value's place on its parameter's axis, from 0 (the space's low end) to 1 (its high end)."""
    if dimension.kind == "choice":
        return dimension.values.index(value) / max(len(dimension.values) - 1, 1)
    low, high = float(dimension.values[0]), float(dimension.values[1])
    if dimension.kind == "log_uniform":
        low, high, value = math.log10(low), math.log10(high), math.log10(value)
    return (float(value) - low) / (high - low) if high > low else 0.5


def _ends(dimension: Dimension) -> list[tuple[float, str]]:
    """The labels along a parameter's axis: its choices, or its two ends."""
    if dimension.kind == "choice":
        return [(_scaled(dimension, v), str(v)) for v in dimension.values]
    return [(0.0, f"{dimension.values[0]:g}"), (1.0, f"{dimension.values[1]:g}")]


def _parallel(space: dict[str, Dimension], complete: list, pruned: list, metric: str, mode: str, out_dir: Path,
              title: str) -> Path:
    """One line per trial across an axis per parameter and one for the metric; complete trials coloured
    by the metric (the best drawn last, on top), pruned ones as grey dashes across the parameters."""
    import matplotlib as mpl
    plt = pyplot()
    names = list(space)
    values = [t.value for t in complete]
    log = min(values) > 0 and max(values) / min(values) >= 100
    shown = [math.log10(v) for v in values] if log else values
    low, high = min(shown), max(shown)
    figure, axes = plt.subplots(figsize=(1.6 * (len(names) + 1) + 1.5, 4.2))
    colours = mpl.colormaps["viridis" if mode == "max" else "viridis_r"]
    norm = mpl.colors.Normalize(low, high if high > low else low + 1)
    for trial in pruned:
        if all(name in trial.params for name in names):
            axes.plot(range(len(names)), [_scaled(space[n], trial.params[n]) for n in names], color="0.7",
                      linestyle="--", linewidth=0.8, zorder=1)
    order = sorted(range(len(complete)), key=lambda i: shown[i] if mode == "max" else -shown[i])
    for i in order:
        ys = [_scaled(space[n], complete[i].params[n]) for n in names]
        ys.append((shown[i] - low) / (high - low) if high > low else 0.5)
        axes.plot(range(len(names) + 1), ys, color=colours(norm(shown[i])), linewidth=1.3, alpha=0.85, zorder=2)
    for x, name in enumerate(names):
        axes.axvline(x, color="black", linewidth=0.8, zorder=3)
        for y, text in _ends(space[name]):
            axes.annotate(text, (x, y), xytext=(4, 0), textcoords="offset points", fontsize="x-small", va="center",
                          zorder=4, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
    axes.axvline(len(names), color="black", linewidth=0.8, zorder=3)
    for y, value in ((0.0, min(values)), (1.0, max(values))):
        axes.annotate(f"{value:.4g}", (len(names), y), xytext=(4, 0), textcoords="offset points", fontsize="x-small",
                      va="center", zorder=4)
    axes.set_xticks(range(len(names) + 1), [label_with_unit(n) for n in names] + [label_with_unit(metric)],
                    fontsize="small")
    axes.set_yticks([])
    axes.set_xlim(-0.2, len(names) + 0.5)
    axes.set_ylim(-0.05, 1.05)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    figure.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=colours), ax=axes,
                    label=("log10 " if log else "") + label_with_unit(metric))
    axes.set_title(f"{title}: {len(complete)} complete trials" + (f", {len(pruned)} pruned (dashed)" if pruned else ""),
                   fontsize="small")
    return save_figure(figure, out_dir / "search_parallel_coordinates.png")
