"""V1 system identification on natural images (Antolik et al. 2016; the msc-neuro thesis).

Population responses of V1 neurons to 31x31 natural image patches; models of the HSM family map
images to firing rates. This package holds the published data format (loader, validator and a
synthetic generator with a known ground truth).
"""
from neuro.utils.experiment.builtins import BuiltinTask

TASK = BuiltinTask(
    params="neuro.experiments.v1_population.params:V1Params",
    train="neuro.experiments.v1_population.task:train",
    description="HSM, LN, LNLN and convolutional models of V1 population responses to natural images "
                "(Antolik 2016)",
    metric="validation_r",
    mode="max",
    metrics=("validation_r", "validation_r_corrected", "best_epoch"),
    check="neuro.experiments.v1_population.checks:check",
    data=("v1", "neuro.experiments.v1_population.commands"),
)
