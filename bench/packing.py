"""Packed array tasks on a real Slurm started on this machine (root needed): a sweep of trivial runs
with `slurm: {runs_per_task: K}` against one run a task, wall time from `neuro run --wait` to done.

    python bench/packing.py [--runs 1000] [--per-task 50]

Each task starts a Python and loads the sweep once, whatever K; with K runs a task the scheduler and
the interpreter start RUNS / K times instead of RUNS times.
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
sys.path.insert(0, str(ROOT))

from tests.clusters.daemons import Unavailable, start_slurm  # noqa: E402


def wall_time(workspace: Path, runs: int, per_task: int, env: dict) -> tuple[float, str]:
    """Seconds of `neuro run --backend slurm --wait` of RUNS instant runs packed PER_TASK a task."""
    exp = workspace / f"packed{per_task}.yaml"
    exp.write_text(f"name: packed{per_task}\ntask: {ROOT / 'tests/tasks/toy.py'}:instant\n"
                   f"grid: {{i: {list(range(runs))}}}\nslurm: {{runs_per_task: {per_task}, max_array_size: {runs}}}\n")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "neuro.cli.main", "run", str(exp), "--backend", "slurm", "--wait"],
                          cwd=workspace, capture_output=True, text=True,
                          env={**os.environ, **env, "NEURO_WORKSPACE": str(workspace)})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"neuro run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return seconds, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--per-task", type=int, default=50)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="neuro-bench-slurm-"))
    workdir.chmod(0o755)
    try:
        slurm = start_slurm(workdir)
    except Unavailable as reason:
        sys.exit(f"Slurm unavailable: {reason}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            packed, said = wall_time(Path(tmp), args.runs, args.per_task, slurm.env)
            print(f"{args.runs} runs, {args.per_task} a task ({-(-args.runs // args.per_task)} tasks): {packed:6.1f} s  "
                  f"({said})")
        with tempfile.TemporaryDirectory() as tmp:
            single, said = wall_time(Path(tmp), args.runs, 1, slurm.env)
            print(f"{args.runs} runs, 1 a task ({args.runs} tasks):  {single:6.1f} s  ({said})")
        print(f"packing: {single / packed:.1f}x faster")
    finally:
        slurm.stop()
        subprocess.run(["rm", "-rf", str(workdir)])


if __name__ == "__main__":
    main()
