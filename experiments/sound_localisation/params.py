"""The task's parameters (no heavy imports: `neuro tasks` and validation read this)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from annotated_types import Ge, Gt, Interval

Count = Annotated[int, Ge(1)]
Positive = Annotated[float, Gt(0)]


def _p(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass
class SoundLocalisationParams:
    # Dale's law
    dale: bool = _p(True, "sign-constrain weights per presynaptic neuron (False: unconstrained)")
    ie_ratio: Annotated[float, Interval(ge=0, le=1)] = _p(0.5, "fraction of presynaptic rows that are inhibitory")
    w1_positive: bool = _p(False, "force input->hidden weights all excitatory")
    w2_positive: bool = _p(False, "force hidden->output weights all excitatory")
    # stimulus
    anf_per_ear: Count = _p(100, "auditory nerve fibres per ear (input size is twice this)")
    duration_steps: Count = _p(100, "time steps per stimulus")
    dt_ms: Positive = _p(1.0, "time step")
    freq_hz: Positive = _p(20.0, "tone frequency")
    rate_max_hz: Annotated[float, Ge(0)] = _p(600.0, "peak firing rate of a fibre")
    envelope_power: Positive = _p(2.0, "sharpness of phase locking")
    num_classes: Annotated[int, Ge(2)] = _p(12, "IPD classes over [-90, 90) degrees")
    # network
    num_hidden: Count = _p(30, "hidden LIF neurons")
    tau_ms: Positive = _p(5.0, "membrane time constant")
    surrogate_beta: Positive = _p(5.0, "slope of the sigmoid surrogate gradient")
    # training
    batch_size: Count = _p(64, "stimuli per batch")
    train_batches: Count = _p(64, "training batches per epoch (a fixed set)")
    val_batches: Count = _p(64, "validation batches (early stopping)")
    test_batches: Count = _p(32, "test batches")
    epochs: Count = _p(30, "maximum epochs")
    lr: Positive = _p(0.01, "Adam learning rate")
    patience: Count = _p(10, "epochs without a better validation loss before stopping")
    min_epochs: Annotated[int, Ge(0)] = _p(10, "never stop before this many epochs")
