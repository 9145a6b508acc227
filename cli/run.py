"""`neuro run`, `neuro plan` and `neuro cancel`."""
from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated, Optional

import typer

from neuro.cli.common import Backend, ExperimentArg, MaxRunsOption, RemoteOption, SetOption, invocation, load, on_remote
from neuro.utils.errors import NeuroError
from neuro.utils.reporting.table import counted, print_table
from neuro.utils.sweeps.plan import plan_runs
from neuro.utils.sweeps.states import State

BackendOption = Annotated[Optional[Backend], typer.Option(help="Where to run (overrides the file's backend).")]


class Rerun(str, Enum):
    failed = "failed"
    all = "all"


def run(experiment: ExperimentArg, set_: SetOption = None, max_runs: MaxRunsOption = None, remote: RemoteOption = None,
        backend: BackendOption = None,
        rerun: Annotated[Optional[Rerun], typer.Option(help="Also run failed runs, or all runs, from scratch.")] = None,
        workers: Annotated[Optional[int], typer.Option(min=1, metavar="N", help="Local worker processes.")] = None,
        wait: Annotated[bool, typer.Option("--wait", help="Cluster: block until every run ends.")] = False) -> None:
    """Run an experiment: skip done runs, resume interrupted ones, run or submit the rest."""
    on_remote(remote, experiment)
    from neuro.utils.backends.dispatch import GridSource, dispatch
    from neuro.utils.backends.executor import LaunchOptions, executor_named
    sweep = load(experiment, set_, max_runs=max_runs, check_data=True, writes="`neuro run`")
    executor = executor_named(backend.value if backend else sweep.spec.backend)
    executor.require(sweep)      # before anything is written or printed
    again = invocation(experiment, set_)       # what the hints repeat
    if sweep.spec.search is not None:
        _search(experiment, again, sweep, executor, rerun, LaunchOptions(workers, wait))
        return
    source = GridSource(sweep, rerun.value if rerun else None,
                        lambda plan: print(f"{sweep.spec.id}: {counted(len(sweep.runs), 'run')}: {plan.summary()}"))
    try:
        ends = dispatch(sweep, executor, source, LaunchOptions(workers, wait))
    except KeyboardInterrupt:
        print(executor.interrupted_hint)
        raise typer.Exit(130) from None
    plan = source.plan
    if plan.to_run and ends is None:
        print(f"follow with `neuro status {again}`; `neuro cancel {again}` cancels")
    elif plan.to_run and ends is not None:
        print("finished: " + ", ".join(f"{n} {state}" for state, n in sorted(ends.items())))
    if plan.waiting:
        names = [run.name for run in plan.waiting]
        print(f"{len(names)} not started: their folder is in use by a run of other parameters that is still "
              f"running ({', '.join(names[:3])}{', ...' if len(names) > 3 else ''}); "
              f"`neuro run {again}` again once it has ended")
    failed = ends is not None and (ends[State.FAILED] or ends[State.LOST])
    if failed:
        print(f"see `neuro status {again}` for the errors")
    if failed or plan.failed or plan.waiting or _not_run_here(ends, again):
        raise typer.Exit(1)


def _search(experiment, again: str, sweep, executor, rerun: Rerun | None, options) -> None:
    """`neuro run` on a search: continue its study where it stands, trials in flight until the budget is spent."""
    from neuro.utils.backends.dispatch import SearchSource, dispatch
    from neuro.utils.search.driver import SearchDriver
    from neuro.utils.search.report import report_told, study_summary
    from neuro.utils.search.study import start_study
    if rerun is not None:
        raise NeuroError(f"{experiment}: --rerun: a search's trials are not run again (the study keeps them); "
                         "raise search.trials to run more, or give the experiment a new name to start over")
    search = sweep.spec.search
    study, change = start_study(sweep.spec, sweep.dir)
    if change:
        print(f"{sweep.spec.id}: the search changed ({', '.join(change.parts)}): its study of "
              f"{counted(change.trials, 'trial')} is kept in {sweep.dir / '.superseded'} (its runs' files too, as new "
              "runs take their folders); a new study starts")
    print(f"{sweep.spec.id}: search ({search.method}): {study_summary(study, sweep.spec)}")
    driver = SearchDriver(sweep, study, search.parallel)
    source = SearchSource(sweep, driver, lambda told: report_told(told, sweep.spec.metric.name))
    try:
        ends = dispatch(sweep, executor, source, options)
    except KeyboardInterrupt:
        print(executor.interrupted_hint)
        raise typer.Exit(130) from None
    if ends is None:
        print(f"follow with `neuro status {again}`; `neuro run {again}` again submits the next trials "
              "(--wait keeps it going to the end)")
    else:
        print(f"{sweep.spec.id}: {study_summary(study, sweep.spec)}")
    failed = any(t.state == "fail" for t in driver.told) or (ends is not None and ends[State.FAILED])
    if failed:
        print(f"see `neuro status {again}` for the errors")
    if failed or _not_run_here(ends, again):
        raise typer.Exit(1)


def _not_run_here(ends, experiment) -> bool:
    """Say so when runs this `neuro run` took were not run by it: not started (stopped before they began),
    or run by another process meanwhile; then the command has done less than asked (exit 1)."""
    if ends is None:
        return False
    missed = {label: ends[label] for label in ("not started", "running elsewhere", "ended elsewhere") if ends[label]}
    if missed:
        print(f"not run here: {', '.join(f'{n} {label}' for label, n in missed.items())}; `neuro status {experiment}` "
              f"shows where they stand, and `neuro run {experiment}` again runs what is left")
    return bool(missed)


PLAN_ROWS = 50       # a larger sweep's plan shows its first and last runs (--all: every run)


def plan(experiment: ExperimentArg, set_: SetOption = None, max_runs: MaxRunsOption = None, remote: RemoteOption = None,
         backend: BackendOption = None,
         all_: Annotated[bool, typer.Option("--all", help=f"List every run (a sweep of more than {PLAN_ROWS} "
                                                          "shows its first and last runs).")] = False) -> None:
    """List the runs an experiment expands into, with their state and what changed since their folder's
    last run; for a cluster backend also print the exact job script(s) that `neuro run` would submit.
    Runs and writes nothing."""
    on_remote(remote, experiment)
    from collections import Counter

    from neuro.utils.backends.executor import executor_named
    from neuro.utils.sweeps.run_home import changes
    from neuro.utils.sweeps.runs import run_keys
    from neuro.utils.sweeps.status import effective_state
    sweep = load(experiment, set_, max_runs=max_runs, check_data=True, record_task=False)
    latest = sweep.latest()
    states = [effective_state(event) if event is not None else State.PLANNED
              for event in latest.shared_each(run_keys(sweep.runs))]
    shown = range(len(sweep.runs)) if all_ or len(sweep.runs) <= PLAN_ROWS else \
        [*range(PLAN_ROWS // 2), *range(len(sweep.runs) - PLAN_ROWS // 2, len(sweep.runs))]
    rows = []
    for i in shown:
        r, state = sweep.runs[i], states[i]
        change = changes(sweep, r) if state != State.DONE else None
        new = "new" if state == State.PLANNED and not change else ""
        rows.append([str(r.index), r.name, r.key, str(r.seed), state, f"changed: {change}" if change else new])
        if len(shown) < len(sweep.runs) and i == PLAN_ROWS // 2 - 1:
            rows.append(["...", f"({len(sweep.runs) - PLAN_ROWS:,} more; --all lists every run)", "", "", "", ""])
    print_table(["#", "run", "key", "seed", "state", "change"], rows)
    counts = Counter(states)
    print(f"states: {', '.join(f'{n:,} {state}' for state, n in counts.most_common())}")
    _warn_mixed_environments(sweep, latest)
    chosen = executor_named(backend.value if backend else sweep.spec.backend)
    to_run = [run for run, _ in plan_runs(sweep, latest).to_run]
    if sweep.spec.search is not None:
        _plan_search(sweep, chosen, to_run)
        return
    points = len(sweep.runs) // len(sweep.spec.seeds)
    print(f"{sweep.spec.id}: {counted(len(sweep.runs), 'run')} ({counted(points, 'grid point')} x "
          f"{counted(len(sweep.spec.seeds), 'repetition')}); task {sweep.spec.task.ref}; output {sweep.dir}")
    scripts = chosen.job_scripts(sweep, to_run)
    if scripts == []:
        print(f"\n# nothing to submit to {chosen.name}: every run is done or failed")
    if scripts and (note := chosen.packing_note(sweep)):
        print(f"packing ({chosen.name}): {note}")
    for number, (runs, script) in enumerate(scripts or [], 1):
        print(f"\n# {chosen.name} job script {number} of {len(scripts or [])} ({counted(runs, 'run')})")
        print(script)


def _warn_mixed_environments(sweep, latest) -> None:
    """Say so when the sweep's done runs were made in more than one Python environment (their results
    may differ for that reason alone)."""
    from collections import Counter

    from neuro.utils.execution.provenance import ENVIRONMENTS
    from neuro.utils.sweeps.runs import run_keys
    made = Counter(event.get("environment") for event in latest.shared_each(run_keys(sweep.runs))
                   if event is not None and event.get("state") == State.DONE and event.get("environment"))
    if len(made) > 1:
        each = ", ".join(f"{digest} ({counted(n, 'run')})" for digest, n in made.most_common())
        print(f"warning: {sweep.spec.id}: its done runs were made in {len(made)} environments: {each}; "
              f"`neuro results --runs` shows which run was made where, and "
              f"{sweep.workspace.training_data / ENVIRONMENTS}/<hash>.json what each holds", file=sys.stderr)


def _plan_search(sweep, chosen, to_run: list) -> None:
    """A search's plan: its trials so far, and the job script of one trial for a cluster."""
    from neuro.utils.search.study import study_change
    from neuro.utils.sweeps.runs import grid_points, runs_per_trial, trial_runs
    search, asked = sweep.spec.search, len({run.trial for run in sweep.runs})
    if change := study_change(sweep.spec, sweep.dir):
        print(f"{sweep.spec.id}: {change.describe()}")
    print(f"{sweep.spec.id}: search ({search.method}) of {counted(search.trials, 'trial')}, {search.parallel} in "
          f"flight, each {counted(runs_per_trial(sweep.spec), 'run')} ({counted(len(grid_points(sweep.spec)), 'grid point')}"
          f" x {counted(len(sweep.spec.seeds), 'repetition')}); {asked} asked so far; task {sweep.spec.task.ref}; "
          f"output {sweep.dir}")
    example, what = [], ""
    if to_run:
        example, what = [run for run in to_run if run.trial == to_run[0].trial], f"trial {to_run[0].trial}, to resume"
    elif asked < search.trials:
        low = {name: dim.values[0] for name, dim in search.space.items()}
        example = trial_runs(sweep.spec, asked, low, len(sweep.runs))
        what = f"trial {asked} as an example: its values are drawn when it is submitted, shown at each range's low end"
    scripts = chosen.job_scripts(sweep, example)
    if scripts == []:
        print(f"\n# nothing to submit to {chosen.name}: the search has asked for all its trials and they have ended")
    for runs, script in scripts or []:
        print(f"\n# {chosen.name} job script of one trial ({what}; {counted(runs, 'run')})")
        print(script)


def _out_of_view(runs: list, states: dict) -> str:
    """e.g. '2 runs removed already, 1 never run'."""
    removed = sum(states[r.key] == State.REMOVED for r in runs)
    parts = [f"{counted(removed, 'run')} removed already" if removed else "",
             f"{len(runs) - removed} never run" if len(runs) > removed else ""]
    return ", ".join(part for part in parts if part)


def cancel(experiment: ExperimentArg, set_: SetOption = None, max_runs: MaxRunsOption = None,
           remote: RemoteOption = None) -> None:
    """Cancel the experiment's queued and running runs (scancel / qdel, or stop a local `neuro run`)."""
    on_remote(remote, experiment)
    from neuro.utils.backends.cancel import cancel_sweep
    sweep = load(experiment, set_, max_runs=max_runs, import_code=False, writes="`neuro cancel`")
    report = cancel_sweep(sweep)
    total = sum(report.counts.values())
    detail = ", ".join(f"{n} {backend}" for backend, n in sorted(report.counts.items()))
    clusters = [backend for backend in report.counts if backend != "local"]
    again = invocation(experiment, set_) + (f" --backend {clusters[0]}" if len(clusters) == 1 else "")
    print(f"{sweep.spec.id}: cancelled {counted(total, 'run')}" + (f" ({detail})" if detail else "")
          + (f"; `neuro run {again}` resubmits what is not done" if total else ""))
    for host, runs in sorted(report.elsewhere.items()):
        if host.startswith("remote "):
            remote = host.removeprefix("remote ")
            print(f"not cancelled: {counted(len(runs), 'run')} held by remote {remote}'s jobs (as last pulled); "
                  f"`neuro cancel {invocation(experiment, set_)} --remote {remote}` cancels them there")
        else:
            print(f"not cancelled: {counted(len(runs), 'run')} held by a `neuro run` on {host}; run `neuro cancel` there")
    if report.still_running:
        print(f"not cancelled: {counted(len(report.still_running), 'run')} still running after the grace period "
              f"({', '.join(report.still_running[:3])})")
    if report.elsewhere or report.still_running:
        raise typer.Exit(1)


def rm(experiment: ExperimentArg, set_: SetOption = None, max_runs: MaxRunsOption = None,
       runs: Annotated[Optional[str], typer.Option(
           "--runs", metavar="PATTERNS", help="Only the runs whose names match, comma-separated, with * "
                                              "wildcards, e.g. --runs 'lr=0.1__*'.")] = None) -> None:
    """Take the experiment's runs out of view (status, results, ls): their files move to
    `<experiment>/.removed/`, the ledger keeps every record, and `neuro run` runs them again."""
    import fnmatch

    from neuro.utils.sweeps.run_home import REMOVED, remove
    from neuro.utils.sweeps.status import effective_state
    sweep = load(experiment, set_, max_runs=max_runs, import_code=False, writes="`neuro rm`")
    chosen = sweep.runs if runs is None else [
        r for r in sweep.runs if any(fnmatch.fnmatchcase(r.name, p.strip()) for p in runs.split(",") if p.strip())]
    if not chosen:
        raise NeuroError(f"{experiment}: --runs: no run matches {runs!r}; `neuro plan {experiment}` lists them")
    latest = sweep.latest()
    states = {r.key: (State.REMOVED if latest.state(r.key) == State.REMOVED else effective_state(latest[r.key]))
              if r.key in latest else None for r in chosen}
    active = {key for key, state in states.items() if state in (State.QUEUED, State.RUNNING)}
    absent = [r for r in chosen if states[r.key] in (None, State.REMOVED)]      # nothing in view to take out
    if len(absent) == len(chosen):
        print(f"{sweep.spec.id}: nothing to remove: {_out_of_view(absent, states)}")
        return
    removed, busy = remove(sweep, [r for r in chosen if r.key not in active and states[r.key] not in (None, State.REMOVED)])
    print(f"{sweep.spec.id}: removed {counted(len(removed), 'run')} from view; files in {sweep.dir / REMOVED}"
          + (f" ({_out_of_view(absent, states)})" if absent else ""))
    if active or busy:
        print(f"not removed: {counted(len(active) + len(busy), 'run')} queued or running; "
              f"`neuro cancel {experiment}` first")
        raise typer.Exit(1)
