"""What every cluster backend shares: the sweep cut into array jobs of runs, submitted with their
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
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from utils.backends.base import Backend, LaunchOptions
from utils.errors import NeuroError
from utils.execution.execute import reset_run
from utils.execution.progress import Progress
from utils.execution.snapshot import snapshot_code
from utils.reporting.table import counted
from utils.search.report import report_told
from utils.sweeps.plan import Plan
from utils.sweeps.runs import RunSpec
from utils.sweeps.states import ENDED, State
from utils.sweeps.sweep import Sweep

if TYPE_CHECKING:
    from utils.search.driver import SearchDriver

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
    python: str = sys.executable

    @property
    def job_name(self) -> str:
        name = self.sweep.spec.name[:15]
        return name if name[0].isalpha() else f"n{name[:14]}"


class ClusterBackend(Backend):
    submit_program: str           # the scheduler's submission command, which a login node has
    interrupted_hint = "stopped waiting: the jobs go on; `neuro status` follows them"

    def require(self, sweep: Sweep) -> None:
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
    def cancel_jobs(self, array_ids: set[str]) -> None:
        """Cancel these arrays' queued and running tasks."""

    def launch(self, sweep: Sweep, plan: Plan, options: LaunchOptions) -> Counter | None:
        """Submit the plan's runs as array jobs, recording each run queued with its job id; with
        `options.wait`, follow them to their end. Runs to start fresh are reset first, so that a
        requeued job resumes rather than starting over."""
        for run, fresh in plan.to_run:
            if fresh:
                reset_run(sweep.run_dir(run))
        array_ids = []
        for request in self.arrays(sweep, [run for run, _ in plan.to_run]):
            with sweep.ledger.exclusive() as write:  # the jobs' own events come after these
                array_ids.append(self._submit(request, write))
        print(f"submitted {counted(len(plan.to_run), 'run')} to {self.name}: job array(s) {', '.join(array_ids)}")
        if not options.wait:
            return None
        return self._follow(sweep, set(array_ids), {run.key for run, _ in plan.to_run})

    def _submit(self, request: ArrayRequest, write) -> str:
        """Submit one array and record its runs queued with their job ids (under the ledger's lock)."""
        array_id = self.submit(request)
        write([request.sweep.event(run, State.QUEUED, job_id=self.task_job_id(array_id, position, len(request.runs)),
                                   array_job=array_id, backend=self.name)
               for position, run in enumerate(request.runs)])
        return array_id

    def search(self, sweep: Sweep, driver: SearchDriver, options: LaunchOptions, poll_s: float = 2.0) -> Counter | None:
        """Submit each trial as a small array of its runs (its seeds and grid points together, so the
        scheduler's accounting names the trial), as slots free up; with `options.wait`, poll until no
        trial is in flight, else return after one round (a later `neuro run` continues)."""
        code_dir = snapshot_code(sweep.workspace.training_data / ".code")
        sweep_file = sweep.freeze(code_dir)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        submitted: list[str] = []

        def queue(runs: list[RunSpec], write) -> None:
            for trial in dict.fromkeys(run.trial for run in runs):
                request = ArrayRequest(sweep, sweep_file, code_dir, [r for r in runs if r.trial == trial],
                                       sweep.dir / ".jobs" / f"{stamp}-trial{trial:04d}-{len(submitted)}")
                submitted.append(self._submit(request, write))
                print(f"trial {trial}: submitted {counted(len(request.runs), 'run')} to {self.name} "
                      f"(job {submitted[-1]})")

        while True:
            told = len(driver.told)
            driver.next_runs(queue)
            report_told(driver.told[told:], sweep.spec.metric.name)
            if not options.wait or driver.finished:
                break
            time.sleep(poll_s)
        if not options.wait:
            return None
        return driver.run_ends(sweep.latest())

    def arrays(self, sweep: Sweep, runs: list[RunSpec], write: bool = True) -> list[ArrayRequest]:
        """Freeze code and sweep (only name the files when not `write`), and cut the runs into arrays
        no larger than the scheduler allows."""
        code_dir = snapshot_code(sweep.workspace.training_data / ".code", write)
        sweep_file = sweep.freeze(code_dir, write)
        size = self.max_array_size(sweep)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return [ArrayRequest(sweep, sweep_file, code_dir, runs[start:start + size],
                             sweep.dir / ".jobs" / f"{stamp}-{start // size}")
                for start in range(0, len(runs), size)]

    def job_scripts(self, sweep: Sweep, runs: list[RunSpec]) -> list[tuple[int, str]]:
        return [(len(request.runs), self.render(request)) for request in self.arrays(sweep, runs, write=False)]

    def holds(self, event: dict) -> bool:
        return event.get("backend") == self.name and event["state"] in WAITING and bool(event.get("array_job"))

    def live(self, events: list[dict]) -> set[str]:
        alive = self.live_jobs({e["array_job"] for e in events})
        return {e["key"] for e in events if e["array_job"] in alive}

    def cancel(self, events: list[dict]) -> dict[str, list[str]]:
        self.cancel_jobs(self.live_jobs({e["array_job"] for e in events}))  # those gone need no cancelling
        return {}

    def _follow(self, sweep: Sweep, array_ids: set[str], keys: set[str], poll_s: float = 2.0) -> Counter:
        """Block until every run in `keys` ends, a progress bar meanwhile; once the jobs have left the
        queue, a run that recorded no end is lost."""
        progress = Progress(len(keys))
        seen: dict[str, str] = {}

        def note_ended(latest: dict[str, dict], gone: bool) -> None:
            for key in keys - seen.keys():
                event = latest.get(key, {"run": key})
                if event.get("state") in ENDED:
                    seen[key] = event["state"]
                    progress.update(event["run"], event["state"], f"{event.get('duration_s') or 0:.1f}s")
                elif gone:
                    seen[key] = State.LOST
                    progress.update(event["run"], State.LOST, "its job left the queue")

        try:
            while len(seen) < len(keys):
                note_ended(sweep.latest(), gone=False)
                if len(seen) < len(keys) and not self.live_jobs(array_ids):
                    time.sleep(poll_s)  # let the last events land
                    note_ended(sweep.latest(), gone=True)
                elif len(seen) < len(keys):
                    time.sleep(poll_s)
        finally:
            progress.close()
        return Counter(seen.values())


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
