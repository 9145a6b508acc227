"""Pruning, on the run's side: each value of the watched metric that a trial's run logs
(`ctx.log_metrics`) goes to the study, which may stop the trial early (its runs end `pruned`)."""
from __future__ import annotations

from collections.abc import Callable

from neuro.utils.execution.context import RunPruned
from neuro.utils.search.study import open_study
from neuro.utils.sweeps.runs import RunSpec, trial_runs
from neuro.utils.sweeps.sweep import Sweep


def pruning_hook(sweep: Sweep, run: RunSpec) -> Callable[[int, dict[str, float]], None] | None:
    """What the run calls with each logged step, or None when its search prunes nothing. The trial's
    first run reports its values; every run of the trial asks the pruner, so all of them stop together."""
    search = sweep.spec.search
    if search is None or search.pruner is None or run.trial is None:
        return None
    import optuna


    watched = search.prune_on or sweep.spec.metric.name
    study = open_study(sweep.spec, sweep.dir)
    trial = optuna.trial.Trial(study, study._storage.get_trial_id_from_study_id_trial_number(study._study_id, run.trial))
    reporter = trial_runs(sweep.spec, run.trial, {name: run.params[name] for name in search.space})[0].key == run.key

    def hook(step: int, metrics: dict[str, float]) -> None:
        if watched not in metrics:
            return
        try:
            if reporter:
                trial.report(metrics[watched], step)
            prune = trial.should_prune()
        except RuntimeError:          # the trial has ended already (told by a driver)
            return
        if prune:
            raise RunPruned(f"pruned at step {step}: {watched} {metrics[watched]:.4g} ({search.pruner} pruner)")
    return hook
