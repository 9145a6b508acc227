"""What a cluster job runs: `python -m neuro.utils.backends.job_entry SWEEP_FILE RUN_KEY --backend NAME
--job-id ID` (qsub), or `run_job` itself (Slurm, through submitit).

The same call as a local worker's: load the frozen sweep, execute the run, record it in the ledger.
Exit code 0 when the run ended done, 1 otherwise (so the scheduler's own accounting agrees).
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
from neuro.utils.sweeps.states import State
from neuro.utils.sweeps.sweep import load_sweep


def run_job(sweep_file: Path, key: str, job: JobRef) -> Outcome:
    """Execute run `key` of the frozen sweep as cluster job `job`."""
    become_subreaper()
    sweep = load_sweep(sweep_file)
    run = next((r for r in sweep.runs if r.key == key), None)
    if run is None:
        raise LookupError(f"run {key} is not in {sweep_file}")
    return execute_run(sweep, run, job=job)


def succeeded(outcome: Outcome) -> bool:
    """Whether the job did what it was for: its run ended done or pruned (here or in another job)."""
    return outcome.state in (State.DONE, State.PRUNED)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m neuro.utils.backends.job_entry")
    parser.add_argument("sweep_file", type=Path)
    parser.add_argument("key")
    parser.add_argument("--backend", required=True, choices=sorted(DIALECTS))
    parser.add_argument("--job-id", required=True)
    args = parser.parse_args(argv)
    faulthandler.enable()
    stopping.install()      # qdel's and the scheduler's SIGTERM stop the run at its next checkpoint, or at once
    try:
        job = JobRef(args.backend, DIALECTS[args.backend]().array_of(args.job_id), args.job_id)
        outcome = run_job(args.sweep_file, args.key, job)
    except LookupError as err:
        print(err, file=sys.stderr)
        return 2
    print(f"{args.key}: {outcome.label}")
    return 0 if succeeded(outcome) else 1


if __name__ == "__main__":
    sys.exit(main())
