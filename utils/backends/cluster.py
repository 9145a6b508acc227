"""What every cluster executor shares: the sweep cut into array jobs of runs, submitted with their
code frozen, each run recorded queued with its job id, followed and cancelled through the scheduler.

A scheduler fills in a few small methods (render the job script, submit it, name each task's job id,
list live jobs, cancel jobs); the rest is done here the same way for all. The ledger is the record
throughout: status never asks the scheduler (sacct may be disabled), only whether jobs are alive.
"""
from __future__ import annotations

import math
import shutil
import subprocess
import sys
import time
from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from neuro.utils.backends.executor import Executor, Launch, LaunchOptions, Write
from neuro.utils.errors import NeuroError
from neuro.utils.execution.execute import reset_run
from neuro.utils.execution.progress import Progress
from neuro.utils.execution.snapshot import snapshot_code
from neuro.utils.reporting.table import counted
from neuro.utils.sweeps.runs import RunSpec
from neuro.utils.sweeps.states import ENDED, State
from neuro.utils.sweeps.sweep import Sweep

WAITING = (State.QUEUED, State.RUNNING, State.INTERRUPTED)   # states in which a run may still have a live job


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
    per_task: int = 1             # runs each array task runs, one after another
    python: str = sys.executable

    @property
    def tasks(self) -> list[list[RunSpec]]:
        """The runs of each array task, in array order."""
        return [self.runs[start:start + self.per_task] for start in range(0, len(self.runs), self.per_task)]

    @property
    def job_name(self) -> str:
        name = self.sweep.spec.name[:15]
        return name if name[0].isalpha() else f"n{name[:14]}"


class ClusterExecutor(Executor):
    submit_program: str           # the scheduler's submission command, which a login node has
    status_program: str           # the command that lists its live jobs
    interrupted_hint = "stopped waiting: the jobs go on; `neuro status` follows them"

    def require(self, sweep: Sweep) -> None:
        """Refuse, in one line, to submit from a machine without the scheduler's commands."""
        if shutil.which(self.submit_program) is None:
            raise SubmissionError(f"'{self.submit_program}' not found: {self.name} jobs are submitted from a login "
                                  f"node of the cluster; `neuro plan --backend {self.name}` shows the job script here")

    @abstractmethod
    def max_array_size(self, sweep: Sweep) -> int:
        """The most tasks one array job may carry."""

    @abstractmethod
    def packing(self, sweep: Sweep) -> tuple[int, int | None]:
        """Runs per array task, and the most tasks queued or running at once (None: no limit)."""

    @abstractmethod
    def render(self, request: ArrayRequest) -> str:
        """The job script (for `neuro plan`, and what is submitted)."""

    @abstractmethod
    def submit(self, request: ArrayRequest) -> str:
        """Submit one array job; returns the scheduler's job id of the array."""

    @abstractmethod
    def task_job_id(self, array_id: str, position: int, size: int) -> str:
        """The job id of the array's task at `position` (0-based) of `size` tasks, as the scheduler names it."""

    @abstractmethod
    def array_of(self, task_job_id: str) -> str:
        """The array job id a task's job id belongs to."""

    @abstractmethod
    def live_jobs(self, array_ids: set[str]) -> set[str]:
        """Those of `array_ids` the scheduler still has (queued or running)."""

    @abstractmethod
    def cancel_jobs(self, array_ids: set[str]) -> None:
        """Cancel these arrays' queued and running tasks."""

    def launch(self, sweep: Sweep, options: LaunchOptions) -> ClusterLaunch:
        return ClusterLaunch(self, sweep)

    def frozen(self, sweep: Sweep, write: bool = True) -> tuple[Path, Path]:
        """The frozen sweep and the code snapshot that jobs run (only named, not written, unless `write`)."""
        code_dir = snapshot_code(sweep.workspace.training_data / ".code", write)
        return sweep.freeze(code_dir, write), code_dir

    def arrays(self, sweep: Sweep, runs: list[RunSpec], frozen: tuple[Path, Path]) -> list[ArrayRequest]:
        """The runs cut into arrays: a search trial's runs together (its seeds and grid points, so that the
        scheduler's accounting names the trial), a grid's in arrays no larger than the scheduler allows."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        per_task = self.packing(sweep)[0]
        size = self.max_array_size(sweep) * per_task
        trials = dict.fromkeys(r.trial for r in runs if r.trial is not None)
        groups = [[r for r in runs if r.trial == trial] for trial in trials]
        grid = [r for r in runs if r.trial is None]
        groups += [grid[start:start + size] for start in range(0, len(grid), size)]
        return [ArrayRequest(sweep, *frozen, group, sweep.dir / ".jobs" / f"{stamp}-{_label(group, n)}", per_task)
                for n, group in enumerate(groups)]

    def job_scripts(self, sweep: Sweep, runs: list[RunSpec]) -> list[tuple[int, str]]:
        requests = self.arrays(sweep, runs, self.frozen(sweep, write=False))
        return [(len(request.runs), self.render(request)) for request in requests]

    def packing_note(self, sweep: Sweep) -> str | None:
        per_task, most = self.packing(sweep)
        parts = [f"{per_task} runs per array task, one after another (time limit {per_task} x "
                 f"resources.time_min)"] if per_task > 1 else []
        if most is not None:
            parts.append(f"at most {counted(most, 'array task')} queued or running at once (the rest go out as "
                         "tasks end, while --wait waits or at the next `neuro run`)")
        return "; ".join(parts) or None

    def room(self, sweep: Sweep, latest: Mapping[str, dict]) -> int | None:
        """How many more runs may be submitted now under `max_jobs` (None: no limit): its tasks less the
        live tasks of the runs the ledger (`latest`, the last event of each) holds queued or running."""
        per_task, most = self.packing(sweep)
        if most is None:
            return None
        events = [e for e in latest.values() if self.holds(e)]
        alive = self.live_jobs({e["array_job"] for e in events}) if events else set()
        tasks = {e.get("job_id") or e["array_job"] for e in events if e["array_job"] in alive}
        return max(most - len(tasks), 0) * per_task

    def holds(self, event: dict) -> bool:
        return event.get("backend") == self.name and event["state"] in WAITING and bool(event.get("array_job"))

    def live(self, events: list[dict]) -> set[str]:
        if shutil.which(self.status_program) is None:     # not on that cluster (a laptop after `neuro pull`):
            return {e["key"] for e in events}               # its jobs may well live, so they hold their runs
        alive = self.live_jobs({e["array_job"] for e in events})
        return {e["key"] for e in events if e["array_job"] in alive}

    def cancel(self, events: list[dict]) -> dict[str, list[str]]:
        self.cancel_jobs(self.live_jobs({e["array_job"] for e in events}))  # those gone need no cancelling
        return {}


class ClusterLaunch(Launch):
    """Runs submitted as array jobs with their code frozen, each recorded queued with its job id; with
    --wait, followed through the ledger (never the scheduler's accounting) until they end. Runs to start
    fresh are reset first, so that a requeued job resumes rather than starting over."""

    follows = False

    def __init__(self, executor: ClusterExecutor, sweep: Sweep, poll_s: float = 2.0):
        super().__init__()
        self.executor, self.sweep, self.poll_s = executor, sweep, poll_s
        self.frozen = executor.frozen(sweep)
        self.arrays: set[str] = set()
        self.progress: Progress | None = None
        self.total = 0

    def reserve(self, most: int, total: int | None = None) -> int:
        self.total = total or most
        return most

    def room(self, latest: Mapping[str, dict]) -> int | None:
        return self.executor.room(self.sweep, latest)

    def submit(self, runs: list[tuple[RunSpec, bool]], write: Write) -> None:
        for run, fresh in runs:
            if fresh:
                reset_run(self.sweep, run)
        submitted = []
        for request in self.executor.arrays(self.sweep, [run for run, _ in runs], self.frozen):
            array_id = self.executor.submit(request)
            tasks = len(request.tasks)
            job_ids = [self.executor.task_job_id(array_id, position // request.per_task, tasks)
                       for position in range(len(request.runs))]
            write([self.sweep.batch_event(request.runs, State.QUEUED, array_job=array_id, backend=self.executor.name,
                                          each={"job_id": job_ids})])
            submitted.append(array_id)
            if request.runs[0].trial is not None:
                print(f"trial {request.runs[0].trial}: submitted {counted(len(request.runs), 'run')} to "
                      f"{self.executor.name} (job {array_id})")
        if runs[0][0].trial is None:
            print(f"submitted {counted(len(runs), 'run')} to {self.executor.name}: job array(s) {', '.join(submitted)}")
        self.arrays.update(submitted)
        self.pending |= {run.key for run, _ in runs}

    def wait(self) -> None:
        """One poll: runs that recorded an end leave `pending`; once their jobs have left the queue, a run
        that recorded none is lost."""
        if self.progress is None:
            self.progress = Progress(max(self.total, len(self.pending)))
        if not self._note_ended(gone=False):
            alive = self.executor.live_jobs(self.arrays)
            time.sleep(self.poll_s)       # let the last events land
            if not alive:
                self._note_ended(gone=True)

    def _note_ended(self, gone: bool) -> bool:
        latest = self.sweep.latest()
        ended = False
        for key in sorted(self.pending):
            event = latest.get(key, {"run": key})
            if event.get("state") in ENDED:
                state, detail = event["state"], f"{event.get('duration_s') or 0:.1f}s"
            elif gone:
                state, detail = State.LOST, "its job left the queue"
            else:
                continue
            self.pending.discard(key)
            self.ends[state] += 1
            if self.progress is not None:
                self.progress.update(event["run"], state, detail)
            ended = True
        return ended

    def close(self, interrupted: bool = False) -> None:
        if self.progress is not None:
            self.progress.close()


def _label(runs: list[RunSpec], number: int) -> str:
    """A job folder's name: the trial's number, or the array's."""
    return f"trial{runs[0].trial:04d}" if runs[0].trial is not None else str(number)


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
