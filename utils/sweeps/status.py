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
from neuro.utils.sweeps.process import process_alive
from neuro.utils.sweeps.run_home import files_of, missing
from neuro.utils.sweeps.runs import RunSpec
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


def sweep_status(sweep: Sweep) -> list[RunStatus]:
    latest = sweep.latest()
    gone = missing(sweep, latest)
    out = []
    by_line: dict[int, str] = {}          # a batch line's runs share its state: read it once
    for run in sweep.runs:
        shared = latest.shared(run.key)
        state: str | None
        if shared is None:
            state = State.PLANNED
        elif run.key in gone:
            state = State.MISSING
        elif (state := by_line.get(id(shared))) is None:
            state = by_line[id(shared)] = effective_state(shared)
        if state == State.PLANNED:
            out.append(RunStatus(run, state))
            continue
        event = latest[run.key]
        metric = (event.get("metrics") or {}).get(sweep.spec.metric.name) if sweep.spec.metric.name else None
        error = (event.get("error") or "").strip().splitlines()[-1:] or [None]
        out.append(RunStatus(run, state, _duration(sweep, run, event, state), metric, event.get("job_id"), error[0]))
    return out


def state_counts(statuses: list[RunStatus] | list[str]) -> str:
    counts = Counter(s if isinstance(s, str) else s.state for s in statuses)
    return ", ".join(f"{counts[state]} {state}" for state in ORDER if counts[state])


def _duration(sweep: Sweep, run: RunSpec, event: dict[str, Any], state: str) -> float | None:
    """Seconds so far for a running run; a lost run's stop at its last sign of life."""
    started = event.get("started")
    if state == State.RUNNING and started:
        return time.time() - started
    if state == State.LOST and started:
        status = read_json(files_of(sweep, run) / "status.json") or {}
        last = status.get("updated") if status.get("key") == run.key else None
        return max(last or event.get("time") or started, started) - started
    return event.get("duration_s")
