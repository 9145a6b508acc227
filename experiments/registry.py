"""The built-in tasks. Parameter classes live in light modules so that listing and validating
tasks never imports torch; the training function is imported only when a run starts."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuiltinTask:
    params: str        # "module:Class", a dataclass of the task's parameters
    train: str         # "module:function", train(params, ctx) -> dict[str, float]
    description: str
    metric: str        # the headline metric
    mode: str          # "max" or "min"
    metrics: tuple[str, ...]   # every metric a run may report (what `metric.name` may name)
    check: str | None = None   # "module:function", check(params, data_dir): parameter ranges and the data
                               # a run will read, before anything runs; raises NeuroError naming key and fix
    plots: str | None = None   # "module:function", plots(sweep, out_dir, stat) -> [paths]: the family's own
                               # figures for `neuro results --plot`


BUILTIN_TASKS: dict[str, BuiltinTask] = {
    "sound_localisation": BuiltinTask(
        params="experiments.sound_localisation.params:SoundLocalisationParams",
        train="experiments.sound_localisation.task:train",
        description="Spiking network (LIF, surrogate gradients, Dale's law) decoding interaural phase difference",
        metric="test_accuracy",
        mode="max",
        metrics=("test_accuracy", "test_ipd_error_deg", "test_loss", "hidden_rate_hz", "best_epoch",
                 "epochs_trained"),
    ),
    "v1_population": BuiltinTask(
        params="experiments.v1_population.params:V1Params",
        train="experiments.v1_population.task:train",
        description="HSM, LN, LNLN and convolutional models of V1 population responses to natural images "
                    "(Antolik 2016)",
        metric="validation_r",
        mode="max",
        metrics=("validation_r", "validation_r_corrected", "best_epoch"),
        check="experiments.v1_population.checks:check",
    ),
    "multisensory": BuiltinTask(
        params="experiments.multisensory.params:MSIParams",
        train="experiments.multisensory.task:train",
        description="Early, intermediate and late integration of two noisy event streams (rate discrimination)",
        metric="accuracy",
        mode="max",
        metrics=("accuracy", "rate_error", "fits_failed", "best_epoch", "epochs_trained", "stopped_early",
                 "parameters", *[f"{name}_t{t}" for t in range(1, 6) for name in ("accuracy", "threshold", "bias")]),
        check="experiments.multisensory.checks:check",
        plots="experiments.multisensory.plots:plot_family",
    ),
}
