"""The search driver: keeps `slots` trials in flight, never waiting for a batch. Each step (under the
ledger's lock, so that concurrent drivers share one study without running a trial twice) tells the
study every trial whose runs have all ended, picks the runs of unfinished trials that nobody holds
(a driver killed mid-search leaves them so), and asks for new trials while the budget allows."""
from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from neuro.utils.backends.holding import in_flight
from neuro.utils.search.study import distributions, make_sampler
from neuro.utils.sweeps.ledger import LedgerFollower
from neuro.utils.sweeps.runs import RunSpec, trial_runs
from neuro.utils.sweeps.states import FINAL, State
from neuro.utils.sweeps.status import HOST
from neuro.utils.sweeps.sweep import Sweep

if TYPE_CHECKING:
    import optuna

def _queued_here(event: dict) -> bool:
    """Whether the event was written for this very `neuro run` (its runner: this process, here)."""
    return event.get("runner") == os.getpid() and event.get("host") == HOST and not event.get("backend")


@dataclass
class Told:
    """A trial the driver has just told the study about."""

    number: int
    state: str                      # complete | pruned | fail
    value: float | None = None
    reason: str = ""


@dataclass
class SearchDriver:
    sweep: Sweep
    study: optuna.Study
    slots: int                      # trials in flight at once, whoever runs them (search.parallel)
    capacity: int | None = None     # trials in flight that this driver can run itself (its workers)
    active: int = 0                 # trials in flight after the last step
    told: list[Told] = field(default_factory=list)

    def __post_init__(self) -> None:
        assert self.sweep.spec.search is not None
        self.search = self.sweep.spec.search
        self.space = distributions(self.search)
        self.ledger = LedgerFollower(self.sweep.ledger, self.sweep.spec.id)
        self.mine: set[int] = set()     # trials in flight whose runs this driver started
        self.cut: list[RunSpec] = []    # runs of trials just pruned that never started: recorded pruned
        self._runs: dict[int | None, list[RunSpec]] = {}
        for run in self.sweep.runs:
            self._runs.setdefault(run.trial, []).append(run)

    @property
    def finished(self) -> bool:
        """No trial in flight and the budget spent (a step asks for more while it is not)."""
        return self.active == 0

    def next_runs(self, queue: Callable[[list[RunSpec], Callable[[list[dict]], list[dict]]], None]) -> list[RunSpec]:
        """Steps under the ledger's lock until one gives runs to start or moves nothing on; `queue(runs,
        write)` starts or submits the runs and records them queued with `write` before the lock is let go."""
        while True:
            told = len(self.told)
            with self.sweep.ledger.exclusive() as write:
                latest = self.ledger.latest()
                runs = self.step(latest, in_flight(latest))
                if self.cut:
                    write([self.sweep.event(run, State.PRUNED, error=f"trial {run.trial} was pruned (another of its "
                                            "runs was); not started") for run in self.cut])
                    self.cut = []
                if runs:
                    queue(runs, write)
            if runs or len(self.told) == told:
                return runs

    def step(self, latest: Mapping[str, dict], live: set[str]) -> list[RunSpec]:
        """The runs to start now. `latest` is the ledger's last event per run key, `live` the keys a
        live process or job holds."""
        from optuna.trial import TrialState
        trials = self.study.get_trials(deepcopy=False)
        in_flight = []
        for trial in trials:
            if trial.state != TrialState.RUNNING:
                continue
            runs = self.runs_of(trial.number, trial.params)
            states = [latest.get(run.key, {}).get("state") for run in runs]
            if State.PRUNED in states:      # one run pruned stops the trial: its others stop at their next step
                self._tell(trial.number, runs, latest)
                self.cut += self._waiting(runs, latest, live)     # and those never started do not start
            elif all(state in FINAL for state in states):
                self._tell(trial.number, runs, latest)
            else:
                in_flight.append(trial.number)
        self.mine &= set(in_flight)
        self.active = len(in_flight)
        capacity = self.capacity or self.slots
        start: list[RunSpec] = []
        for number in in_flight:      # runs nobody holds: never started, or cut off (kill -9, a lost job)
            waiting = self._waiting(self._runs[number], latest, live)
            if waiting and (number in self.mine or len(self.mine) < capacity):
                self.mine.add(number)
                start += waiting
        asked = len(trials)
        while self.active < self.slots and len(self.mine) < capacity and asked < self.search.trials:
            self.study.sampler = make_sampler(self.search, asked)
            asked_trial = self.study.ask(self.space)
            # a trial may draw values an earlier one had: their runs are done already, and run once
            start += self._waiting(self.runs_of(asked_trial.number, asked_trial.params), latest, live)
            self.mine.add(asked_trial.number)
            self.active += 1
            asked += 1
        return start

    @staticmethod
    def _waiting(runs: list[RunSpec], latest: Mapping[str, dict], live: set[str]) -> list[RunSpec]:
        """Those of `runs` that have not ended, that no live process or job holds, and that this process
        has not queued already (its worker records a cut-off run interrupted just before resuming it)."""
        return [run for run in runs if (event := latest.get(run.key, {})).get("state") not in FINAL
                and run.key not in live and not _queued_here(event)]

    def runs_of(self, number: int, values: dict) -> list[RunSpec]:
        """A trial's runs (the sweep learns of a new trial's runs here)."""
        if number not in self._runs:
            self._runs[number] = trial_runs(self.sweep.spec, number, values, len(self.sweep.runs))
            self.sweep.runs = [*self.sweep.runs, *self._runs[number]]
        return self._runs[number]

    def _tell(self, number: int, runs: list[RunSpec], latest: Mapping[str, dict]) -> None:
        from optuna.trial import TrialState
        metric = self.sweep.spec.metric.name
        events = [latest.get(run.key, {"run": run.name}) for run in runs]
        values: list[float | None] = [(e.get("metrics") or {}).get(metric) for e in events]
        if any(e.get("state") == State.PRUNED for e in events):
            told = Told(number, "pruned", reason=next(e.get("error") or "" for e in events if e.get("state") == State.PRUNED))
            self.study.tell(number, state=TrialState.PRUNED, skip_if_finished=True)
        elif any(e.get("state") == State.FAILED for e in events):
            failed = next(e for e in events if e.get("state") == State.FAILED)
            told = Told(number, "fail", reason=f"run {failed['run']} failed")
            self.study.tell(number, state=TrialState.FAIL, skip_if_finished=True)
        elif any(v is None for v in values):
            told = Told(number, "fail", reason=f"a run did not report '{metric}' (metric.name)")
            self.study.tell(number, state=TrialState.FAIL, skip_if_finished=True)
        else:
            told = Told(number, "complete", statistics.fmean(v for v in values if v is not None))
            self.study.tell(number, told.value, skip_if_finished=True)
        self.told.append(told)
