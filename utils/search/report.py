"""What a search says as it goes and when it stops: trials told, and where the study stands."""
from __future__ import annotations

from collections import Counter

from neuro.utils.reporting.table import counted


def report_told(told: list, metric: str) -> None:
    """One line per trial told to the study (`Told`s)."""
    for trial in told:
        detail = f"{metric} {trial.value:.4g}" if trial.value is not None else trial.reason
        print(f"trial {trial.number}: {trial.state}" + (f", {detail}" if detail else ""))


def study_summary(study, spec) -> str:
    """e.g. '42 of 60 trials: 38 complete, 3 pruned, 1 fail; best accuracy 0.912 (trial 17)'."""
    trials = study.get_trials(deepcopy=False)
    counts = Counter(t.state.name.lower() for t in trials)
    parts = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    line = f"{len(trials)} of {counted(spec.search.trials, 'trial')}" + (f": {parts}" if parts else "")
    best = best_trial(study)
    if best is not None:
        line += f"; best {spec.metric.name} {best.value:.4g} (trial {best.number})"
    return line


def best_trial(study):
    """The best complete trial, or None before one has completed."""
    try:
        return study.best_trial
    except ValueError:       # Optuna's word for "no trial has completed yet"
        return None
