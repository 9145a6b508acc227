"""What a search says as it goes and when it stops: trials told, and where the study stands."""
from __future__ import annotations

from collections import Counter

from utils.reporting.table import counted


def report_told(driver) -> None:
    """One line per trial the driver told the study about since the last call."""
    metric = driver.sweep.spec.metric.name
    for told in driver.told[driver.reported:]:
        detail = f"{metric} {told.value:.4g}" if told.value is not None else told.reason
        print(f"trial {told.number}: {told.state}" + (f", {detail}" if detail else ""))
    driver.reported = len(driver.told)


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
    from optuna.trial import TrialState
    complete = [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE]
    if not complete:
        return None
    pick = max if study.direction.name == "MAXIMIZE" else min
    return pick(complete, key=lambda t: t.value)
