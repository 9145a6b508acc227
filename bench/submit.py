"""Cluster submission and status at scale, against a real Slurm started on this machine (root needed).

    python bench/submit.py [--runs 1000] [--status-runs 10000]

Prints: `neuro plan` and `neuro run --backend slurm` of a RUNS-run sweep (one job array), `neuro status`
of it, and `neuro status` of a STATUS_RUNS-run experiment whose ledger holds a finished sweep's events.
Targets: submission under 5 s; status of 10,000 runs under 1 s.
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


def neuro(*args: str, workspace: Path, env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "neuro.cli.main", *args], cwd=workspace, capture_output=True, text=True,
                          env={**os.environ, **env, "NEURO_WORKSPACE": str(workspace)})
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"neuro {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


def experiment(workspace: Path, name: str, runs: int) -> Path:
    """RUNS runs as a sweep is written: 4 repetitions of a grid of two parameters."""
    points = runs // 4
    path = workspace / f"{name}.yaml"
    path.write_text(f"name: {name}\ntask: {ROOT / 'tests/tasks/toy.py'}:instant\nrepetitions: 4\n"
                    f"grid: {{i: {list(range(points // 10))}, j: {list(range(10))}}}\n"
                    f"slurm: {{max_array_size: {max(runs, 1000)}}}\n")
    return path


def fill_ledger(workspace: Path, exp: Path) -> None:
    """The events a finished sweep leaves: queued, running and done for every run."""
    from neuro.utils.experiment.spec import load_spec
    from neuro.utils.sweeps.sweep import Sweep
    from neuro.utils.sweeps.workspace import Workspace
    sweep = Sweep.build(load_spec(exp), Workspace(workspace))
    base = {"experiment": sweep.spec.id, "backend": "slurm", "array_job": "1"}
    events = [{**base, "key": r.key, "run": r.name, "state": state, "job_id": f"1_{r.index}",
               **({"metrics": {"value": float(r.index)}, "duration_s": 1.0} if state == "done" else {})}
              for r in sweep.runs for state in ("queued", "running", "done")]
    sweep.ledger.append_many(events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--status-runs", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="neuro-bench-") as tmp:
        workspace = Path(tmp)
        workspace.chmod(0o755)
        try:
            slurm = start_slurm(workspace / "slurm")
        except Unavailable as reason:
            sys.exit(f"cannot start Slurm here: {reason}")
        try:
            exp = experiment(workspace, "submit", args.runs)
            plan_s, _ = neuro("plan", str(exp), "--backend", "slurm", workspace=workspace, env=slurm.env)
            submit_s, out = neuro("run", str(exp), "--backend", "slurm", workspace=workspace, env=slurm.env)
            status_s, status = neuro("status", str(exp), workspace=workspace, env=slurm.env)
            subprocess.run(["scancel", "-u", str(os.getuid())], env={**os.environ, **slurm.env})
            big = experiment(workspace, "big", args.status_runs)
            fill_ledger(workspace, big)
            big_s, big_out = neuro("status", str(big), workspace=workspace, env=slurm.env)
        finally:
            slurm.stop()
    print(f"Slurm {args.runs}-run sweep ({out.splitlines()[-2].split(': ', 1)[-1]}):")
    print(f"  neuro plan --backend slurm   {plan_s:6.2f} s")
    print(f"  neuro run --backend slurm    {submit_s:6.2f} s (target < 5)")
    print(f"  neuro status                 {status_s:6.2f} s  [{status.splitlines()[-1]}]")
    print(f"neuro status of {args.status_runs} runs   {big_s:6.2f} s (target < 1)  [{big_out.splitlines()[-1]}]")


if __name__ == "__main__":
    main()
