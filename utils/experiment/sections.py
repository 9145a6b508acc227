"""The option sections of an experiment file: shared resources and one section per backend."""
from __future__ import annotations

from dataclasses import dataclass, field
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
class LocalOptions:
    workers: Positive | None = None         # parallel runs; default: cores // resources.cpus


@dataclass(frozen=True)
class SlurmOptions:
    partition: str | None = None            # -p
    account: str | None = None              # -A
    qos: str | None = None                  # --qos
    array_parallelism: Positive = 64             # most array tasks running at once
    max_array_size: Positive = 1000              # split larger sweeps into several arrays (MaxArraySize)
    additional: dict = field(default_factory=dict)   # any other sbatch option, e.g. {constraint: v100}


@dataclass(frozen=True)
class QsubOptions:
    queue: str | None = None                # -q
    parallel_env: str = "smp"               # SGE: -pe <parallel_env> <cpus>
    max_array_size: Positive = 75000             # split larger sweeps (SGE max_aj_tasks)
    additional: list[str] = field(default_factory=list)  # extra directive lines, e.g. ["-l mem_free=8G"]
