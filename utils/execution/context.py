"""What a task function gets as `ctx`: seed, device, TensorBoard, checkpoints, directories, logging."""
from __future__ import annotations

import json
import logging
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neuro.utils.atomic import free_path, write_atomic
from neuro.utils.execution import stopping
from neuro.utils.experiment.sections import Outputs

CHECKPOINT = "last.pt"
PREVIOUS = "previous.pt"      # the checkpoint before the last: a run whose last one is unreadable resumes from it
TB_QUEUE = 10_000            # TensorBoard events waiting for the writer's thread (its default, 10, makes a step wait)
CURVES = "metrics.jsonl"      # every logged step, one JSON object per line (read by `neuro results --plot`)


class RunPruned(Exception):
    """Raised from `log_metrics` when a search stops this run's trial early; the run ends `pruned`."""


class RunContext:
    """The run's side of the runner: everything a task needs besides its parameters."""

    def __init__(self, run_dir: Path, data_dir: Path, seed: int, device: str, hparams: dict[str, Any],
                 on_metrics: Callable[[int, dict[str, float]], None] | None = None, outputs: Outputs | None = None):
        self.run_dir, self.data_dir, self.seed, self.device = run_dir, data_dir, seed, device
        self.checkpoint_dir = run_dir / "checkpoints"
        self.hparams = hparams
        self.resumed_from: int | None = None      # the checkpoint's `epoch`, when resumed
        self.log = _run_logger()
        self.outputs = outputs or Outputs()
        self._on_metrics = on_metrics
        self._writer = None
        self._written_at = time.monotonic()       # when the last checkpoint was written (or the run started)
        self._calls: list[float] = []             # when checkpoint() was last called (the last two times)
        self._pending: Any = None                 # the last state given and not written yet
        self._curves: list[str] = []              # metrics.jsonl lines not written yet
        self._events: list[Any] = []              # TensorBoard events of those steps, not handed over yet
        self._flushed_at = time.monotonic()
        self.data_fingerprint: str | None = None  # of the data files the task said it read (read_data)

    def read_data(self, *paths: Path) -> str:
        """Record the data files (or folders of them) the task reads: their fingerprint goes with the
        run's result (`data`), and their list to <run>/data.json. Returns the fingerprint."""
        from neuro.utils.atomic import write_json
        from neuro.utils.execution.provenance import data_files, fingerprint
        digest, listed = fingerprint(data_files(list(paths)), self.data_dir)
        write_json(self.run_dir / "data.json", {"fingerprint": digest, "files": listed})
        self.data_fingerprint = digest
        return digest

    @property
    def writer(self):
        """A TensorBoard SummaryWriter on <run>/tb (steps after a resumed checkpoint are purged). Its
        queue is long, so the steps logged since the last flush are handed to its thread without waiting."""
        if self._writer is None:
            from torch.utils.tensorboard import SummaryWriter
            purge = self.resumed_from + 1 if self.resumed_from is not None else None
            self._writer = SummaryWriter(str(self.run_dir / "tb"), purge_step=purge, max_queue=TB_QUEUE,
                                         flush_secs=max(1, round(self.outputs.metrics_s)))
        return self._writer

    def log_metrics(self, step: int, metrics: dict[str, float]) -> None:
        """Scalars of one step (an epoch) to TensorBoard, <run>/metrics.jsonl and the run's status; the
        file is written at most every outputs.metrics_s seconds (and when the run ends)."""
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import Summary
        values = {k: float(v) for k, v in metrics.items()}
        scalars = Summary(value=[Summary.Value(tag=name, simple_value=value) for name, value in values.items()])
        self._events.append(Event(wall_time=time.time(), step=step, summary=scalars))     # one event a step
        self._curves.append(json.dumps({"step": step, **values}))
        if time.monotonic() - self._flushed_at >= self.outputs.metrics_s:
            self.flush()
        if self._on_metrics:
            self._on_metrics(step, values)

    def flush(self) -> None:
        """Write the metrics logged so far to metrics.jsonl and hand them to TensorBoard's writer (in one
        go: its thread then works once, not at every step beside the training)."""
        if self._events:
            for event in self._events:
                self.writer.file_writer.add_event(event)
            self._events = []
        if self._curves:
            with open(self.run_dir / CURVES, "a") as handle:
                handle.write("\n".join(self._curves) + "\n")
            self._curves = []
        self._flushed_at = time.monotonic()

    def checkpoint(self, state: dict[str, Any] | Callable[[], dict[str, Any]], last: bool = False) -> None:
        """Save `state` (or what the function `state` returns, called only when it is written) for a later
        attempt of this run, atomically: at most every outputs.checkpoint_s seconds, and always when `last`
        (the last epoch) or when the run has been asked to stop (it then stops here, to resume from this
        state). A state not written in time is written when the task returns."""
        now = time.monotonic()
        self._calls = [*self._calls[-1:], now]
        if last or stopping.asked_to_stop() or now - self._written_at >= self.outputs.checkpoint_s:
            self._write(state)
            if stopping.asked_to_stop():
                raise KeyboardInterrupt
        else:
            self._pending = state

    def checkpoint_near(self, within_s: float) -> bool:
        """Whether progress is held by no checkpoint yet and the next call of checkpoint() is expected
        within `within_s` seconds (judged from the time between the last two calls)."""
        if self._pending is None or len(self._calls) < 2:
            return False
        return self._calls[-1] + (self._calls[-1] - self._calls[-2]) - time.monotonic() <= within_s

    def _write(self, state: dict[str, Any] | Callable[[], dict[str, Any]]) -> None:
        import torch
        value = state() if callable(state) else state
        last = self.checkpoint_dir / CHECKPOINT
        if last.exists():
            os.replace(last, self.checkpoint_dir / PREVIOUS)
        write_atomic(last, lambda handle: torch.save(value, handle))
        self._pending, self._written_at = None, time.monotonic()

    def restore(self) -> dict[str, Any] | None:
        """The last checkpoint of this run (or, when it cannot be read, the one before), or None for a
        fresh start. An unreadable checkpoint is set aside as <name>.corrupt, never deleted."""
        import torch
        for name in (CHECKPOINT, PREVIOUS):
            path = self.checkpoint_dir / name
            if not path.exists():
                continue
            try:
                state = torch.load(path, map_location=self.device, weights_only=False)
            except Exception as err:  # torn, truncated or overwritten: any reader error
                kept = free_path(path.with_name(f"{name}.corrupt"))
                os.replace(path, kept)
                self.log.warning("checkpoint %s is unreadable (%s: %s); set aside as %s", path, type(err).__name__,
                                 str(err).splitlines()[0] if str(err) else "", kept.name)
                continue
            self.resumed_from = state.get("epoch") if isinstance(state, dict) else None
            self.log.info("resumed from checkpoint %s (epoch %s)", path.name, self.resumed_from)
            return state
        if any(self.checkpoint_dir.glob("*.corrupt")):
            self.log.warning("no readable checkpoint: the run starts again from scratch")
        return None

    def finish(self, metrics: dict[str, float] | None) -> None:
        """The task returned: write what is pending (metrics, the last state given); on success write
        hparams + final metrics for the HParams dashboard; close TensorBoard."""
        self.flush()
        if self._pending is not None:
            self._write(self._pending)
        if metrics is not None:
            from tensorboard.plugins.hparams.summary_v2 import hparams_pb
            from torch.utils.tensorboard.summary import hparams
            # the session's group is a hash of its parameters (TensorBoard's default): the repetitions of a
            # grid point (or a trial) form one group, and TensorBoard tells swept parameters from fixed ones
            # (no experiment summary of the run's own, which would say none differs)
            final = {f"final/{name}": value for name, value in metrics.items()}
            self.writer.file_writer.add_summary(hparams_pb(self.hparams))
            self.writer.file_writer.add_summary(hparams(self.hparams, final)[2])      # its end: success
            for tag, value in final.items():
                self.writer.add_scalar(tag, value, 0)
        self.close()

    def close(self) -> None:
        """The run ends (done, failed or stopped): write the metrics logged so far; close TensorBoard."""
        self.flush()
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


def tensorboard_hparams(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as TensorBoard accepts them (numbers, text, booleans); not the seed, which tells
    repetitions apart, not grid points."""
    out: dict[str, Any] = {}
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
