"""A task with a known optimum, for searches: score = 1 - (x - 1.3)^2 - (log10(lr) + 3)^2 / 4, best 1.0 at
x = 1.3, lr = 1e-3; `layers` and `loss` shift it a little. It logs the score climbing to its final value
over `epochs` (what pruners watch)."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Annotated, Literal

from annotated_types import Ge, Gt, Interval


@dataclass
class OptimumParams:
    x: Annotated[float, Interval(ge=-5, le=5)] = 0.0
    lr: Annotated[float, Gt(0)] = 0.1
    layers: Annotated[int, Interval(ge=1, le=8)] = 2
    loss: Literal["mse", "poisson"] = "mse"
    epochs: Annotated[int, Ge(1)] = 3
    sleep_s: Annotated[float, Ge(0)] = 0.0


def score_of(p: OptimumParams) -> float:
    return (1 - (p.x - 1.3) ** 2 - (math.log10(p.lr) + 3) ** 2 / 4 - 0.01 * abs(p.layers - 3)
            - (0.02 if p.loss == "poisson" else 0.0))


def train(p: OptimumParams, ctx) -> dict[str, float]:
    state = ctx.restore()
    start = state["epoch"] + 1 if state else 0
    final = score_of(p)
    for epoch in range(start, p.epochs):
        time.sleep(p.sleep_s)
        ctx.log_metrics(epoch, {"score": final - 1.0 / (epoch + 1)})
        ctx.checkpoint({"epoch": epoch})
    return {"score": final}
