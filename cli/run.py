"""`neuro run`, `neuro plan` and `neuro cancel`."""
from __future__ import annotations

import os
import sys
from enum import Enum
from typing import Annotated, Optional

import typer

from cli.common import Backend, ExperimentArg, SetOption, load
from utils.errors import NeuroError
from utils.sweeps.plan import plan_runs
from utils.experiment.spec import default_workers
from utils.sweeps.sweep import Sweep
from utils.reporting.table import counted, print_table

BackendOption = Annotated[Optional[Backend], typer.Option(help="Where to run (overrides the file's backend).")]


class Rerun(str, Enum):
    failed = "failed"
    all = "all"


def run(experiment: ExperimentArg, set_: SetOption = None, backend: BackendOption = None,
        rerun: Annotated[Optional[Rerun], typer.Option(help="Also run failed runs, or all runs, from scratch.")] = None,
        workers: Annotated[Optional[int], typer.Option(min=1, metavar="N", help="Local worker processes.")] = None,
        wait: Annotated[bool, typer.Option("--wait", metavar="", help="Cluster: block until every run ends.")] = False) -> None:
    """Run an experiment: skip done runs, resume interrupted ones, run or submit the rest."""
    from utils.sweeps.run_home import arrange
    sweep = load(experiment, set_, check_data=True)
    chosen = backend.value if backend else sweep.spec.backend
    if chosen != "local":
        from utils.backends.cluster import get_backend
        get_backend(chosen).require()      # before anything is written or printed
    busy_runs, changed = arrange(sweep)
    busy = {run.key for run in busy_runs}
    plan = _plan(sweep, chosen, rerun.value if rerun else None)
    waiting = [run for run, _ in plan.to_run if run.key in busy]
    plan.to_run = [(run, fresh) for run, fresh in plan.to_run if run.key not in busy]
    plan.changed = {run.name: changed[run.name] for run, _ in plan.to_run if run.name in changed}
    print(f"{sweep.spec.id}: {counted(len(sweep.runs), 'run')}: {plan.summary()}")
    ends = {}
    if plan.to_run and chosen == "local":
        ends = _run_locally(sweep, plan, workers)
    elif plan.to_run:
        ends = _submit(sweep, plan, chosen, experiment, wait)
    if waiting:
        print(f"{len(waiting)} not started: their folder is in use by a run of other parameters that is still "
              f"running ({', '.join(r.name for r in waiting[:3])}{', ...' if len(waiting) > 3 else ''}); "
              f"`neuro run {experiment}` again once it has ended")
    if ends.get("failed") or ends.get("lost"):
        print(f"see `neuro status {experiment}` for the errors")
    if ends.get("failed") or ends.get("lost") or plan.failed or waiting:
        raise typer.Exit(1)


def _plan(sweep: Sweep, backend: str, rerun: str | None):
    """Locally, plan and queue at once (under the ledger's lock); for a cluster, queued at submission."""
    if backend == "local":
        from utils.backends.dispatch import queue_local
        return queue_local(sweep, rerun)
    from utils.backends.dispatch import plan_sweep
    return plan_sweep(sweep, sweep.latest(), rerun)


def _run_locally(sweep: Sweep, plan, workers: int | None) -> dict:
    from utils.backends.dispatch import run_local
    cores = os.cpu_count() or 1
    if sweep.spec.resources.cpus > cores:
        print(f"warning: {sweep.spec.source.name}: resources.cpus is {sweep.spec.resources.cpus} but this machine has "
              f"{cores} cores; each run gets {sweep.spec.resources.cpus} threads anyway", file=sys.stderr)
    n_workers = min(workers or default_workers(sweep.spec), len(plan.to_run))
    print(f"running {len(plan.to_run)} on {n_workers} local worker(s); logs in {sweep.dir}")
    try:
        ends = run_local(sweep, plan, n_workers)
    except KeyboardInterrupt:
        print("interrupted: `neuro run` again resumes from the last checkpoints")
        raise typer.Exit(130)
    print("finished: " + ", ".join(f"{n} {state}" for state, n in sorted(ends.items())))
    return ends


def _submit(sweep: Sweep, plan, backend: str, experiment, wait: bool) -> dict:
    from utils.backends.submit import submit_sweep, wait_for
    submission = submit_sweep(sweep, plan, backend)
    print(f"submitted {counted(submission.runs, 'run')} to {backend}: job array(s) {', '.join(submission.array_ids)}")
    if not wait:
        print(f"follow with `neuro status {experiment}`; `neuro cancel {experiment}` cancels")
        return {}
    ends = wait_for(sweep, submission, {run.key for run, _ in plan.to_run})
    print("finished: " + ", ".join(f"{n} {state}" for state, n in sorted(ends.items())))
    return ends


def plan(experiment: ExperimentArg, set_: SetOption = None, backend: BackendOption = None) -> None:
    """List the runs an experiment expands into, with their state and what changed since their folder's
    last run; for a cluster backend also print the exact job script(s) that `neuro run` would submit.
    Runs and writes nothing."""
    from utils.sweeps.run_home import changes
    from utils.sweeps.status import effective_state
    sweep = load(experiment, set_, check_data=True, record_task=False)
    latest = sweep.latest()
    rows = []
    for r in sweep.runs:
        state = effective_state(latest[r.key]) if r.key in latest else "planned"
        change = changes(sweep, r) if state != "done" else None
        new = "new" if state == "planned" and not change else ""
        rows.append([str(r.index), r.name, r.key, str(r.seed), state, f"changed: {change}" if change else new])
    print_table(["#", "run", "key", "seed", "state", "change"], rows)
    points = len(sweep.runs) // len(sweep.spec.seeds)
    print(f"{sweep.spec.id}: {counted(len(sweep.runs), 'run')} ({counted(points, 'grid point')} x "
          f"{counted(len(sweep.spec.seeds), 'repetition')}); task {sweep.spec.task.ref}; output {sweep.dir}")
    chosen = backend.value if backend else sweep.spec.backend
    if chosen != "local":
        from utils.backends.cluster import get_backend
        from utils.backends.submit import prepare
        cluster = get_backend(chosen)
        requests = prepare(sweep, [run for run, _ in plan_runs(sweep, latest).to_run], cluster, write=False)
        if not requests:
            print(f"\n# nothing to submit to {chosen}: every run is done or failed")
        for number, request in enumerate(requests, 1):
            print(f"\n# {chosen} job script {number} of {len(requests)} ({counted(len(request.runs), 'run')})")
            print(cluster.render(request))


def cancel(experiment: ExperimentArg, set_: SetOption = None) -> None:
    """Cancel the experiment's queued and running runs (scancel / qdel, or stop a local `neuro run`)."""
    from utils.backends.submit import cancel_sweep
    sweep = load(experiment, set_, import_code=False)
    report = cancel_sweep(sweep)
    total = sum(report.counts.values())
    detail = ", ".join(f"{n} {backend}" for backend, n in sorted(report.counts.items()))
    print(f"{sweep.spec.id}: cancelled {counted(total, 'run')}" + (f" ({detail})" if detail else "")
          + (f"; `neuro run {experiment}` resubmits what is not done" if total else ""))
    for host, runs in sorted(report.elsewhere.items()):
        print(f"not cancelled: {counted(len(runs), 'run')} held by a `neuro run` on {host}; run `neuro cancel` there")
    if report.still_running:
        print(f"not cancelled: {counted(len(report.still_running), 'run')} still running after the grace period "
              f"({', '.join(report.still_running[:3])})")
    if report.elsewhere or report.still_running:
        raise typer.Exit(1)


def rm(experiment: ExperimentArg, set_: SetOption = None,
       runs: Annotated[Optional[str], typer.Option(
           "--runs", metavar="PATTERNS", help="Only the runs whose names match, comma-separated, with * "
                                              "wildcards, e.g. --runs 'lr=0.1__*'.")] = None) -> None:
    """Take the experiment's runs out of view (status, results, ls): their files move to
    <experiment>/.removed/, the ledger keeps every record, and `neuro run` runs them again."""
    import fnmatch

    from utils.sweeps.run_home import REMOVED, remove
    from utils.sweeps.status import effective_state
    sweep = load(experiment, set_, import_code=False)
    chosen = sweep.runs if runs is None else [
        r for r in sweep.runs if any(fnmatch.fnmatchcase(r.name, p.strip()) for p in runs.split(",") if p.strip())]
    if not chosen:
        raise NeuroError(f"{experiment}: --runs: no run matches {runs!r}; `neuro plan {experiment}` lists them")
    latest = sweep.latest()
    active = {r.key for r in chosen if r.key in latest and effective_state(latest[r.key]) in ("queued", "running")}
    removed, busy = remove(sweep, [r for r in chosen if r.key not in active])
    print(f"{sweep.spec.id}: removed {counted(len(removed), 'run')} from view; files in {sweep.dir / REMOVED}")
    if active or busy:
        print(f"not removed: {counted(len(active) + len(busy), 'run')} queued or running; "
              f"`neuro cancel {experiment}` first")
        raise typer.Exit(1)
