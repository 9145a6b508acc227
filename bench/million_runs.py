"""`neuro plan`, `status` and `ls` of a workspace holding a million runs: time and peak memory.

    python bench/million_runs.py [--done 1000]

Two workspaces of a million runs: one sweep of 1000 x 1000 runs (`max_runs` raised to hold it), and ten
sweeps of 100,000 (the most a file may hold without raising `max_runs`). Each is as `neuro run` leaves
it when stopped after `--done` runs of a sweep had finished: the ledger holds the submissions (the runs
queued by a `neuro run` that has ended) and those runs' events, and their folders exist. Each workspace
is measured twice: with a submission as one ledger line (as `neuro run` writes it now) and as one event
per run (as it wrote before), the reference. Each command runs in a process of its own; its wall time
and peak resident memory are printed.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from timing import measured

TASK = '''
from dataclasses import dataclass


@dataclass
class Params:
    x: int = 0
    y: int = 0


def train(p: Params, ctx) -> dict:
    return {"score": float(p.x * p.y)}
'''


def measure(workspace: Path, *args: str) -> tuple[float, float, str]:
    """Seconds and peak MB of `neuro ARGS`, and its last line."""
    code, seconds, peak, printed, errors = measured(workspace, list(args))
    if code != 0:
        sys.exit(f"neuro {' '.join(args)} failed:\n{printed}\n{errors}")
    return seconds, peak, printed.strip().splitlines()[-1]


def build(workspace: Path, side: int, done: int, batched: bool, name: str = "million", other: int | None = None) -> Path:
    """An experiment of side x `other or side` runs in the workspace: its file, its ledger events as
    described, and its finished runs' folders."""
    from neuro.utils.experiment.spec import load_spec
    from neuro.utils.sweeps.ledger import Ledger
    from neuro.utils.sweeps.sweep import Sweep
    from neuro.utils.sweeps.workspace import Workspace
    (workspace / "task.py").write_text(TASK)
    xs, ys = ", ".join(str(i) for i in range(side)), ", ".join(str(i) for i in range(other or side))
    exp = workspace / f"{name}.yaml"
    exp.write_text(f"name: {name}\ntask: task.py:train\ngrid: {{x: [{xs}], y: [{ys}]}}\n"
                   f"max_runs: {max(side * (other or side), 100_000)}\n")
    os.chdir(workspace)
    sweep = Sweep.build(load_spec(exp), Workspace(workspace))
    sweep.freeze()                               # as `neuro run` does before its first run
    ledger = Ledger(workspace / "training_data" / "ledger.jsonl")
    gone = {"runner": 1, "runner_start": 1.0, "pid": 1, "pid_start": 1.0}     # a `neuro run` that has ended
    if batched:
        ledger.append(sweep.batch_event(sweep.runs, "queued", **gone))
    else:
        for start in range(0, len(sweep.runs), 100_000):
            ledger.append_many([sweep.event(run, "queued", **gone) for run in sweep.runs[start:start + 100_000]])
    for run in sweep.runs[:done]:
        run_dir = sweep.run_dir(run)
        run_dir.mkdir(parents=True)
        metrics = {"score": float(run.params["x"] * run.params["y"])}
        status = {"key": run.key, "name": run.name, "state": "done", "updated": time.time()}
        (run_dir / "status.json").write_text(json.dumps(status))
        (run_dir / "result.json").write_text(json.dumps({"key": run.key, "metrics": metrics}))
        ledger.append_many([sweep.event(run, "running", started=time.time(), **gone),
                            sweep.event(run, "done", duration_s=0.1, metrics=metrics, **gone)])
    return exp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--done", type=int, default=1000)
    args = parser.parse_args()
    layouts = {"one sweep of 1,000,000 runs": [(1000, 1000)], "ten sweeps of 100,000 runs": [(400, 250)] * 10}
    for layout, sweeps in layouts.items():
        print(f"\n{layout}, {args.done:,} done, the rest queued by a `neuro run` that has ended:")
        for batched in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                workspace = Path(tmp)
                started = time.perf_counter()
                files = [build(workspace, side, args.done, batched, f"sweep{i}", other)
                         for i, (side, other) in enumerate(sweeps)]
                size = (workspace / "training_data" / "ledger.jsonl").stat().st_size / 2**20
                label = "one line per submission (now)" if batched else "one event per run (reference)"
                print(f"  {label}: ledger {size:.1f} MB, built in {time.perf_counter() - started:.0f} s")
                for command in (["status", str(files[0])], ["ls"], ["plan", str(files[0])]):
                    seconds, peak, last = measure(workspace, *command)
                    print(f"    neuro {command[0]:<7} {seconds:6.1f} s  {peak:7.0f} MB peak   {last[:60]}")


if __name__ == "__main__":
    main()
