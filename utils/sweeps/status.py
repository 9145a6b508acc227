"""Where each run of a sweep stands, read from the ledger and the run files (never from the scheduler,
never by importing the task's code).

The ledger says what each run's processes recorded; a process can also vanish without a word. On this
machine a local run's process is checked by identity (pid and start time): a run queued by a `neuro run`
that has ended never started (planned again); a running run whose process has ended is lost.
"""
from __future__ import annotations

import socket
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from neuro.utils.atomic import read_json
from neuro.utils.sweeps.ledger import LatestEvents
from neuro.utils.sweeps.process import process_alive
from neuro.utils.sweeps.run_home import FilesGone, files_of
from neuro.utils.sweeps.runs import RunSpec, run_keys, run_names
from neuro.utils.sweeps.states import ACTIVE, ORDER, State
from neuro.utils.sweeps.sweep import Sweep

HOST = socket.gethostname()


@dataclass(slots=True)
class RunStatus:
    run: RunSpec
    state: str
    duration_s: float | None = None
    metric: float | None = None
    job_id: str | None = None
    error: str | None = None


def effective_state(event: dict[str, Any]) -> str:
    """The run's state: the ledger's, unless its local process on this machine has gone; a run taken
    out of view with `neuro rm` is planned again."""
    state = event["state"]
    if state == State.REMOVED:
        return State.PLANNED
    if state not in ACTIVE or event.get("backend") or event.get("host") != HOST:
        return state
    if state == State.QUEUED:
        return State.QUEUED if _alive(event.get("runner"), event.get("runner_start")) else State.PLANNED
    return State.RUNNING if _alive(event.get("pid"), event.get("pid_start")) else State.LOST


_ALIVE_S = 1.0
_alive_seen: dict[tuple, tuple[float, bool]] = {}


def _alive(pid: int | None, start: float | None) -> bool:
    """process_alive, asked of each process at most once a second (a million runs queued by one
    `neuro run` are one question)."""
    now = time.monotonic()
    seen = _alive_seen.get((pid, start))
    if seen is None or now - seen[0] > _ALIVE_S:
        seen = _alive_seen[(pid, start)] = (now, process_alive(pid, start))
    return seen[1]


@dataclass
class SweepStatus:
    """Where each run of a sweep stands: its state, read for every run; the rest of its row (duration,
    metric, job, error) when asked for, so that a sweep of a million runs costs a state each."""

    sweep: Sweep
    latest: LatestEvents
    states: list[str]

    def __len__(self) -> int:
        return len(self.states)

    def row(self, index: int) -> RunStatus:
        """The run at `index` with what its last event says."""
        run, state = self.sweep.runs[index], self.states[index]
        if state == State.PLANNED:
            return RunStatus(run, state)
        event = self.latest[run.key]
        name = self.sweep.spec.metric.name
        metric = (event.get("metrics") or {}).get(name) if name else None
        error = (event.get("error") or "").strip().splitlines()[-1:] or [None]
        return RunStatus(run, state, _duration(self.sweep, run, event, state), metric, event.get("job_id"), error[0])


def sweep_status(sweep: Sweep) -> SweepStatus:
    latest = sweep.latest()
    gone = FilesGone(sweep)
    keys = run_keys(sweep.runs)
    states = []
    by_line: dict[int, str] = {}          # a batch line's runs share its state: read it once
    for key, name, shared in zip(keys, run_names(sweep.runs), latest.shared_each(keys)):
        state: str | None
        if shared is None:
            state = State.PLANNED
        elif (state := by_line.get(id(shared))) is None:
            state = by_line[id(shared)] = effective_state(shared)
        if state == State.DONE and shared is not None and gone(key, name, shared):
            state = State.MISSING
        states.append(state)
    return SweepStatus(sweep, latest, states)


def state_counts(states: list[str]) -> str:
    counts = Counter(states)
    return ", ".join(f"{counts[state]} {state}" for state in ORDER if counts[state])


def _duration(sweep: Sweep, run: RunSpec, event: dict[str, Any], state: str) -> float | None:
    """Seconds so far for a running run (its earlier legs included); a lost run's stop at its last sign
    of life."""
    started, before = event.get("started"), event.get("before_s") or 0.0
    if state == State.RUNNING and started:
        return before + time.time() - started
    if state == State.LOST and started:
        status = read_json(files_of(sweep, run) / "status.json") or {}
        last = status.get("updated") if status.get("key") == run.key else None
        return before + max(last or event.get("time") or started, started) - started
    return event.get("duration_s")
