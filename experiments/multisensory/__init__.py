"""Early, intermediate and late integration of two noisy event streams in a rate discrimination
task (MSIModels): stimulus generation, models, and psychometric evaluation."""
from neuro.utils.experiment.builtins import BuiltinTask

TASK = BuiltinTask(
    params="neuro.experiments.multisensory.params:MSIParams",
    train="neuro.experiments.multisensory.task:train",
    description="Early, intermediate and late integration of two noisy event streams (rate discrimination)",
    metric="accuracy",
    mode="max",
    metrics=("accuracy", "rate_error", "fits_failed", "best_epoch", "epochs_trained", "stopped_early",
             "parameters", *[f"{name}_t{t}" for t in range(1, 6) for name in ("accuracy", "threshold", "bias")]),
    check="neuro.experiments.multisensory.checks:check",
    plots="neuro.experiments.multisensory.plots:plot_family",
    data=("msi", "neuro.experiments.multisensory.commands"),
)
