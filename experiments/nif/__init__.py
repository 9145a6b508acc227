"""Neural Information Flow (Seeliger et al. 2021): one network from images to V1 and V2 voxels, each area
read out by a low-rank observation model; the BRAINS data format and a synthetic set with a known
ground truth."""
from neuro.utils.experiment.builtins import BuiltinTask

TASK = BuiltinTask(
    params="neuro.experiments.nif.params:NIFParams",
    train="neuro.experiments.nif.task:train",
    description="Neural Information Flow: images to V1 and V2 voxels through low-rank observation models",
    metric="test_r_mean",
    mode="max",
    metrics=("test_r_mean", *[f"{name}_{area}" for area in ("V1", "V2") for name in (
        "test_r_mean", "test_r_median", "test_r_above_0.3", "centre_error_px", "field_r", "true_r_mean")],
        "best_epoch", "epochs_trained"),
    check="neuro.experiments.nif.checks:check",
    data=("nif", "neuro.experiments.nif.commands"),
)
