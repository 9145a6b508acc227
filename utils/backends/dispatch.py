"""The dispatcher: takes a sweep from its plan to launched runs, the same way on every executor. A grid
is a fixed source of runs; a search is a source that refills as runs end (each step tells the study
what ended and asks for the next trials). Runs are recorded queued under the ledger's lock together
with the planning that chose them, so two `neuro run`s never start the same run."""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable

from neuro.utils.backends.executor import Executor, Launch, LaunchOptions, Write
from neuro.utils.backends.holding import in_flight
from neuro.utils.reporting.table import counted
from neuro.utils.search.driver import SearchDriver, Told
from neuro.utils.sweeps.ledger import state_of
from neuro.utils.sweeps.plan import Plan, Rerun, plan_runs
from neuro.utils.sweeps.recovery import SETTLED, recovered
from neuro.utils.sweeps.run_home import arrange, missing
from neuro.utils.sweeps.runs import RunSpec, runs_per_trial
from neuro.utils.sweeps.sweep import Sweep


class RunSource(ABC):
    """Where a launch's runs come from."""

    @property
    def done(self) -> bool:
        """Whether no run may come any more (a search: no trial in flight, the budget spent)."""
        return True

    @abstractmethod
    def start(self, launch: Launch) -> None:
        """Submit the first runs."""

    def refill(self, launch: Launch) -> None:
        """Submit more runs, now that some have ended (a fixed source has none)."""


class GridSource(RunSource):
    """The sweep's runs as planned: skip what is done, resume what was cut off, leave what another
    process holds to it. `on_plan` hears the plan before anything is launched."""

    def __init__(self, sweep: Sweep, rerun: Rerun, on_plan: Callable[[Plan], None]):
        self.sweep, self.rerun, self.on_plan = sweep, rerun, on_plan
        self.plan = Plan()
        self.held_back: list[tuple[RunSpec, bool]] = []     # planned, waiting for room (a cluster's max_jobs)

    def start(self, launch: Launch) -> None:
        busy, changed = arrange(self.sweep)
        with self.sweep.ledger.exclusive() as write:
            latest = self.sweep.latest()
            if found := recovered(latest):       # ended in their folders, unknown to the ledger: index them
                write(found)
            plan = plan_runs(self.sweep, latest, self.rerun, in_flight(latest), missing(self.sweep, latest),
                             {run.key for run in busy})
            plan.changed = {run.name: changed[run.name] for run, _ in plan.to_run if run.name in changed}
            plan.recovered = len(found)
            room = launch.room(latest) if plan.to_run else None
            now = plan.to_run if room is None else plan.to_run[:room]
            self.held_back = plan.to_run[len(now):]
            plan.held_back = len(self.held_back)
            self.plan = plan
            self.on_plan(plan)
            if now:
                launch.reserve(len(now))
                launch.submit(now, write)

    def refill(self, launch: Launch) -> None:
        """Submit held-back runs as room frees (while --wait waits), those no other process took since."""
        if not self.held_back:
            return
        with self.sweep.ledger.exclusive() as write:
            latest = self.sweep.latest()
            room = launch.room(latest)
            if not room:
                return
            taken = in_flight(latest)
            waiting = [(run, fresh) for run, fresh in self.held_back
                       if run.key not in taken and state_of(latest, run.key) not in SETTLED]
            now, self.held_back = waiting[:room], waiting[room:]
            if now:
                launch.submit(now, write)

    @property
    def done(self) -> bool:
        return not self.held_back


class SearchSource(RunSource):
    """A search's trials, `search.parallel` in flight at once: whenever a run ends the driver tells the
    study about finished trials, and the next trial's runs are submitted at once (no batches)."""

    def __init__(self, sweep: Sweep, driver: SearchDriver, on_told: Callable[[list[Told]], None]):
        assert sweep.spec.search is not None
        self.sweep, self.search, self.driver, self.on_told = sweep, sweep.spec.search, driver, on_told

    def start(self, launch: Launch) -> None:
        per_trial = runs_per_trial(self.sweep.spec)
        remaining = self.search.trials - len(self.driver.told)
        carried = launch.reserve(self.driver.slots * per_trial, max(remaining, 1) * per_trial)
        self.driver.capacity = math.ceil(carried / per_trial)
        slots = min(self.driver.slots, self.driver.capacity)
        line = f"trials in flight: {slots} at a time"
        if slots < self.driver.slots:
            line += (f", not {self.driver.slots} (search.parallel): each trial is {counted(per_trial, 'run')} and "
                     f"{carried} run(s) fit here at once; --workers or a cluster backend runs more")
        print(line)
        self.refill(launch)

    def refill(self, launch: Launch) -> None:
        told = len(self.driver.told)

        def queue(runs: list[RunSpec], write: Write) -> None:
            launch.submit([(run, False) for run in runs], write)

        self.driver.next_runs(queue)
        self.on_told(self.driver.told[told:])

    @property
    def done(self) -> bool:
        return self.driver.finished


def dispatch(sweep: Sweep, executor: Executor, source: RunSource, options: LaunchOptions) -> Counter | None:
    """Launch the source's runs on the executor and follow them until none is pending and the source is
    done (refilling as they end; a search's trials in flight elsewhere are waited for too); the count of
    each end state of this launch's runs, or None when the executor does not follow its runs unasked
    and `options.wait` is off (cluster jobs go on; a later `neuro run` continues)."""
    with executor.launch(sweep, options) as launch:
        source.start(launch)
        if not (launch.follows or options.wait):
            return None if launch.pending or not source.done else launch.ends
        while launch.pending or not source.done:
            launch.wait()
            source.refill(launch)
        return launch.ends
