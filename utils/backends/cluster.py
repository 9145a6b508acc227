"""What every cluster backend shares: array jobs of runs, job ids, cancellation.

A backend fills in a few small methods (render the job script, submit it, name each task's job id,
list live jobs, cancel); `submit_sweep` in utils/backends/submit.py does the rest the same way for all.
"""
from __future__ import annotations

import math
import shutil
import subprocess
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from utils.errors import NeuroError
from utils.sweeps.runs import RunSpec
from utils.sweeps.sweep import Sweep


class SubmissionError(NeuroError):
    """The scheduler refused a submission; the message quotes it."""


@dataclass
class ArrayRequest:
    """One array job to submit: its runs in array order, and where things go."""

    sweep: Sweep
    sweep_file: Path
    code_dir: Path                # the frozen code, first on PYTHONPATH
    runs: list[RunSpec]
    log_dir: Path                 # the scheduler's own output (the runs' output goes to their directories)
    python: str = sys.executable

    @property
    def job_name(self) -> str:
        name = self.sweep.spec.name[:15]
        return name if name[0].isalpha() else f"n{name[:14]}"


class ClusterBackend(ABC):
    name: str
    submit_program: str           # the scheduler's submission command, which a login node has

    def require(self) -> None:
        """Refuse, in one line, to submit from a machine without the scheduler's commands."""
        if shutil.which(self.submit_program) is None:
            raise SubmissionError(f"'{self.submit_program}' not found: {self.name} jobs are submitted from a login "
                                  f"node of the cluster; `neuro plan --backend {self.name}` shows the job script here")

    @abstractmethod
    def max_array_size(self, sweep: Sweep) -> int:
        """The most runs one array job may carry."""

    @abstractmethod
    def render(self, request: ArrayRequest) -> str:
        """The job script (for `neuro plan`, and what is submitted)."""

    @abstractmethod
    def submit(self, request: ArrayRequest) -> str:
        """Submit one array job; returns the scheduler's job id of the array."""

    @abstractmethod
    def task_job_id(self, array_id: str, position: int, size: int) -> str:
        """The job id of the array's task at `position` (0-based), as the scheduler names it."""

    @abstractmethod
    def array_of(self, task_job_id: str) -> str:
        """The array job id a task's job id belongs to."""

    @abstractmethod
    def live_jobs(self, array_ids: set[str]) -> set[str]:
        """Those of `array_ids` the scheduler still has (queued or running)."""

    @abstractmethod
    def cancel(self, array_ids: set[str]) -> None:
        """Cancel these arrays' queued and running tasks."""


def run_command(command: list[str], what: str, env: dict | None = None) -> str:
    """Run a scheduler command; a failure raises SubmissionError quoting the scheduler's own words."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    except FileNotFoundError:
        raise SubmissionError(f"{what}: '{command[0]}' not found; is this a login node of the cluster?") from None
    except subprocess.TimeoutExpired:
        raise SubmissionError(f"{what}: '{command[0]}' did not answer within 120 s") from None
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().replace("\n", " | ")
        raise SubmissionError(f"{what} failed (exit {done.returncode}): {message}")
    return done.stdout


def walltime(minutes: float) -> str:
    """HH:MM:SS, rounded up to whole minutes as schedulers count them."""
    whole = math.ceil(minutes)
    return f"{whole // 60:02d}:{whole % 60:02d}:00"


def get_backend(name: str) -> ClusterBackend:
    if name == "slurm":
        from utils.backends.slurm import SlurmBackend
        return SlurmBackend()
    from utils.backends.qsub import DIALECTS
    if name in DIALECTS:
        return DIALECTS[name]()
    raise NeuroError(f"unknown backend {name!r}")
