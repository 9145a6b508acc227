"""The ledger is an index, the run folders are the truth: a ledger deleted, truncated or garbled hides no
finished run; `neuro doctor` checks and repairs a workspace; a corrupt checkpoint is set aside."""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from tests.conftest import EVERY_EPOCH, ledger_events, neuro, neuro_popen, toy_experiment
from tests.utils.backends.test_reliability import _checkpointed_runs, _wait_for


def _finished(workspace: Path) -> Path:
    exp = toy_experiment(workspace, grid="x: [1.0, 2.0, 3.0]", repetitions=2)
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    return exp


def _ledger(workspace: Path) -> Path:
    return workspace / "training_data" / "ledger.jsonl"


def test_a_deleted_ledger_is_rebuilt_from_the_run_folders(workspace: Path) -> None:
    exp = _finished(workspace)
    scores = {e["key"]: e["metrics"]["score"] for e in ledger_events(workspace) if e["state"] == "done"}
    _ledger(workspace).unlink()
    status = neuro("status", str(exp), cwd=workspace)
    assert status.returncode == 0 and "tasks/toy: 6 runs: 6 done" in status.stdout
    assert status.stderr.strip() == f"note: {_ledger(workspace)} was missing; rebuilt it from 6 run folders"
    rebuilt = {e["key"]: e["metrics"]["score"] for e in ledger_events(workspace)}
    assert rebuilt == scores
    again = neuro("run", str(exp), cwd=workspace)
    assert again.returncode == 0 and "6 done, 0 to run" in again.stdout and "rebuilt" not in again.stderr
    row = next(line for line in neuro("ls", cwd=workspace).stdout.splitlines() if line.startswith("tasks/toy"))
    assert row.split()[1:3] == ["6", "6"]


def test_a_truncated_ledger_loses_no_finished_run(workspace: Path) -> None:
    exp = _finished(workspace)
    data = _ledger(workspace).read_bytes()
    _ledger(workspace).write_bytes(data[:len(data) // 3])           # a torn copy: the ends are gone
    assert "6 runs: 6 done" in neuro("status", str(exp), cwd=workspace).stdout
    again = neuro("run", str(exp), cwd=workspace)
    assert again.returncode == 0, again.stdout
    assert "ended in their folders unknown to the ledger (now recorded), 6 done, 0 to run" in again.stdout
    assert "ended elsewhere" not in again.stdout
    assert {e["state"] for e in {e["key"]: e for e in ledger_events(workspace)}.values()} == {"done"}
    third = neuro("run", str(exp), cwd=workspace)
    assert "unknown to the ledger" not in third.stdout and "6 done, 0 to run" in third.stdout


def test_a_garbled_ledger_is_kept_aside_and_rebuilt(workspace: Path) -> None:
    exp = _finished(workspace)
    garbage = os.urandom(4096).replace(b"\n", b"\0")
    _ledger(workspace).write_bytes(garbage)
    result = neuro("results", str(exp), cwd=workspace)
    assert result.returncode == 0 and "unreadable; rebuilt it from 6 run folders" in result.stderr
    kept = list(_ledger(workspace).parent.glob("ledger.jsonl.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == garbage       # moved aside, not deleted
    assert "2.0  0.05 ± 0.071 (2)" in result.stdout


def test_doctor_repairs_what_it_can_and_reports_the_rest(workspace: Path) -> None:
    exp = _finished(workspace)
    healthy = neuro("doctor", cwd=workspace)
    assert healthy.returncode == 0 and "healthy" in healthy.stdout
    first_lines = _ledger(workspace).read_text().splitlines()[:3]
    assert neuro("run", str(exp), "--set", "params.epochs=4", cwd=workspace).returncode == 0   # 6 runs superseded
    _ledger(workspace).write_text("\n".join(first_lines) + "\n")                            # their ends lost
    run_dir = workspace / "training_data" / "tasks" / "toy" / "x=1.0__rep0"
    half = run_dir / ".status.json.k2j4h5g6"                     # what a killed write_atomic leaves
    half.write_text("{")
    os.utime(half, (time.time() - 3600, time.time() - 3600))
    report = neuro("doctor", str(exp), cwd=workspace)
    assert report.returncode == 0, report.stderr
    assert "repaired: recorded 6 run(s) that ended in their folders unknown to the ledger" in report.stdout
    assert "repaired: removed 1 half-written temporary file(s)" in report.stdout and not half.exists()
    assert "found: 6 run folder(s) superseded by changed runs" in report.stdout
    assert "6 runs: 6 done" in neuro("status", str(exp), "--set", "params.epochs=4", cwd=workspace).stdout
    assert "repaired" not in neuro("doctor", str(exp), cwd=workspace).stdout


def test_doctor_releases_runs_held_by_a_process_that_has_gone(workspace: Path) -> None:
    exp = _finished(workspace)
    last = ledger_events(workspace)[-1]
    with _ledger(workspace).open("a") as ledger:
        ledger.write(json.dumps({**last, "state": "running", "pid": 999999, "pid_start": 1.0, "runner": 999999,
                                 "runner_start": 1.0, "time": time.time() + 1}) + "\n")
    assert "1 lost" in neuro("status", str(exp), cwd=workspace).stdout
    report = neuro("doctor", cwd=workspace)
    assert "repaired: released 1 run(s)" in report.stdout
    assert "1 interrupted" in neuro("status", str(exp), cwd=workspace).stdout


def test_a_corrupt_checkpoint_is_set_aside_and_the_run_resumes_from_the_one_before(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1, params="{epochs: 8, sleep_s: 0.4}",
                         extra=EVERY_EPOCH)
    runner = neuro_popen("run", str(exp), cwd=workspace)
    _wait_for(lambda: len(_checkpointed_runs(workspace)) == 1)
    run_dir = workspace / "training_data" / "tasks" / "toy" / "x=1.0__rep0"
    _wait_for(lambda: (run_dir / "checkpoints" / "previous.pt").exists())
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    (run_dir / "checkpoints" / "last.pt").write_bytes(b"garbage, not a checkpoint")
    again = neuro("run", str(exp), cwd=workspace)
    assert again.returncode == 0, again.stdout
    log = (run_dir / "stdout.log").read_text()
    assert "last.pt is unreadable (UnpicklingError: pickle data was truncated)" in log
    assert "set aside as last.pt.corrupt" in log
    assert "resumed from checkpoint previous.pt (epoch" in log
    assert (run_dir / "checkpoints" / "last.pt.corrupt").read_bytes() == b"garbage, not a checkpoint"
    result = json.loads((run_dir / "result.json").read_text())["metrics"]
    assert 0 < result["epochs_run"] < 8 and result["score"] == -1.0     # -(x-2)^2 at x=1, seed 0
