"""The auditory_strf task's parameters (no heavy imports: `neuro tasks` and validation read this)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from annotated_types import Ge, Gt, Interval

Count = Annotated[int, Ge(1)]
MODELS = ("linear", "ln", "nrf", "dnet", "cnn2d", "statenet")


def _p(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass
class StrfParams:
    # data
    dataset: Literal["auto", "ns1", "nat4", "synthetic"] = _p(
        "auto", "ns1 or nat4: the published data in Data/ (see data_path); synthetic: a set written on first use "
                "from a known ground truth; auto: NS1 when Data/ns1 is there, else synthetic")
    data_path: str = _p("", "folder under Data/ (default: ns1, nat4, or strf_synthetic_<sizes>_seed<data_seed>)")
    synthetic_neurons: Count = _p(73, "synthetic: neurons (NS1 has 73 good ones)")
    synthetic_sounds: Annotated[int, Ge(6)] = _p(20, "synthetic: natural sounds (NS1: 20, 4 of them the test set)")
    synthetic_bins: Annotated[int, Ge(50)] = _p(999, "synthetic: 5 ms bins per sound (NS1: 999)")
    synthetic_bands: Annotated[int, Ge(4)] = _p(34, "synthetic: frequency bands (NS1: 34)")
    synthetic_adaptation: bool = _p(False, "synthetic: neurons see ON/OFF-adapted sound (AdapTrans), not the raw one")
    synthetic_nonlinearity: Literal["sigmoid", "linear"] = _p(
        "sigmoid", "synthetic: the neurons' output, a parametric sigmoid or linear (rectified)")
    data_seed: Annotated[int, Ge(0)] = _p(0, "seed of the synthetic set (the same set for every repetition)")
    neuron: Annotated[int, Ge(-1)] = _p(-1, "-1: fit every neuron together (population); k: neuron k alone")
    validation_fraction: Annotated[float, Interval(gt=0, lt=1)] = _p(
        0.125, "training sounds held out for early stopping (drawn per repetition)")
    # model
    model: Literal["linear", "ln", "nrf", "dnet", "cnn2d", "statenet"] = _p(
        "linear", "linear (STRF), ln, nrf (Harper 2016), dnet (Rahman 2019), cnn2d (Pennington & David 2023), statenet")
    prefilter: Literal["none", "adaptrans"] = _p("none", "adaptrans: an ON and an OFF channel per band (Rancon 2024)")
    window: Annotated[int, Interval(ge=1, le=100)] = _p(9, "temporal window T of the filters, in bins")
    hidden: Count = _p(20, "hidden units (nrf, dnet), dense units (cnn2d), GRU size (statenet)")
    channels: Count = _p(10, "cnn2d: channels per convolution layer")
    output: Literal["default", "none", "sigmoid", "parametric"] = _p(
        "default", "output nonlinearity; default: the model's own (linear none, cnn2d/ln/statenet parametric, "
                   "nrf/dnet sigmoid)")
    padding: Literal["causal", "symmetric"] = _p(
        "causal", "causal: an output sees its past only; symmetric: the original's (T-1)//2 future bins")
    # training
    lr: Annotated[float, Gt(0)] = _p(0.001, "AdamW learning rate")
    weight_decay: Annotated[float, Ge(0)] = _p(0.0, "AdamW weight decay")
    batch_size: Count = _p(2, "sounds per batch")
    epochs: Count = _p(200, "most epochs; early stopping usually ends sooner")
    patience: Count = _p(20, "epochs without a better validation CCnorm before stopping")
    min_epochs: Annotated[int, Ge(0)] = _p(0, "epochs before early stopping may stop")
