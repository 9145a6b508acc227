"""The local executor's pool of worker processes, each run isolated from the others.

A worker executes many runs (importing torch once). If a worker dies with its run (segfault, out of
memory kill), that run is recorded failed and a fresh worker takes its place. Ctrl-C interrupts the
runs in progress, records them interrupted, and stops every worker.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from neuro.utils.backends.worker import worker_context, worker_main
from neuro.utils.errors import NeuroError, did_you_mean
from neuro.utils.execution.descendants import kill_tree, tree_memory_bytes
from neuro.utils.execution.execute import Outcome, record_abandoned
from neuro.utils.execution.progress import Progress
from neuro.utils.sweeps.runs import RunSpec
from neuro.utils.sweeps.states import State
from neuro.utils.sweeps.sweep import Sweep

STOP_GRACE_S = 15.0
MEMORY_POLL_S = 1.0      # how often a running run's memory (its process tree) is measured
SIGNAL_HINTS = {"SIGKILL": ": out of memory?", "SIGSEGV": ": segmentation fault", "SIGABRT": ": aborted",
                "SIGBUS": ": bus error"}


@dataclass
class _Worker:
    process: Any                       # a multiprocessing Process of the fork server's context
    conn: Connection
    slot: int                          # which of the pool's device lists it has
    run: RunSpec | None = None
    ready: bool = False
    deadline: float | None = None      # time.monotonic() by which the run must end (resources.time_min)
    timed_out: bool = False
    used_bytes: int | None = None      # the memory of the run's process tree when it was stopped for it


@dataclass
class LocalPool:
    sweep: Sweep
    sweep_file: Path
    devices: list[list[str]]           # per worker: the GPU ids it may use (CUDA_VISIBLE_DEVICES)
    progress: Progress
    metric_checked: bool = False
    pending: deque = field(default_factory=deque)    # (run, fresh) pairs not yet given to a worker
    workers: list[_Worker] = field(default_factory=list)
    ended: list[tuple[RunSpec, Outcome]] = field(default_factory=list)   # by the last step
    measured_at: float = 0.0                          # time.monotonic() of the last memory measurement

    def start(self) -> None:
        """One worker per device list; each imports nothing and is ready within milliseconds."""
        self.workers = [self._start(slot) for slot in range(len(self.devices))]

    def add(self, jobs: list[tuple[RunSpec, bool]]) -> None:
        self.pending.extend(jobs)

    @property
    def busy(self) -> bool:
        return bool(self.pending) or any(w.run for w in self.workers)

    def step(self) -> list[tuple[RunSpec, Outcome]]:
        """Give pending runs to idle workers, then wait until something happens; the runs that ended."""
        for worker in self.workers:
            if worker.ready and worker.run is None and self.pending:
                worker.run, fresh = self.pending.popleft()
                worker.deadline = time.monotonic() + self.sweep.spec.resources.time_min * 60
                worker.conn.send(("run", worker.run, fresh))
        self.ended = []
        self._wait()
        return self.ended

    def _wait(self) -> None:
        """Handle what the workers say; a dead worker is replaced (runs may still come)."""
        pool = self.workers
        deadlines = [w.deadline for w in pool if w.run is not None and w.deadline is not None]
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        if any(w.run is not None for w in pool):
            timeout = min(timeout if timeout is not None else MEMORY_POLL_S, MEMORY_POLL_S)
        ready = wait([w.conn for w in pool] + [w.process.sentinel for w in pool], timeout)
        self._stop_overrunning()
        for worker in list(pool):
            if worker.conn not in ready and worker.process.sentinel not in ready:
                continue
            while (message := _receive_nowait(worker.conn)) is not None:
                self._receive(worker, message)
            if worker.process.sentinel in ready:
                worker.process.join()
                self._worker_died(worker)
                pool.remove(worker)
                worker.conn.close()
                pool.append(self._start(worker.slot))

    def _receive(self, worker: _Worker, message: tuple) -> None:
        if message[0] == "ready":
            worker.ready = True
        elif message[0] == "finished":
            outcome = message[2]
            if worker.run is not None:
                self._finish(worker.run, outcome)
            worker.run = None
        elif message[0] == "broken":
            raise NeuroError(f"a worker could not start: {message[1]}")

    def _stop_overrunning(self) -> None:
        """Kill the worker (and all it started) of a run past resources.time_min or resources.mem_gb, as a
        scheduler would; its death records the run failed."""
        limit = self.sweep.spec.resources.mem_gb * 2**30
        measure = time.monotonic() - self.measured_at >= MEMORY_POLL_S
        if measure:
            self.measured_at = time.monotonic()
        for worker in self.workers:
            if worker.run is None or worker.timed_out or worker.used_bytes is not None:
                continue
            if worker.deadline is not None and time.monotonic() >= worker.deadline:
                worker.timed_out = True
                kill_tree(worker.process.pid)
            elif measure and (used := tree_memory_bytes(worker.process.pid)) > limit:
                worker.used_bytes = used
                kill_tree(worker.process.pid)

    def _worker_died(self, worker: _Worker) -> None:
        if worker.run is None and not worker.ready:
            raise NeuroError(f"a worker process could not start ({_describe_exit(worker.process.exitcode)})")
        if worker.run is None:
            return
        code = worker.process.exitcode
        reason = f"worker process died ({_describe_exit(code)})"
        if worker.timed_out:
            reason = f"stopped: ran longer than resources.time_min ({self.sweep.spec.resources.time_min:g} min)"
        elif worker.used_bytes is not None:
            reason = (f"stopped: used {worker.used_bytes / 2**30:.1f} GB; resources.mem_gb is "
                      f"{self.sweep.spec.resources.mem_gb:g}")
        self._finish(worker.run, record_abandoned(self.sweep, worker.run, State.FAILED, reason))
        worker.run = None

    def _finish(self, run: RunSpec, outcome: Outcome) -> None:
        self.ended.append((run, outcome))
        if outcome.state == State.DONE and not self.metric_checked:
            self.metric_checked = True
            _warn_missing_metric(self.sweep, outcome.metrics)
        detail = f"{outcome.duration_s:.1f}s" if outcome.duration_s else ""
        if outcome.state == State.FAILED and outcome.error:
            detail += "  " + outcome.error.strip().splitlines()[-1][:120]
        self.progress.update(run.name, outcome.label, detail)

    def _start(self, slot: int) -> _Worker:
        context = worker_context(self.sweep.spec.resources.cpus)
        parent_conn, child_conn = context.Pipe()
        process = context.Process(target=worker_main, daemon=True,
                                  args=(child_conn, str(self.sweep_file), self.sweep.spec.resources.cpus,
                                        self.devices[slot], os.getpid(), dict(os.environ)))
        process.start()
        child_conn.close()
        return _Worker(process, parent_conn, slot)

    def interrupt(self) -> None:
        """Ctrl-C: let each running run record itself interrupted, then record what is left. A worker
        that has not ended within the grace period (all workers share one) is killed."""
        pool = self.workers
        for worker in pool:
            if worker.process.is_alive():
                os.kill(worker.process.pid, signal.SIGINT)
        deadline = time.monotonic() + STOP_GRACE_S
        for worker in pool:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                os.kill(worker.process.pid, signal.SIGUSR1)   # its stacks to the run's stderr.log
                worker.process.join(1.0)
                worker.process.kill()
                worker.process.join()
            while worker.run and (message := _receive_nowait(worker.conn)) is not None:
                self._receive(worker, message)
            if worker.run:
                self._finish(worker.run, record_abandoned(self.sweep, worker.run, State.INTERRUPTED, State.INTERRUPTED))
                worker.run = None

    def stop(self) -> None:
        """Tell every worker to finish; kill one that has not within the grace period."""
        pool = [w for w in self.workers if not w.conn.closed]
        for worker in pool:
            try:
                worker.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
        for worker in pool:
            worker.process.join(STOP_GRACE_S)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()


def _warn_missing_metric(sweep: Sweep, metrics: dict[str, float]) -> None:
    """A task that declares no metrics is checked against its first finished run: `metric.name` must be
    among what it reports, or results cannot be sorted by it."""
    name = sweep.spec.metric.name
    if name and sweep.spec.task.metrics is None and name not in metrics:
        print(f"warning: {sweep.spec.source.name}: metric.name: the first finished run did not report '{name}'"
              f"{did_you_mean(name, metrics)} (it reported: {', '.join(metrics) or 'nothing'}); results cannot be "
              "sorted by it", file=sys.stderr)


def _receive_nowait(conn: Connection) -> tuple | None:
    """The next message if one is waiting; None when there is none or the worker has gone."""
    try:
        return conn.recv() if conn.poll() else None
    except (EOFError, OSError):
        return None


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        return f"killed by {name}{SIGNAL_HINTS.get(name, '')}"
    return f"exit code {code}"
