"""What a cluster job runs: `python -m neuro.utils.backends.job_entry SWEEP_FILE RUN_KEY [RUN_KEY ...]
--backend NAME --job-id ID` (qsub), or `run_jobs` itself (Slurm, through submitit).

The same call as a local worker's: load the frozen sweep, execute each run in turn, record it in the
ledger. A task packing several runs (runs_per_task) skips those that ended already (a requeued or
restarted task) and resumes the one cut off; it stops when asked to. Exit code 0 when every run ended
done, 1 otherwise (so the scheduler's own accounting agrees).
"""
from __future__ import annotations

import argparse
import faulthandler
import sys
from pathlib import Path

from neuro.utils.backends.qsub import DIALECTS
from neuro.utils.execution import stopping
from neuro.utils.execution.descendants import become_subreaper
from neuro.utils.execution.execute import JobRef, Outcome, execute_run
from neuro.utils.sweeps.runs import run_keys
from neuro.utils.sweeps.states import State
from neuro.utils.sweeps.sweep import load_sweep


def run_jobs(sweep_file: Path, keys: list[str], job: JobRef) -> dict[str, Outcome]:
    """Execute runs `keys` of the frozen sweep one after another as cluster job `job`; their outcomes
    (those not reached when the job was asked to stop are left out)."""
    become_subreaper()
    sweep = load_sweep(sweep_file)
    index = {key: i for i, key in enumerate(run_keys(sweep.runs))}
    if missing := [key for key in keys if key not in index]:
        raise LookupError(f"run {missing[0]} is not in {sweep_file}")
    outcomes = {}
    for key in keys:
        if stopping.stop_requested():
            break
        outcomes[key] = execute_run(sweep, sweep.runs[index[key]], job=job)
    return outcomes


def succeeded(outcome: Outcome) -> bool:
    """Whether the job did what it was for: its run ended done or pruned (here or in another job)."""
    return outcome.state in (State.DONE, State.PRUNED)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m neuro.utils.backends.job_entry")
    parser.add_argument("sweep_file", type=Path)
    parser.add_argument("keys", nargs="+")
    parser.add_argument("--backend", required=True, choices=sorted(DIALECTS))
    parser.add_argument("--job-id", required=True)
    args = parser.parse_args(argv)
    faulthandler.enable()
    stopping.install()      # qdel's and the scheduler's SIGTERM stop the run at its next checkpoint, or at once
    try:
        job = JobRef(args.backend, DIALECTS[args.backend]().array_of(args.job_id), args.job_id)
        outcomes = run_jobs(args.sweep_file, args.keys, job)
    except LookupError as err:
        print(err, file=sys.stderr)
        return 2
    for key, outcome in outcomes.items():
        print(f"{key}: {outcome.label}")
    return 0 if len(outcomes) == len(args.keys) and all(map(succeeded, outcomes.values())) else 1


if __name__ == "__main__":
    sys.exit(main())
