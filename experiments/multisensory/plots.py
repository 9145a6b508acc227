"""Pictures of the multisensory family: stimuli, and the figures of `neuro results --plot`: psychometric
curves per model and difficulty (every subject and their mean), threshold and accuracy against
difficulty per model, and one example stimulus of each type."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from neuro.experiments.multisensory.psychometric import psychometric
from neuro.experiments.multisensory.stimuli import DIFFICULTIES, TYPES, Stimulus
from neuro.utils.reporting.plots import pyplot, save_figure
from neuro.utils.sweeps.run_home import files_of


def save_stimulus(stimulus: Stimulus, fs: int, path: Path, title: str = "") -> None:
    """Both channels over time, events shaded where the mask is 1."""
    plt = pyplot()
    t = np.arange(stimulus.x.shape[1]) / fs * 1000
    figure, axes = plt.subplots(2, 1, figsize=(8, 4), sharex=True, sharey=True)
    for axis, name, x, mask, rate in zip(axes, ("left", "right"), stimulus.x, stimulus.mask, stimulus.rate):
        axis.plot(t, x, linewidth=0.6, color="black")
        axis.fill_between(t, x.min(), x.max(), where=mask > 0, color="tab:orange", alpha=0.3, linewidth=0,
                          label="events")
        axis.set_ylabel(f"{name}\n{int(rate)} events" if rate else f"{name}\nsilent")
    axes[0].set_title(f"{title}  type {stimulus.type}: {TYPES[stimulus.type]}, rate {stimulus.agg_rate:g}",
                      fontsize="small")
    axes[0].legend(loc="upper right", fontsize="x-small")
    axes[1].set_xlabel("time (ms)")
    save_figure(figure, path, dpi=110)


def _evaluations(sweep) -> dict[tuple[str, str], list[dict]]:
    """{(integration, difficulty): [evaluation.json of each finished subject]}."""
    latest, found = sweep.latest(), {}
    for run in sweep.runs:
        path = files_of(sweep, run) / "evaluation.json"
        if latest.get(run.key, {}).get("state") == "done" and path.exists():
            key = (run.params["integration"], run.params["difficulty"])
            found.setdefault(key, []).append(json.loads(path.read_text()))
    return found


def plot_family(sweep, out_dir: Path, stat: str = "mean") -> list[Path]:
    evaluations = _evaluations(sweep)
    if not evaluations:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    title = sweep.spec.id
    written = [_psychometric_grid(evaluations, type_, out_dir, title) for type_ in _types(evaluations)]
    written.append(_against_difficulty(evaluations, out_dir, title))
    example = _examples(sweep, out_dir)
    return written + ([example] if example else [])


def _types(evaluations: dict) -> list[str]:
    return sorted({t for runs in evaluations.values() for e in runs for t in e})


def _psychometric_grid(evaluations: dict, type_: str, out_dir: Path, title: str) -> Path:
    plt = pyplot()
    models = sorted({m for m, _ in evaluations}, key=["early", "intermediate", "late"].index)
    levels = sorted({d for _, d in evaluations}, key=lambda d: DIFFICULTIES[d])
    figure, axes = plt.subplots(len(models), len(levels), figsize=(3 * len(levels), 2.6 * len(models)),
                                sharex=True, sharey=True, squeeze=False)
    rates = np.linspace(11, 16, 101)
    for i, model in enumerate(models):
        for j, difficulty in enumerate(levels):
            axis = axes[i][j]
            curves = []
            for subject in evaluations.get((model, difficulty), []):
                e = subject.get(type_)
                if not e:
                    continue
                axis.plot(e["levels"], e["proportion_fast"], "o", markersize=2, alpha=0.5, color="grey")
                if e["fit"]["ok"]:
                    fit = e["fit"]
                    curves.append(psychometric(rates, fit["bias"], fit["threshold"], fit["guess"], fit["lapse"]))
                    axis.plot(rates, curves[-1], linewidth=0.7, alpha=0.6, color="tab:blue")
            if curves:
                axis.plot(rates, np.mean(curves, axis=0), linewidth=2, color="black", label="mean")
            axis.axvline(13.5, linestyle=":", color="grey", linewidth=0.8)
            axis.set_title(f"{model}, {difficulty}", fontsize="small")
            if j == 0:
                axis.set_ylabel("P(fast)")
            if i == len(models) - 1:
                axis.set_xlabel("rate (events / 1.3 s)")
    figure.suptitle(f"{title}: type {type_}: {TYPES[int(type_)]} (subjects thin, mean thick)", fontsize="medium")
    return save_figure(figure, out_dir / f"psychometric_type{type_}.png", dpi=110)


def _mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and std of the finite values (NaN for none, without numpy's empty-slice warning)."""
    finite = [v for v in values if np.isfinite(v)]
    return (float(np.mean(finite)), float(np.std(finite))) if finite else (np.nan, np.nan)


def _against_difficulty(evaluations: dict, out_dir: Path, title: str) -> Path:
    plt = pyplot()
    types = _types(evaluations)
    figure, axes = plt.subplots(2, len(types), figsize=(3 * len(types), 5.5), sharex=True, squeeze=False)
    models = sorted({m for m, _ in evaluations}, key=["early", "intermediate", "late"].index)
    for j, type_ in enumerate(types):
        for model in models:
            difficulties = sorted({d for m, d in evaluations if m == model}, key=lambda d: DIFFICULTIES[d])
            for row, (name, value) in enumerate((("accuracy", lambda e: e["accuracy"]),
                                                 ("threshold", lambda e: e["fit"]["threshold"]
                                                  if e["fit"]["ok"] else np.nan))):
                values = [_mean_std([value(s[type_]) for s in evaluations[(model, d)] if type_ in s])
                          for d in difficulties]
                axes[row][j].errorbar([DIFFICULTIES[d] for d in difficulties], [m for m, _ in values],
                                      yerr=[sd for _, sd in values], marker="o", capsize=3, label=model)
                axes[row][j].set_ylabel(name if j == 0 else "")
        axes[0][j].set_title(f"type {type_}: {TYPES[int(type_)]}", fontsize="small")
        axes[1][j].set_xlabel("difficulty")
        levels = sorted({d for _, d in evaluations}, key=lambda d: DIFFICULTIES[d])
        axes[1][j].set_xticks([DIFFICULTIES[d] for d in levels], [d.replace("_", " ") for d in levels],
                              rotation=30, fontsize="small")
    axes[0][0].legend(fontsize="x-small")
    figure.suptitle(f"{title}: accuracy and threshold against difficulty (mean ± std over runs)", fontsize="medium")
    return save_figure(figure, out_dir / "accuracy_threshold_vs_difficulty.png", dpi=110)


def _examples(sweep, out_dir: Path) -> Path | None:
    """One stimulus of each type from the easiest set the sweep used."""
    from neuro.experiments.multisensory.data import read_row
    from neuro.experiments.multisensory.task import data_file

    plt = pyplot()
    runs = sorted(sweep.runs, key=lambda r: DIFFICULTIES[r.params["difficulty"]])
    path = sweep.workspace.data / data_file(sweep.spec.task.make_params(runs[0].params))
    if not path.exists():
        return None
    import h5py
    with h5py.File(path, "r") as f:
        types = f["type"][:2000]
    rows = {int(t): int(np.flatnonzero(types == t)[0]) for t in np.unique(types)}
    figure, axes = plt.subplots(len(rows), 2, figsize=(10, 1.6 * len(rows)), sharex=True, sharey=True,
                                squeeze=False)
    for i, (type_, row) in enumerate(sorted(rows.items())):
        stimulus = read_row(path, row)
        for c, name in enumerate(("left", "right")):
            axes[i][c].plot(stimulus.x[c], linewidth=0.5, color="black")
            axes[i][c].fill_between(np.arange(stimulus.x.shape[1]), -1.5, 1.5, where=stimulus.mask[c] > 0,
                                    color="tab:orange", alpha=0.3, linewidth=0)
            axes[i][c].set_title(f"type {type_} ({TYPES[type_]}), {name}: {int(stimulus.rate[c])} events",
                                 fontsize="x-small")
    figure.suptitle(f"{sweep.spec.id}: one stimulus of each type ({path.name})", fontsize="small")
    return save_figure(figure, out_dir / "example_stimuli.png", dpi=100)
