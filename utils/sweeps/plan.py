"""Decide which runs of a sweep to execute, from what the ledger says about each."""
from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Literal

from neuro.utils.sweeps.ledger import state_of
from neuro.utils.sweeps.runs import RunSpec
from neuro.utils.sweeps.states import FINAL, State
from neuro.utils.sweeps.sweep import Sweep

Rerun = Literal["failed", "all"] | None


@dataclass
class Plan:
    to_run: list[tuple[RunSpec, bool]] = field(default_factory=list)   # (run, fresh start?)
    done: list[RunSpec] = field(default_factory=list)
    failed: list[RunSpec] = field(default_factory=list)                # failed and left alone
    resumed: list[RunSpec] = field(default_factory=list)               # started before, not finished
    in_flight: list[RunSpec] = field(default_factory=list)             # queued or running in another process
    waiting: list[RunSpec] = field(default_factory=list)               # its folder in use by a run of another key
    changed: dict[str, str] = field(default_factory=dict)              # run name -> how it differs from its folder's
    recovered: int = 0                                                 # ends found in run folders, not in the ledger
    held_back: int = 0                                                 # to run once a job slot frees (max_jobs)

    def summary(self) -> str:
        parts = [f"{len(self.done)} done"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed (--rerun failed retries them)")
        if self.in_flight:
            parts.append(f"{len(self.in_flight)} queued or running already (another `neuro run` or a cluster job)")
        if self.recovered:
            parts.insert(0, f"{self.recovered} ended in their folders unknown to the ledger (now recorded)")
        notes = [f"{len(self.resumed)} resuming"] if self.resumed else []
        if self.changed:
            notes.append(f"{len(self.changed)} changed: {_common(self.changed)}")
        if self.held_back:
            notes.append(f"{self.held_back} of them once job slots free (max_jobs): while --wait waits, or at the "
                         "next `neuro run`")
        parts.append(f"{len(self.to_run)} to run" + (f" ({'; '.join(notes)})" if notes else ""))
        return ", ".join(parts)


def plan_runs(sweep: Sweep, latest: Mapping[str, dict], rerun: Rerun = None, in_flight: AbstractSet[str] = frozenset(),
              gone: AbstractSet[str] = frozenset(), busy: AbstractSet[str] = frozenset()) -> Plan:
    """From `latest` (the ledger's last event per run key): done runs are skipped (unless their files
    are `gone`), failed ones too unless `rerun`; runs another process has queued or is running
    (`in_flight`) are left to it, and so are those whose folder a run of another key is `busy` in;
    everything else runs, resuming where it started before."""
    plan = Plan()
    for run in sweep.runs:
        state = state_of(latest, run.key)
        if run.key in in_flight:
            plan.in_flight.append(run)
        elif run.key in busy:
            plan.waiting.append(run)
        elif state in (State.DONE, State.PRUNED) and rerun != "all" and run.key not in gone:
            plan.done.append(run)
        elif state == State.FAILED and rerun is None:
            plan.failed.append(run)
        else:
            fresh = state in FINAL or (rerun == "all" and state is not None)
            plan.to_run.append((run, fresh))
            if state in (State.RUNNING, State.INTERRUPTED) and not fresh:
                plan.resumed.append(run)
    return plan


def _common(changed: dict[str, str]) -> str:
    """The change most runs share, e.g. 'params.y: 2 -> 5' (with '...' when runs differ in more)."""
    first = next(iter(changed.values()))
    return first if all(c == first for c in changed.values()) else f"{first}, ..."
