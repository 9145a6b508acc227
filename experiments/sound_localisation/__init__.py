"""Sound localisation with a spiking network under Dale's law (the Cosyne "comob" SNN project).

The network hears 100 auditory-nerve fibres per ear, phase-locked to a 20 Hz tone, and reports the
interaural phase difference (IPD) as one of 12 classes of 15 degrees.
"""
from neuro.utils.experiment.builtins import BuiltinTask

TASK = BuiltinTask(
    params="neuro.experiments.sound_localisation.params:SoundLocalisationParams",
    train="neuro.experiments.sound_localisation.task:train",
    description="Spiking network (LIF, surrogate gradients, Dale's law) decoding interaural phase difference",
    metric="test_accuracy",
    mode="max",
    metrics=("test_accuracy", "test_ipd_error_deg", "test_loss", "hidden_rate_hz", "best_epoch",
             "epochs_trained"),
)
