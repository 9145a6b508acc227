"""What a qsub job runs: `python -m utils.backends.job_entry SWEEP_FILE RUN_KEY --backend NAME --job-id ID`.

The same call as a local worker's: load the frozen sweep, execute the run, record it in the ledger.
Exit code 0 when the run ended done, 1 otherwise (so the scheduler's own accounting agrees).
"""
from __future__ import annotations

import argparse
import faulthandler
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m utils.backends.job_entry")
    parser.add_argument("sweep_file", type=Path)
    parser.add_argument("key")
    parser.add_argument("--backend", required=True)
    parser.add_argument("--job-id", required=True)
    args = parser.parse_args(argv)
    faulthandler.enable()
    from utils.backends.base import backend_named
    from utils.execution.execute import JobRef, execute_run
    from utils.sweeps.states import State
    from utils.sweeps.sweep import load_sweep

    sweep = load_sweep(args.sweep_file)
    run = next((r for r in sweep.runs if r.key == args.key), None)
    if run is None:
        print(f"run {args.key} is not in {args.sweep_file}", file=sys.stderr)
        return 2
    job = JobRef(args.backend, backend_named(args.backend).array_of(args.job_id), args.job_id)
    outcome = execute_run(sweep, run, job=job)
    print(f"{run.name}: {outcome.state}")
    return 0 if outcome.state in (State.DONE, State.PRUNED, "ended elsewhere") else 1


if __name__ == "__main__":
    sys.exit(main())
