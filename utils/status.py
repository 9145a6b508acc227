"""Where each run of a sweep stands, read from the ledger (never from the scheduler)."""
from __future__ import annotations

import socket
import time
from collections import Counter
from dataclasses import dataclass

from utils.process import pid_alive
from utils.runs import RunSpec
from utils.sweep import Sweep

ORDER = ("done", "running", "queued", "interrupted", "lost", "failed", "cancelled", "planned")


@dataclass
class RunStatus:
    run: RunSpec
    state: str
    duration_s: float | None = None
    metric: float | None = None
    job_id: str | None = None
    error: str | None = None


def sweep_status(sweep: Sweep) -> list[RunStatus]:
    latest = sweep.latest()
    host, now = socket.gethostname(), time.time()
    out = []
    for run in sweep.runs:
        event = latest.get(run.key)
        if event is None:
            out.append(RunStatus(run, "planned"))
            continue
        state = event["state"]
        duration = event.get("duration_s")
        if state == "running" and event.get("started"):
            duration = now - event["started"]
        if state in ("queued", "running") and not event.get("backend") and not event.get("job_id") \
                and event.get("host") == host and not pid_alive(event.get("pid")):
            state = "lost"  # its local process ended without a word
        metric = (event.get("metrics") or {}).get(sweep.spec.metric.name) if sweep.spec.metric.name else None
        error = (event.get("error") or "").strip().splitlines()[-1:] or [None]
        out.append(RunStatus(run, state, duration, metric, event.get("job_id"), error[0]))
    return out


def state_counts(statuses: list[RunStatus]) -> str:
    counts = Counter(s.state for s in statuses)
    return ", ".join(f"{counts[state]} {state}" for state in ORDER if counts[state])

