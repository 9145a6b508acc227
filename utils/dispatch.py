"""Carry out a plan on the local backend and sum up what happened."""
from __future__ import annotations

import os
import signal
from collections import Counter

from utils.backends.local import LocalPool
from utils.plan import Plan
from utils.progress import Progress
from utils.sweep import Sweep


def run_local(sweep: Sweep, plan: Plan, workers: int) -> Counter:
    """Execute the plan's runs with `workers` processes; returns the count of each end state."""
    sweep_file = sweep.freeze()
    sweep.ledger.append_many([sweep.event(run, "queued", pid=os.getpid(), runner=os.getpid())
                              for run, _ in plan.to_run])
    progress = Progress(len(plan.to_run))
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops as cleanly as Ctrl-C
    try:
        outcomes = LocalPool(sweep, sweep_file, workers, progress).run(plan.to_run)
    finally:
        signal.signal(signal.SIGTERM, previous)
        progress.close()
    return Counter(outcome.state for outcome in outcomes.values())
