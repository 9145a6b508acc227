"""A tiny task for testing the runner: known metrics, checkpoints, and every way a run can fail."""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass
class ToyParams:
    x: float = 1.0
    epochs: int = 3
    sleep_s: float = 0.0
    fail: Literal["none", "exception", "nan", "segfault", "kill"] = "none"
    label: str = "a"


def train(p: ToyParams, ctx) -> dict[str, float]:
    """score = -(x - 2)^2 + seed / 10: a known answer per grid point and seed."""
    state = ctx.restore()
    start = state["epoch"] + 1 if state else 0
    for epoch in range(start, p.epochs):
        time.sleep(p.sleep_s)
        ctx.log_metrics(epoch, {"loss": (p.x - 2) ** 2 + 1 / (epoch + 1)})
        ctx.checkpoint({"epoch": epoch})
    print(f"trained epochs {start}..{p.epochs - 1}")
    print(f"neuro code from {Path(sys.modules['neuro.utils.execution.execute'].__file__).parents[2]}")
    if p.fail == "exception":
        raise ValueError("boom: the model exploded")
    if p.fail == "segfault":
        ctypes.string_at(0)
    if p.fail == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    import torch
    return {"score": float("nan") if p.fail == "nan" else -(p.x - 2) ** 2 + ctx.seed / 10,
            "epochs_run": p.epochs - start, "threads": torch.get_num_threads()}


def instant(params: dict, ctx) -> dict[str, float]:
    """Returns at once (dispatch overhead benchmarks)."""
    return {"value": float(params.get("i", 0))}


def devices(params: dict, ctx) -> dict[str, float]:
    """Which GPUs its worker was given (CUDA_VISIBLE_DEVICES), by which process, on what device."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "")
    return {"first_gpu": float(visible.split(",")[0]) if visible else -1.0,
            "gpus": float(len(visible.split(",")) if visible else 0),
            "pid": float(os.getpid()), "on_cpu": float(ctx.device == "cpu")}
