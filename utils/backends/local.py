"""The local executor: this machine's cores (and GPUs) through a pool of worker processes.

`neuro run` records its runs queued under the ledger's lock, so that a second `neuro run` of the same
file leaves them to the first. A run is held while the `neuro run` that queued it is alive (checked by
pid and start time); `neuro cancel` Ctrl-C's that process, which records its runs interrupted.
"""
from __future__ import annotations

import os
import signal
import sys
import time

import psutil

from neuro.utils.backends.executor import Executor, Launch, LaunchOptions, Write
from neuro.utils.backends.pool import LocalPool
from neuro.utils.errors import NeuroError
from neuro.utils.execution.execute import process_fields
from neuro.utils.execution.progress import Progress
from neuro.utils.reporting.table import counted
from neuro.utils.sweeps.process import is_neuro_process, process_alive
from neuro.utils.sweeps.runs import RunSpec
from neuro.utils.sweeps.states import ACTIVE, State
from neuro.utils.sweeps.status import HOST, effective_state
from neuro.utils.sweeps.sweep import Sweep

POLL_S = 1.0       # how often a launch with no run of its own looks again at runs held elsewhere


class LocalExecutor(Executor):
    name = "local"
    interrupted_hint = "interrupted: `neuro run` again resumes from the last checkpoints"

    def __init__(self, gpus: list[str] | None = None):
        self._gpus = gpus            # the GPU ids runs may use; found when first needed

    @property
    def gpus(self) -> list[str]:
        if self._gpus is None:
            self._gpus = visible_gpus()
        return self._gpus

    def require(self, sweep: Sweep) -> None:
        wanted = sweep.spec.resources.gpus
        if wanted and len(self.gpus) < wanted and not sweep.spec.resources.cpu_fallback:
            raise NeuroError(f"{sweep.spec.source.name}: resources.gpus: each run asks for {wanted} GPU(s) and this "
                             f"machine has {len(self.gpus)}; send it to a cluster (--backend slurm), or set "
                             "resources.cpu_fallback: true to run on the CPU here")

    def launch(self, sweep: Sweep, options: LaunchOptions) -> LocalLaunch:
        return LocalLaunch(self, sweep, capped_workers(sweep, options.workers or default_workers(sweep)))

    def devices(self, sweep: Sweep, workers: int, runs: int) -> list[list[str]]:
        """One GPU list per worker (empty lists when runs ask for none): no GPU is shared."""
        resources = sweep.spec.resources
        workers = min(workers, runs)
        if not resources.gpus:
            return [[] for _ in range(workers)]
        if len(self.gpus) < resources.gpus:
            print(f"warning: {sweep.spec.source.name}: no GPU here; runs go on the CPU (resources.cpu_fallback)",
                  file=sys.stderr)
            return [[] for _ in range(workers)]
        fit = len(self.gpus) // resources.gpus
        if workers > fit:
            print(f"note: {fit} worker(s), not {workers}: {len(self.gpus)} GPU(s) for {resources.gpus} per run",
                  file=sys.stderr)
        return [self.gpus[i * resources.gpus:(i + 1) * resources.gpus] for i in range(min(workers, fit))]

    def holds(self, event: dict) -> bool:
        return not event.get("backend") and effective_state(event) in ACTIVE

    def live(self, events: list[dict]) -> set[str]:
        """A run on this machine is live while the `neuro run` that holds it (or its own process) is;
        on another machine, the ledger's word is taken."""
        return {e["key"] for e in events if e.get("host") != HOST
                or process_alive(e.get("runner"), e.get("runner_start")) or process_alive(e.get("pid"), e.get("pid_start"))}

    def cancel(self, events: list[dict]) -> dict[str, list[str]]:
        """Ctrl-C each `neuro run` on this machine that holds a run (only while that pid is still the
        recorded neuro process); runs held on other machines are returned by host."""
        elsewhere: dict[str, list[str]] = {}
        runners = set()
        for event in events:
            if event.get("host") != HOST:
                elsewhere.setdefault(event["host"], []).append(event["run"])
            else:
                runners.add((event.get("runner"), event.get("runner_start")))
        for pid, start in runners:
            if pid is not None and is_neuro_process(pid, start):
                try:
                    os.kill(pid, signal.SIGINT)
                except ProcessLookupError:
                    continue
        return elsewhere


class LocalLaunch(Launch):
    """Runs executed by this process's pool of workers, each with its own GPUs; `kill` stops it as
    cleanly as Ctrl-C."""

    follows = True

    def __init__(self, executor: LocalExecutor, sweep: Sweep, workers: int):
        super().__init__()
        self.executor, self.sweep, self.workers = executor, sweep, workers
        self.pool: LocalPool | None = None
        self._sigterm = signal.signal(signal.SIGTERM, signal.default_int_handler)

    def reserve(self, most: int, total: int | None = None) -> int:
        """Start the pool for `most` runs at once (no more workers than that); `total`: the runs
        expected over the whole launch, for the progress bar."""
        _warn_more_cpus_than_cores(self.sweep)
        devices = self.executor.devices(self.sweep, self.workers, most)
        print(f"running on {counted(len(devices), 'local worker')}"
              + (f" with GPUs {', '.join('+'.join(d) for d in devices)}" if devices[0] else "")
              + f"; logs in {self.sweep.dir}")
        self.pool = LocalPool(self.sweep, self.sweep.freeze(), devices, Progress(total or most))
        self.pool.start()
        return len(devices)

    def submit(self, runs: list[tuple[RunSpec, bool]], write: Write) -> None:
        if self.pool is None:
            self.reserve(len(runs))
        assert self.pool is not None
        write([self.sweep.batch_event([run for run, _ in runs], State.QUEUED, **process_fields(runner=True))])
        self.pool.add(runs)
        self.pending |= {run.key for run, _ in runs}

    def wait(self) -> None:
        if self.pool is None or not self.pool.busy:   # the source waits on runs held elsewhere
            time.sleep(POLL_S)
            return
        for run, outcome in self.pool.step():
            self.ends[outcome.label] += 1
            self.pending.discard(run.key)

    def close(self, interrupted: bool = False) -> None:
        try:
            if self.pool is not None:
                if interrupted:
                    self.pool.interrupt()
                self.pool.stop()
                self.pool.progress.close()
        finally:
            signal.signal(signal.SIGTERM, self._sigterm)


def _warn_more_cpus_than_cores(sweep: Sweep) -> None:
    cores, cpus = os.cpu_count() or 1, sweep.spec.resources.cpus
    if cpus > cores:
        print(f"warning: {sweep.spec.source.name}: resources.cpus is {cpus} but this machine has {cores} cores; "
              f"each run gets {cpus} threads anyway", file=sys.stderr)


def default_workers(sweep: Sweep) -> int:
    """The file's local.workers, else as many runs as the cores hold at resources.cpus each."""
    return sweep.spec.options("local").workers or max(1, (os.cpu_count() or 1) // sweep.spec.resources.cpus)


def capped_workers(sweep: Sweep, wanted: int) -> int:
    """`wanted` workers, or fewer where the machine cannot hold them: no more runs at once than its cores
    hold at resources.cpus each, nor than its memory holds at resources.mem_gb each (a note says so)."""
    resources = sweep.spec.resources
    cores = os.cpu_count() or 1
    memory = psutil.virtual_memory().total
    limits = [(max(1, cores // resources.cpus), f"this machine has {cores} cores and resources.cpus is {resources.cpus}"),
              (max(1, int(memory // (resources.mem_gb * 2**30))),
               f"its {memory / 2**30:.1f} GB of memory hold that many runs at resources.mem_gb {resources.mem_gb:g}")]
    most, why = min(limits, key=lambda limit: limit[0])
    if most >= wanted:
        return wanted
    print(f"note: {counted(most, 'worker')}, not {wanted}: {why}", file=sys.stderr)
    return most


def visible_gpus() -> list[str]:
    """The GPUs runs here may use: those CUDA_VISIBLE_DEVICES names where it is set, else all torch sees.
    torch is imported only for sweeps that ask for GPUs."""
    import torch

    count = torch.cuda.device_count()
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is None:
        return [str(i) for i in range(count)]
    return [d.strip() for d in listed.split(",") if d.strip()][:count]
