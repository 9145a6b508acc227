"""What a task function gets as `ctx`: seed, device, TensorBoard, checkpoints, directories, logging."""
from __future__ import annotations

import json
import logging
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neuro.utils.atomic import write_atomic

CHECKPOINT = "last.pt"
CURVES = "metrics.jsonl"      # every logged step, one JSON object per line (read by `neuro results --plot`)


class RunPruned(Exception):
    """Raised from `log_metrics` when a search stops this run's trial early; the run ends `pruned`."""


class RunContext:
    """The run's side of the runner: everything a task needs besides its parameters."""

    def __init__(self, run_dir: Path, data_dir: Path, seed: int, device: str, hparams: dict[str, Any],
                 on_metrics: Callable[[int, dict[str, float]], None] | None = None):
        self.run_dir, self.data_dir, self.seed, self.device = run_dir, data_dir, seed, device
        self.checkpoint_dir = run_dir / "checkpoints"
        self.hparams = hparams
        self.resumed_from: int | None = None      # the checkpoint's `epoch`, when resumed
        self.log = _run_logger()
        self._on_metrics = on_metrics
        self._writer = None

    @property
    def writer(self):
        """A TensorBoard SummaryWriter on <run>/tb (steps after a resumed checkpoint are purged)."""
        if self._writer is None:
            from torch.utils.tensorboard import SummaryWriter
            purge = self.resumed_from + 1 if self.resumed_from is not None else None
            self._writer = SummaryWriter(str(self.run_dir / "tb"), purge_step=purge)
        return self._writer

    def log_metrics(self, step: int, metrics: dict[str, float]) -> None:
        """Scalars of one step (an epoch) to TensorBoard, <run>/metrics.jsonl and the run's status."""
        values = {k: float(v) for k, v in metrics.items()}
        for name, value in values.items():
            self.writer.add_scalar(name, value, step)
        with open(self.run_dir / CURVES, "a") as handle:
            handle.write(json.dumps({"step": step, **values}) + "\n")
        if self._on_metrics:
            self._on_metrics(step, values)

    def checkpoint(self, state: dict[str, Any]) -> None:
        """Save `state` atomically; a later attempt of this run gets it from restore()."""
        import torch
        write_atomic(self.checkpoint_dir / CHECKPOINT, lambda handle: torch.save(state, handle))

    def restore(self) -> dict[str, Any] | None:
        """The last checkpoint of this run, or None for a fresh start."""
        path = self.checkpoint_dir / CHECKPOINT
        if not path.exists():
            return None
        import torch
        state = torch.load(path, map_location=self.device, weights_only=False)
        self.resumed_from = state.get("epoch") if isinstance(state, dict) else None
        self.log.info("resumed from checkpoint %s (epoch %s)", path.name, self.resumed_from)
        return state

    def finish(self, metrics: dict[str, float] | None) -> None:
        """Close TensorBoard; on success write hparams + final metrics for the HParams dashboard."""
        if metrics is not None:
            from torch.utils.tensorboard.summary import hparams
            final = {f"final/{name}": value for name, value in metrics.items()}
            for summary in hparams(self.hparams, final):
                self.writer.file_writer.add_summary(summary)
            for tag, value in final.items():
                self.writer.add_scalar(tag, value, 0)
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def apply_seed(seed: int, threads: int = 1) -> None:
    """What a run gets before its task starts: the seed in random, numpy and torch; torch's threads."""
    import random

    import numpy as np
    import torch
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)


def tensorboard_hparams(params: dict[str, Any], seed: int) -> dict[str, Any]:
    """Parameters as TensorBoard accepts them (numbers, text, booleans)."""
    out: dict[str, Any] = {"seed": seed}
    for name, value in params.items():
        out[name] = value if isinstance(value, (int, float, str, bool)) else str(value)
    return out


def clean_metrics(metrics: Any) -> dict[str, float]:
    """The task's return value as {name: finite float}, or ValueError saying what is wrong. Nested
    mappings are flattened: {"per_class": {"a": 1}} gives "per_class/a"."""
    if not isinstance(metrics, dict):
        raise ValueError(f"the task returned {type(metrics).__name__}, expected a dict of metrics")
    out = {}
    for name, value in _flatten(metrics).items():
        try:
            out[str(name)] = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"metric {name!r} is {value!r}, expected a number") from None
        if not math.isfinite(out[str(name)]):
            raise ValueError(f"metric {name!r} is {out[str(name)]} (diverged?)")
    return out


def _flatten(metrics: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in metrics.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{name}/"))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def _run_logger() -> logging.Logger:
    """One logger for all runs of a process; it writes to stdout, which the runner sends to stdout.log."""
    logger = logging.getLogger("neuro.run")
    if not logger.handlers:
        logger.propagate = False
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("[neuro %(asctime)s] %(message)s", "%Y-%m-%d %H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    return logger
