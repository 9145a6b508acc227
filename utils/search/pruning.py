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
    first run reports its values; every run of the trial asks the pruner, and a run whose trial has been
    pruned (another run of it was, and the driver told the study) stops at its next step: all of a
    trial's runs stop together. A run of a trial pruned before it started stops at once."""
    search = sweep.spec.search
    if search is None or search.pruner is None or run.trial is None:
        return None
    from optuna.trial import Trial, TrialState

    study = open_study(sweep.spec, sweep.dir)
    if study is None:                 # its study is another search's now (the file changed): nothing to ask
        return None
    watched = search.prune_on or sweep.spec.metric.name
    storage = study._storage
    trial_id = storage.get_trial_id_from_study_id_trial_number(study._study_id, run.trial)
    trial = Trial(study, trial_id)
    reporter = trial_runs(sweep.spec, run.trial, {name: run.params[name] for name in search.space})[0].key == run.key

    def latest(step: int | None):
        """The trial as the study has it now (a Trial object's own copy never sees the other runs' reports);
        a run of a pruned trial stops here."""
        frozen = storage.get_trial(trial_id)
        if frozen.state == TrialState.PRUNED:
            raise RunPruned(f"trial {run.trial} was pruned (another of its runs was)"
                            + (f"; stopped at step {step}" if step is not None else "; not started"))
        return frozen

    latest(None)

    def hook(step: int, metrics: dict[str, float]) -> None:
        if watched not in metrics:
            return
        frozen = latest(step)
        if frozen.state.is_finished():        # told complete or failed meanwhile: nothing to decide
            return
        if reporter:          # its Trial holds every value reported (all by this run): no second read
            try:
                trial.report(metrics[watched], step)
            except RuntimeError:          # the trial has just ended (told by a driver)
                return
            if trial.should_prune():
                raise RunPruned(f"pruned at step {step}: {watched} {metrics[watched]:.4g} ({search.pruner} pruner)")
        elif study.pruner.prune(study, frozen):
            last = frozen.last_step      # the decision is on the values the trial's first run reported
            raise RunPruned(f"pruned at step {step}: trial {run.trial}'s {watched} {frozen.intermediate_values[last]:.4g}"
                            f" at step {last} ({search.pruner} pruner)")
    return hook
