"""Each executor's own section of the experiment file (`local:`, `slurm:`, `qsub:`); the shared part,
`resources:`, is in neuro.utils.experiment.sections."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from annotated_types import Ge

Positive = Annotated[int, Ge(1)]


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
    runs_per_task: Positive = 1                  # runs one array task runs one after another
    max_jobs: Positive | None = None             # most array tasks queued or running at once (MaxSubmitJobs)
    additional: dict = field(default_factory=dict)   # any other sbatch option, e.g. {constraint: v100}


@dataclass(frozen=True)
class QsubOptions:
    queue: str | None = None                # -q
    parallel_env: str = "smp"               # SGE: -pe <parallel_env> <cpus>
    max_array_size: Positive = 75000             # split larger sweeps (SGE max_aj_tasks)
    runs_per_task: Positive = 1                  # runs one array task runs one after another
    max_jobs: Positive | None = None             # most array tasks queued or running at once
    additional: list[str] = field(default_factory=list)  # extra directive lines, e.g. ["-l mem_free=8G"]
