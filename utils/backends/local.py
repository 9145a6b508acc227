"""The local backend: this machine's cores (and GPUs) through a pool of worker processes.

`neuro run` plans and records its runs queued under the ledger's lock, so that a second `neuro run` of
the same file leaves them to the first. A run is held while the `neuro run` that queued it is alive
(checked by pid and start time); `neuro cancel` Ctrl-C's that process, which records its runs
interrupted.
"""
from __future__ import annotations

import os
import signal
import sys
from collections import Counter
from typing import TYPE_CHECKING

from utils.backends.base import Backend, LaunchOptions, plan_sweep
from utils.backends.pool import LocalPool
from utils.errors import NeuroError
from utils.execution.execute import process_fields
from utils.execution.progress import Progress
from utils.reporting.table import counted
from utils.sweeps.plan import Plan, Rerun
from utils.sweeps.process import is_neuro_process, process_alive
from utils.sweeps.runs import runs_per_trial
from utils.sweeps.states import ACTIVE, State
from utils.sweeps.status import HOST, effective_state
from utils.sweeps.sweep import Sweep

if TYPE_CHECKING:
    from utils.search.driver import SearchDriver


class LocalBackend(Backend):
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

    def plan(self, sweep: Sweep, rerun: Rerun) -> Plan:
        """Plan, and record the runs queued by this process, under the ledger's lock."""
        with sweep.ledger.exclusive() as write:
            plan = plan_sweep(sweep, sweep.latest(), rerun)
            if plan.to_run:
                sweep.freeze()  # also reads the git record the events carry
                write([sweep.event(run, State.QUEUED, **process_fields(runner=True)) for run, _ in plan.to_run])
        return plan

    def launch(self, sweep: Sweep, plan: Plan, options: LaunchOptions) -> Counter:
        """Execute the plan's runs on worker processes, each with its own GPUs; returns the end states."""
        _warn_more_cpus_than_cores(sweep)
        devices = self._devices(sweep, options.workers or default_workers(sweep), len(plan.to_run))
        print(f"running {len(plan.to_run)} on {counted(len(devices), 'local worker')}"
              + (f" with GPUs {', '.join('+'.join(d) for d in devices)}" if devices[0] else "")
              + f"; logs in {sweep.dir}")
        progress = Progress(len(plan.to_run))
        previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops as cleanly as Ctrl-C
        try:
            outcomes = LocalPool(sweep, sweep.freeze(), devices, progress).run(plan.to_run)
        finally:
            signal.signal(signal.SIGTERM, previous)
            progress.close()
        return Counter(outcome.state for outcome in outcomes.values())

    def search(self, sweep: Sweep, driver: SearchDriver, options: LaunchOptions) -> Counter:
        """Keep the search's trials in flight on the worker pool: as soon as a run ends, the driver tells
        the study and the next trial's runs join the queue. Trials in flight are capped by the workers."""
        _warn_more_cpus_than_cores(sweep)
        per_trial = runs_per_trial(sweep.spec)
        devices = self._devices(sweep, options.workers or default_workers(sweep), driver.slots * per_trial)
        driver.capacity = -(-len(devices) // per_trial)
        sweep_file = sweep.freeze()

        def queue(runs: list, write) -> None:
            write([sweep.event(run, State.QUEUED, **process_fields(runner=True)) for run in runs])

        def refill() -> list:
            return [(run, False) for run in driver.next_runs(queue)]

        first = refill()
        if not first:
            return Counter()
        search = sweep.spec.search
        print(f"searching ({search.method}): {min(driver.slots, driver.capacity)} trial(s) at a time on "
              f"{counted(len(devices), 'local worker')}"
              f"; logs in {sweep.dir}")
        progress = Progress(max(len(first), (search.trials - len(driver.told)) * per_trial))
        previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            outcomes = LocalPool(sweep, sweep_file, devices, progress).run(first, refill)
        finally:
            signal.signal(signal.SIGTERM, previous)
            progress.close()
        return Counter(outcome.state for outcome in outcomes.values())

    def _devices(self, sweep: Sweep, workers: int, runs: int) -> list[list[str]]:
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
            if is_neuro_process(pid, start):
                try:
                    os.kill(pid, signal.SIGINT)
                except ProcessLookupError:
                    continue
        return elsewhere


def _warn_more_cpus_than_cores(sweep: Sweep) -> None:
    cores, cpus = os.cpu_count() or 1, sweep.spec.resources.cpus
    if cpus > cores:
        print(f"warning: {sweep.spec.source.name}: resources.cpus is {cpus} but this machine has {cores} cores; "
              f"each run gets {cpus} threads anyway", file=sys.stderr)


def default_workers(sweep: Sweep) -> int:
    """The file's local.workers, else as many runs as the cores hold at resources.cpus each."""
    return sweep.spec.local.workers or max(1, (os.cpu_count() or 1) // sweep.spec.resources.cpus)


def visible_gpus() -> list[str]:
    """The GPUs runs here may use: those CUDA_VISIBLE_DEVICES names where it is set, else all torch sees.
    torch is imported only for sweeps that ask for GPUs."""
    import torch

    count = torch.cuda.device_count()
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is None:
        return [str(i) for i in range(count)]
    return [d.strip() for d in listed.split(",") if d.strip()][:count]
