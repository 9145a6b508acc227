"""`neuro cancel`: every backend asked the same way, then the runs that stopped recorded cancelled."""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from neuro.utils.backends.executor import executor_named
from neuro.utils.backends.holding import held_by_executor, in_flight
from neuro.utils.backends.registry import executor_of
from neuro.utils.sweeps.ledger import PULLED_FROM
from neuro.utils.sweeps.states import State
from neuro.utils.sweeps.sweep import Sweep


@dataclass
class Cancelled:
    """What `neuro cancel` did: runs cancelled per backend, and the runs it could not stop."""

    counts: Counter
    still_running: list[str]            # run names still held by a live process or job after the grace period
    elsewhere: dict[str, list[str]]     # host (or "remote NAME") -> run names held there


def cancel_sweep(sweep: Sweep, grace_s: float = 45.0, poll_s: float = 0.5) -> Cancelled:
    """Ask each backend to stop the sweep's queued and running runs, wait (up to `grace_s`) until no live
    process or job holds them, and record cancelled those that stopped. Runs only another machine can
    stop are reported, not touched (those a remote holds, pulled here, are cancelled there: --remote)."""
    held = held_by_executor(list(sweep.latest().values()))
    elsewhere: dict[str, list[str]] = {}
    for name, events in held.items():
        for event in events:
            if event.get(PULLED_FROM):
                elsewhere.setdefault(f"remote {event[PULLED_FROM]}", []).append(event["run"])
        here = [event for event in events if not event.get(PULLED_FROM)]
        for host, runs in (executor_named(name).cancel(here) if here else {}).items():
            elsewhere.setdefault(host, []).extend(runs)
    away = {run for runs in elsewhere.values() for run in runs}
    targets = {e["key"]: e for events in held.values() for e in events if e["run"] not in away}
    deadline = time.monotonic() + grace_s
    while True:
        latest = sweep.latest()
        still = in_flight({key: latest[key] for key in targets})
        if not still or time.monotonic() >= deadline:
            break
        time.sleep(poll_s)
    stopped = [event for key, event in targets.items()
               if key not in still and latest[key]["state"] in (State.QUEUED, State.RUNNING, State.INTERRUPTED)]
    sweep.ledger.append_many([{"experiment": sweep.spec.id, "key": e["key"], "run": e["run"], "state": State.CANCELLED,
                               "job_id": e.get("job_id"), "array_job": e.get("array_job"),
                               "backend": e.get("backend")} for e in stopped])
    return Cancelled(Counter(executor_of(e) for e in stopped), [targets[key]["run"] for key in still], elsewhere)
