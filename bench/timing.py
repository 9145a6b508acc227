"""What the benchmarks share: the best of several timings, and `neuro` in a workspace of its own."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
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


def measured(workspace: Path, args: list[str], env: dict[str, str] | None = None) -> tuple[int, float, float, str, str]:
    """`neuro ARGS` in a process of its own: exit code, seconds, peak MB, stdout and stderr. The peak is the
    process's own high-water mark (VmHWM, read until it exits); a child's rusage would also count the
    memory of the process that started it, which it had before exec."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "neuro.cli.main", *args], cwd=workspace, stdout=out,
                                   stderr=err, env=env or {**os.environ, "NEURO_WORKSPACE": str(workspace)})
        peak_kb = 0
        while process.poll() is None:
            peak_kb = max(peak_kb, _high_water_kb(process.pid))
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return process.returncode, seconds, peak_kb / 1024, out.read(), err.read()


def _high_water_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
