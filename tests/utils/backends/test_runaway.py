"""Runs that misbehave fail alone and leave nothing behind: a task's own KeyboardInterrupt, a child that
outlives its task, memory past resources.mem_gb, a flood of output; and what a sweep keeps of earlier
attempts and how it names runs."""
from __future__ import annotations

import json
import textwrap
from collections import Counter
from pathlib import Path

import psutil

from tests.conftest import ledger_events, neuro, toy_experiment, write_experiment

TASK = '''
import os
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass
class Params:
    what: str = "ok"
    lines: int = 0


def train(p: Params, ctx) -> dict:
    if p.what == "interrupt":
        raise KeyboardInterrupt
    if p.what == "child":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
        (ctx.run_dir / "child.pid").write_text(str(child.pid))
    if p.what == "memory":
        block = bytearray(900 * 2**20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(30)
    for i in range(p.lines):
        os.write(1, b"line %08d " % i + b"x" * 90 + b"\\n")
    if p.lines:
        print("the last line", flush=True)
    return {"score": 1.0}
'''


def _sweep(workspace: Path, grid: str, extra: str = "") -> Path:
    (workspace / "task.py").write_text(textwrap.dedent(TASK))
    return write_experiment(workspace, f"name: exp\ntask: task.py:train\ngrid: {{{grid}}}\n{extra}")


def _states(workspace: Path) -> dict[str, str]:
    return {e["run"]: e["state"] for e in ledger_events(workspace) if "state" in e}


def _run_dir(workspace: Path, name: str) -> Path:
    return workspace / "training_data" / workspace.name / "exp" / name


def test_a_task_raising_keyboard_interrupt_fails_alone(workspace: Path) -> None:
    exp = _sweep(workspace, "what: [ok, interrupt, ok2]")
    result = neuro("run", str(exp), "--workers", "1", cwd=workspace)
    assert result.returncode == 1 and "finished: 2 done, 1 failed" in result.stdout
    assert _states(workspace) == {"what=ok__rep0": "done", "what=interrupt__rep0": "failed", "what=ok2__rep0": "done"}
    error = next(e["error"] for e in ledger_events(workspace) if e.get("state") == "failed")
    assert error.endswith("the task raised KeyboardInterrupt itself (no signal stopped it)")


def test_a_child_that_outlives_its_task_ends_before_the_run_is_recorded(workspace: Path) -> None:
    exp = _sweep(workspace, "what: [child]")
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    run_dir = _run_dir(workspace, "what=child__rep0")
    pid = int((run_dir / "child.pid").read_text())
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    stderr = (run_dir / "stderr.log").read_text()
    assert f"neuro: ended 1 process(es) the task left running: {pid} (" in stderr and "time.sleep(600)" in stderr
    assert _states(workspace) == {"what=child__rep0": "done"}


def test_a_run_past_its_memory_is_stopped_and_failed_alone(workspace: Path) -> None:
    exp = _sweep(workspace, "what: [memory, ok]", "resources: {mem_gb: 0.6}\n")
    result = neuro("run", str(exp), cwd=workspace)
    assert result.returncode == 1
    failed = next(e for e in ledger_events(workspace) if e.get("state") == "failed")
    assert failed["run"] == "what=memory__rep0" and failed["duration_s"] < 25
    last = failed["error"].splitlines()[-1]
    assert last.startswith("stopped: used ") and last.endswith(" GB; resources.mem_gb is 0.6")
    assert 0.6 < float(last.split()[2]) < 2.0
    assert _states(workspace)["what=ok__rep0"] == "done"


def test_workers_are_capped_by_the_machine_with_a_note(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0, 2.0, 3.0]", repetitions=1)
    result = neuro("run", str(exp), "--workers", "1000", cwd=workspace)
    assert result.returncode == 0
    cores = psutil.cpu_count()
    assert f"note: {cores} worker{'s' * (cores != 1)}, not 1000: this machine has {cores} cores" in result.stderr
    assert f"running on {min(cores, 3)} local worker" in result.stdout
    huge = toy_experiment(workspace, name="huge", grid="x: [1.0]", repetitions=1, extra="resources: {mem_gb: 100000}\n")
    capped = neuro("run", str(huge), "--workers", "2", cwd=workspace)
    assert "note: 1 worker, not 2: its " in capped.stderr and "resources.mem_gb 100000" in capped.stderr


def test_a_flood_of_output_keeps_its_head_and_tail(workspace: Path) -> None:
    exp = _sweep(workspace, "what: [flood]", "params: {lines: 40000}\noutputs: {log_mb: 1}\n")
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    log = (_run_dir(workspace, "what=flood__rep0") / "stdout.log").read_bytes()
    assert 2**20 * 0.7 < len(log) < 2**20 * 1.05                   # 4 MB printed, 1 MB kept
    assert b"line 00000000 " in log and log.rstrip().endswith(b"the last line")
    marker = next(line for line in log.splitlines() if line.startswith(b"[neuro: "))
    dropped = int(marker.split()[1].replace(b",", b""))
    kept_lines = log.count(b"line 0")
    assert dropped > 2 * 2**20 and b"bytes of output dropped here" in marker
    assert kept_lines < 40000 and not list(_run_dir(workspace, "what=flood__rep0").glob(".stdout.log.tail*"))


def test_rerun_all_moves_the_earlier_files_aside(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1)
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    run_dir = workspace / "training_data" / "tasks" / "toy" / "x=1.0__rep0"
    first = json.loads((run_dir / "result.json").read_text())
    assert neuro("run", str(exp), "--rerun", "all", cwd=workspace).returncode == 0
    kept = list((workspace / "training_data" / "tasks" / "toy" / ".superseded").iterdir())
    assert len(kept) == 1 and kept[0].name.startswith(first["key"] + ".")
    assert json.loads((kept[0] / "result.json").read_text()) == first
    assert (kept[0] / "stdout.log").exists() and (kept[0] / "checkpoints" / "last.pt").exists()
    assert json.loads((run_dir / "result.json").read_text())["key"] == first["key"]
    moved = [e for e in ledger_events(workspace) if e.get("files") == "replaced"]
    assert [e["path"] for e in moved] == [f".superseded/{kept[0].name}"]
    assert "1 done, 0 to run" in neuro("run", str(exp), cwd=workspace).stdout


def test_values_a_run_name_cannot_hold_still_give_each_run_its_own_name(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid='label: ["é", "ü", "a b", "a-b"]', repetitions=1)
    plan = neuro("plan", str(exp), cwd=workspace).stdout
    names = [line.split()[1] for line in plan.splitlines() if line[:1].isdigit()]
    assert len(set(names)) == 4 and "label=a-b__rep0" in names and all(n.startswith("label=") for n in names)
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    assert len(list((workspace / "training_data" / "tasks" / "toy").glob("label=*"))) == 4
    again = neuro("run", str(exp), cwd=workspace)
    assert "4 done, 0 to run" in again.stdout
    reordered = toy_experiment(workspace, grid='label: ["ü", "é"]', repetitions=1)    # names do not depend on order
    assert "2 done, 0 to run" in neuro("run", str(reordered), cwd=workspace).stdout
    folder = workspace / "training_data" / "tasks" / "toy"
    new = next(folder.glob("label=-__h*__rep0"))
    new.rename(folder / "label=-__rep0")              # as earlier versions named it
    assert "2 done, 0 to run" in neuro("run", str(reordered), cwd=workspace).stdout
    assert new.is_dir() and not (folder / "label=-__rep0").exists()


def test_runs_not_run_by_this_command_make_it_exit_1() -> None:
    from neuro.cli.run import _not_run_here
    assert _not_run_here(Counter({"done": 3}), Path("x.yaml")) is False
    assert _not_run_here(Counter({"done": 1, "not started": 2}), Path("x.yaml")) is True
    assert _not_run_here(Counter({"ended elsewhere": 1}), Path("x.yaml")) is True
    assert _not_run_here(None, Path("x.yaml")) is False
