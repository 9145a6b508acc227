"""Models of auditory cortex neurons responding to natural sounds (deepSTRF; Rancon et al. 2024): STRF,
LN, NRF, DNet, 2D-CNN and StateNet, with or without the AdapTrans ON/OFF front end, on the NS1 and NAT4
data formats or on a synthetic set with a known ground truth."""
from neuro.utils.experiment.builtins import BuiltinTask

TASK = BuiltinTask(
    params="neuro.experiments.auditory_strf.params:StrfParams",
    train="neuro.experiments.auditory_strf.task:train",
    description="Auditory neuron models (STRF, LN, NRF, DNet, 2D-CNN) with or without AdapTrans (deepSTRF)",
    metric="test_cc_norm",
    mode="max",
    metrics=("test_cc_raw", "test_cc_norm", "test_cc_noise_corrected", "test_cc_max", "strf_similarity",
             "true_cc_norm", "best_epoch", "epochs_trained", "parameters"),
    check="neuro.experiments.auditory_strf.checks:check",
    data=("strf", "neuro.experiments.auditory_strf.commands"),
)
