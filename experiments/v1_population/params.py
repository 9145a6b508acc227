"""The task's parameters (no heavy imports: `neuro tasks` and validation read this)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from annotated_types import Ge, Gt, Interval, Le, MinLen

Count = Annotated[int, Ge(1)]
Penalty = Annotated[float, Ge(0)]
IMAGE_SIDE = 31           # pixels of the published images (31 x 31)


def _p(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass
class V1Params:
    # data
    regions: Annotated[list[Annotated[int, Ge(1)]], MinLen(1)] = field(
        default_factory=lambda: [1], metadata={"help": "recorded regions to fit together"})
    dataset: Literal["auto", "published", "synthetic"] = _p(
        "auto", "published: Data/region<k>; synthetic: generated in Data/synthetic_v1; auto: published if present")
    inputs: Literal["normalised", "scaled"] = _p("normalised", "normalised: training mean/std; scaled: / max")
    # model
    model: Literal["hsm", "ln", "lnln", "conv", "conv_dog"] = _p(
        "hsm", "hsm: DoG -> hidden -> output; ln; lnln; conv / conv_dog: convolutional first layer (free / DoG kernels)")
    filters: Count = _p(9, "first-layer filters: DoG filters (hsm) or kernels (conv, conv_dog)")
    kernel_size: Annotated[int, Ge(1), Le(IMAGE_SIDE)] = _p(7, "kernel width in pixels (conv, conv_dog)")
    stride: Annotated[int, Ge(1), Le(IMAGE_SIDE)] = _p(1, "kernel step in pixels (conv, conv_dog)")
    hidden_fraction: Annotated[float, Gt(0)] = _p(0.2, "hidden units as a fraction of the neurons (all but LN)")
    activation: Literal["softplus", "relu", "sigmoid", "linear"] = _p(
        "softplus", "the hidden layer's activation (the output is softplus)")
    dropout: Annotated[float, Interval(ge=0, lt=1)] = _p(0.0, "dropout before the output layer")
    bias_init: Literal["zeros", "truncated_normal"] = _p("truncated_normal", "initial biases")
    l1_hidden: Penalty = _p(0.0, "L1 penalty on the hidden layer's weights")
    l2_hidden: Penalty = _p(0.0, "L2 penalty on the hidden layer's weights")
    l1_output: Penalty = _p(0.0, "L1 penalty on the output layer's weights")
    l2_output: Penalty = _p(0.1, "L2 penalty on the output layer's weights")
    # training
    loss: Literal["poisson", "mse"] = _p("poisson", "training loss")
    optimiser: Literal["adam", "sgd"] = _p("adam", "optimiser")
    lr: Annotated[float, Gt(0)] = _p(1e-3, "learning rate")
    batch_size: Count = _p(16, "images per batch")
    epochs: Count = _p(5000, "passes over the training images")
    eval_every: Count = _p(50, "epochs between validation correlations (TensorBoard, checkpoints)")
