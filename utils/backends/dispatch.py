"""Carry out a plan on the local backend and sum up what happened."""
from __future__ import annotations

import signal
from collections import Counter

from utils.backends.local import LocalPool
from utils.execution.execute import process_fields
from utils.sweeps.plan import Plan, Rerun, plan_runs
from utils.execution.progress import Progress
from utils.sweeps.sweep import Sweep


def plan_sweep(sweep: Sweep, latest: dict[str, dict], rerun: Rerun) -> Plan:
    """What `neuro run` does with each run, given the ledger's last events: runs another process holds
    (a cluster job, another `neuro run`) are left to it; done runs whose files are gone run again."""
    from utils.sweeps.run_home import missing
    from utils.sweeps.status import local_in_flight
    from utils.backends.submit import in_flight
    return plan_runs(sweep, latest, rerun, in_flight(latest) | local_in_flight(latest), missing(sweep, latest))


def queue_local(sweep: Sweep, rerun: Rerun) -> Plan:
    """Plan the sweep and record its runs queued, under the ledger's lock: a second `neuro run` of the
    file finds them queued by a live process and leaves them to this one."""
    with sweep.ledger.exclusive() as write:
        plan = plan_sweep(sweep, sweep.latest(), rerun)
        if plan.to_run:
            sweep.freeze()  # also reads the git record the events carry
            write([sweep.event(run, "queued", **process_fields(runner=True)) for run, _ in plan.to_run])
    return plan


def run_local(sweep: Sweep, plan: Plan, workers: int) -> Counter:
    """Execute the plan's queued runs with `workers` processes; returns the count of each end state."""
    sweep_file = sweep.freeze()
    progress = Progress(len(plan.to_run))
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops as cleanly as Ctrl-C
    try:
        outcomes = LocalPool(sweep, sweep_file, workers, progress).run(plan.to_run)
    finally:
        signal.signal(signal.SIGTERM, previous)
        progress.close()
    return Counter(outcome.state for outcome in outcomes.values())
