"""The multisensory task's parameters (no heavy imports: `neuro tasks` and validation read this)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from annotated_types import Ge, Gt, Interval, MinLen

Count = Annotated[int, Ge(1)]
Fraction = Annotated[float, Interval(gt=0, lt=1)]
Weight = Annotated[float, Ge(0)]


def _p(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass
class MSIParams:
    # data
    difficulty: Literal["easy", "medium", "hard", "very_hard"] = _p("easy", "background noise of the stimulus set")
    n: Count = _p(50000, "stimuli in the set (written to Data/ on first use)")
    types: Annotated[list[Literal[1, 2, 3, 4, 5]], MinLen(1)] = field(default_factory=lambda: [1, 2, 3, 4, 5],
                             metadata={"help": "stimulus types: 1 left, 2 right, 3 sync, 4 async, 5 unmatched"})
    data_seed: Annotated[int, Ge(0)] = _p(0, "seed of the stimulus set (the same set for every repetition)")
    data: str = _p("", "stimulus set file under Data/ (default: named after difficulty, n, types, data_seed)")
    test_fraction: Fraction = _p(0.2, "held-out test rows (the same for every repetition)")
    validation_fraction: Fraction = _p(0.1, "rows of the training part held out for early stopping")
    # model
    integration: Literal["early", "intermediate", "late"] = _p("early", "where the two channels merge")
    # training
    decision_weight: Weight = _p(0.5, "loss weight of the decision output (cross-entropy)")
    rate_weight: Weight = _p(0.5, "loss weight of the rate output (squared error)")
    channel_rate_weight: Weight = _p(0.0, "loss weight of each per-channel rate output")
    lr: Annotated[float, Gt(0)] = _p(0.0005, "Adam learning rate")
    batch_size: Count = _p(2000, "stimuli per batch")
    epochs: Count = _p(1000, "most epochs; early stopping usually ends sooner")
    patience: Count = _p(20, "epochs without a better validation loss before stopping")
