"""`neuro plan`, `status` and `ls` of a workspace holding a million runs: time and peak memory.

    python bench/million_runs.py [--side 1000] [--done 1000]

A sweep of side x side runs (1000 x 1000 by default, with `max_runs` raised to hold it) as `neuro run`
leaves it when it was stopped after `--done` runs had finished: the ledger holds the submission (the
runs queued, by a `neuro run` that has ended) and those runs' events, and their folders exist. The same
workspace is measured twice: with the submission as one ledger line (as `neuro run` writes it now) and
as one event per run (as it wrote before), the reference. Each command runs in a process of its own;
its wall time and peak resident memory are printed.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    """Seconds and peak MB of `neuro ARGS` in a process of its own, and its last line."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "neuro.cli.main", *args], cwd=workspace, stdout=out,
                                   stderr=err, env={**os.environ, "NEURO_WORKSPACE": str(workspace)})
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        printed, errors = out.read(), err.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"neuro {' '.join(args)} failed:\n{printed}\n{errors}")
    return elapsed, usage.ru_maxrss / 1024, printed.strip().splitlines()[-1]


def build(workspace: Path, side: int, done: int, batched: bool) -> Path:
    """The workspace: the experiment file, the ledger as described, and the finished runs' folders."""
    from neuro.utils.experiment.spec import load_spec
    from neuro.utils.sweeps.ledger import Ledger
    from neuro.utils.sweeps.sweep import Sweep
    from neuro.utils.sweeps.workspace import Workspace
    (workspace / "task.py").write_text(TASK)
    values = ", ".join(str(i) for i in range(side))
    exp = workspace / "million.yaml"
    exp.write_text(f"name: million\ntask: task.py:train\ngrid: {{x: [{values}], y: [{values}]}}\n"
                   f"max_runs: {side * side}\n")
    os.chdir(workspace)
    sweep = Sweep.build(load_spec(exp), Workspace(workspace))
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
    parser.add_argument("--side", type=int, default=1000)
    parser.add_argument("--done", type=int, default=1000)
    args = parser.parse_args()
    runs = args.side * args.side
    print(f"a sweep of {runs:,} runs, {args.done:,} done, the rest queued by a `neuro run` that has ended:")
    for batched in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            workspace = Path(tmp)
            started = time.perf_counter()
            exp = build(workspace, args.side, args.done, batched)
            size = (workspace / "training_data" / "ledger.jsonl").stat().st_size / 2**20
            label = "one line per submission (now)" if batched else "one event per run (reference)"
            print(f"\n{label}: ledger {size:.1f} MB, built in {time.perf_counter() - started:.0f} s")
            for command in (["status", str(exp)], ["ls"], ["plan", str(exp)]):
                seconds, peak, last = measure(workspace, *command)
                print(f"  neuro {command[0]:<7} {seconds:6.1f} s  {peak:7.0f} MB peak   {last[:70]}")


if __name__ == "__main__":
    main()
