"""What the benchmarks share: the best of several timings, and `neuro` in a workspace of its own."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def best_of(runs: int, work: Callable[[], object]) -> float:
    """The shortest of `runs` timings of `work()`, in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def neuro(workspace: Path, *args: str) -> subprocess.CompletedProcess:
    """The `neuro` command with `workspace` as its workspace and current directory."""
    return subprocess.run([sys.executable, "-m", "neuro.cli.main", *args], cwd=workspace, capture_output=True, text=True,
                          env={**os.environ, "NEURO_WORKSPACE": str(workspace)})


def timed_run(workspace: Path, experiment: Path) -> tuple[float, str]:
    """Seconds of `neuro run experiment` and its output; a failed run ends the benchmark with its output."""
    started = time.perf_counter()
    done = neuro(workspace, "run", str(experiment))
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"neuro run {experiment.name} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout
