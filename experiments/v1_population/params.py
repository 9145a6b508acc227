"""The task's parameters (no heavy imports: `neuro tasks` and validation read this)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


def _p(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass
class V1Params:
    # data
    regions: list[int] = field(default_factory=lambda: [1], metadata={"help": "recorded regions to fit together"})
    dataset: Literal["auto", "published", "synthetic"] = _p(
        "auto", "published: Data/region<k>; synthetic: generated in Data/synthetic_v1; auto: published if present")
    inputs: Literal["normalised", "scaled"] = _p("normalised", "normalised: training mean/std; scaled: / max")
    # model
    model: Literal["hsm", "ln", "lnln", "conv", "conv_dog"] = _p(
        "hsm", "hsm: DoG -> hidden -> output; ln; lnln; conv / conv_dog: convolutional first layer (free / DoG kernels)")
    filters: int = _p(9, "first-layer filters: DoG filters (hsm) or kernels (conv, conv_dog)")
    kernel_size: int = _p(7, "kernel width in pixels (conv, conv_dog)")
    stride: int = _p(1, "kernel step in pixels (conv, conv_dog)")
    hidden_fraction: float = _p(0.2, "hidden units as a fraction of the neurons (all but LN)")
    activation: Literal["softplus", "relu", "sigmoid", "linear"] = _p(
        "softplus", "the hidden layer's activation (the output is softplus)")
    dropout: float = _p(0.0, "dropout before the output layer")
    bias_init: Literal["zeros", "truncated_normal"] = _p("truncated_normal", "initial biases")
    l1_hidden: float = _p(0.0, "L1 penalty on the hidden layer's weights")
    l2_hidden: float = _p(0.0, "L2 penalty on the hidden layer's weights")
    l1_output: float = _p(0.0, "L1 penalty on the output layer's weights")
    l2_output: float = _p(0.1, "L2 penalty on the output layer's weights")
    # training
    loss: Literal["poisson", "mse"] = _p("poisson", "training loss")
    optimiser: Literal["adam", "sgd"] = _p("adam", "optimiser")
    lr: float = _p(1e-3, "learning rate")
    batch_size: int = _p(16, "images per batch")
    epochs: int = _p(5000, "passes over the training images")
    eval_every: int = _p(50, "epochs between validation correlations (TensorBoard, checkpoints)")
