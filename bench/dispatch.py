"""Per-run overhead of the local backend: N runs of a task that returns at once, 2 workers.

    python bench/dispatch.py [--runs 200]

Prints the wall time of `neuro run` (worker start-up included), seconds per run amortised, and the
marginal cost of one more run (the difference to a 1-run sweep measured in the same go).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from timing import timed_run

ROOT = Path(__file__).resolve().parents[1]


def timed_sweep(runs: int, workdir: Path) -> float:
    exp = workdir / f"instant{runs}.yaml"
    exp.write_text(f"name: instant{runs}\ntask: {ROOT / 'tests/tasks/toy.py'}:instant\n"
                   f"grid: {{i: {list(range(runs))}}}\nlocal: {{workers: 2}}\n")
    elapsed, output = timed_run(workdir, exp)
    if f"finished: {runs} done" not in output:
        sys.exit(f"sweep did not finish every run:\n{output}")
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
