"""The option sections of an experiment file that every executor reads: the metric and the resources
(each executor's own section is in neuro.utils.backends.options)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from annotated_types import Ge, Gt

Positive = Annotated[int, Ge(1)]


@dataclass(frozen=True)
class Metric:
    name: str | None = None                 # the metric results are sorted by; default: the task's headline
    mode: Literal["max", "min"] = "max"     # whether larger is better


@dataclass(frozen=True)
class Resources:
    cpus: Positive = 1                          # CPU cores per run (also torch's thread count)
    mem_gb: Annotated[float, Ge(0.001)] = 4.0   # memory per run
    time_min: Annotated[float, Gt(0)] = 60.0    # wall-clock limit per run (schedulers: whole minutes, rounded up)
    gpus: Annotated[int, Ge(0)] = 0             # GPUs per run (locally: each worker gets its own)
    cpu_fallback: bool = False                  # with gpus: run on the CPU where there is no GPU (else an error)


@dataclass(frozen=True)
class Outputs:
    """How often a run writes what it logs: checkpoints and metrics cost almost nothing per epoch."""

    checkpoint_s: Annotated[float, Ge(0)] = 60.0   # at most this often (also the last epoch, and when stopped)
    metrics_s: Annotated[float, Ge(0)] = 10.0      # metrics.jsonl and status.json at most this often
    log_mb: Annotated[float, Gt(0)] = 50.0         # each of stdout.log and stderr.log: its head and tail kept
