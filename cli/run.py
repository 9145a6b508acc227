"""`neuro run` and `neuro plan`."""
from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from cli.common import Backend, ExperimentArg, SetOption, load
from utils.errors import NeuroError
from utils.plan import plan_runs
from utils.spec import default_workers
from utils.table import text_table


class Rerun(str, Enum):
    failed = "failed"
    all = "all"


def run(experiment: ExperimentArg, set_: SetOption = None,
        backend: Annotated[Optional[Backend], typer.Option(help="Where to run (overrides the file).")] = None,
        rerun: Annotated[Optional[Rerun], typer.Option(help="Also run failed runs, or all runs, from scratch.")] = None,
        workers: Annotated[Optional[int], typer.Option(min=1, help="Local worker processes.")] = None) -> None:
    """Run an experiment: skip done runs, resume interrupted ones, run the rest."""
    sweep = load(experiment, set_)
    chosen = (backend.value if backend else None) or sweep.spec.backend
    if chosen != "local":
        raise NeuroError(f"{experiment}: backend: '{chosen}' is not available in this version; use --backend local")
    plan = plan_runs(sweep, rerun.value if rerun else None)
    print(f"{sweep.spec.id}: {len(sweep.runs)} runs: {plan.summary()}")
    if plan.to_run:
        from utils.dispatch import run_local
        n_workers = min(workers or default_workers(sweep.spec), len(plan.to_run))
        print(f"running {len(plan.to_run)} on {n_workers} local worker(s); logs in {sweep.dir}")
        try:
            ends = run_local(sweep, plan, n_workers)
        except KeyboardInterrupt:
            print("interrupted: `neuro run` again resumes from the last checkpoints")
            raise typer.Exit(130)
        print("finished: " + ", ".join(f"{n} {state}" for state, n in sorted(ends.items())))
        if ends.get("failed"):
            print(f"see `neuro status {experiment}` for the errors")
            raise typer.Exit(1)
    if plan.failed:
        raise typer.Exit(1)


def plan(experiment: ExperimentArg, set_: SetOption = None) -> None:
    """List the runs an experiment expands into, with their state; submits nothing."""
    sweep = load(experiment, set_)
    latest = sweep.ledger.latest(sweep.spec.id)
    rows = [[str(r.index), r.name, r.key, str(r.seed), latest.get(r.key, {}).get("state", "planned")]
            for r in sweep.runs]
    print(text_table(["#", "run", "key", "seed", "state"], rows))
    print(f"{sweep.spec.id}: {len(sweep.runs)} runs ({len(sweep.runs) // len(sweep.spec.seeds)} grid points x "
          f"{len(sweep.spec.seeds)} repetitions); task {sweep.spec.task.ref}; output {sweep.dir}")
