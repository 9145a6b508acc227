"""Per-run overhead of the local backend: N runs of a task that returns at once, 2 workers.

    python bench/dispatch.py [--runs 200]

Prints the wall time of `neuro run` (worker start-up included), seconds per run amortised, and the
marginal cost of one more run (the difference to a 1-run sweep measured in the same go).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed_sweep(runs: int, workdir: Path) -> float:
    exp = workdir / f"instant{runs}.yaml"
    exp.write_text(f"name: instant{runs}\ntask: {ROOT / 'tests/tasks/toy.py'}:instant\n"
                   f"grid: {{i: {list(range(runs))}}}\nlocal: {{workers: 2}}\n")
    env = {**os.environ, "NEURO_WORKSPACE": str(workdir)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cli.main", "run", str(exp)], cwd=workdir, env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or f"finished: {runs} done" not in done.stdout:
        sys.exit(f"sweep failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one = timed_sweep(1, Path(tmp))
        many = timed_sweep(args.runs, Path(tmp))
    print("local backend, 2 workers, task returning at once:")
    print(f"  1 run            {one:7.2f} s (start-up: CLI, 1 worker, torch import)")
    print(f"  {args.runs} runs        {many:7.2f} s")
    print(f"  amortised        {many / args.runs:7.3f} s/run (target < 0.1)")
    print(f"  marginal         {(many - one) / (args.runs - 1):7.3f} s/run")


if __name__ == "__main__":
    main()
