"""kill -9, Ctrl-C and two concurrent `neuro run`s on one sweep: nothing lost, nothing run twice."""
from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from pathlib import Path

from tests.conftest import EVERY_EPOCH, RESUMED, ledger_events, neuro, neuro_popen, toy_experiment

SLOW = "epochs: 6, sleep_s: 0.4"


def _wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _checkpointed_runs(workspace: Path, folder: str = "tasks") -> list[str]:
    """Runs in progress with at least two epochs checkpointed."""
    out = []
    for status in (workspace / "training_data").glob(f"{folder}/*/*/status.json"):
        data = json.loads(status.read_text())
        if data["state"] == "running" and data.get("step", -1) >= 1:
            out.append(data["name"])
    return out


def test_kill_9_then_run_again_resumes_from_checkpoints(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0, 2.0]", params=f"{{{SLOW}}}", extra=EVERY_EPOCH)
    process = neuro_popen("run", str(exp), cwd=workspace)
    _wait_for(lambda: len(_checkpointed_runs(workspace)) == 2)
    interrupted = _checkpointed_runs(workspace)
    process.send_signal(signal.SIGKILL)
    process.wait()

    again = neuro("run", str(exp), cwd=workspace)
    assert again.returncode == 0, again.stderr
    assert "(2 resuming)" in again.stdout
    events = ledger_events(workspace)  # every line parses
    latest = {e["run"]: e for e in events}
    assert {e["state"] for e in latest.values()} == {"done"}
    for name in interrupted:
        log = (workspace / "training_data" / "tasks" / "toy" / name / "stdout.log").read_text()
        assert RESUMED.search(log)
        assert latest[name]["metrics"]["epochs_run"] < 6
        lost = [e for e in events if e["run"] == name and e["state"] == "interrupted"]
        assert len(lost) == 1 and lost[0]["error"].startswith("lost")


def test_ctrl_c_marks_runs_interrupted_and_they_resume(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", params=f"{{{SLOW}}}", extra=EVERY_EPOCH)
    process = neuro_popen("run", str(exp), cwd=workspace)
    _wait_for(lambda: len(_checkpointed_runs(workspace)) == 2)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    latest = {e["run"]: e for e in ledger_events(workspace)}
    assert [e["state"] for e in latest.values()] == ["interrupted", "interrupted"]
    again = neuro("run", str(exp), cwd=workspace)
    assert "2 to run (2 resuming)" in again.stdout
    ended = {e["run"]: e for e in ledger_events(workspace)}
    assert {e["state"] for e in ended.values()} == {"done"}
    for name, first_leg in latest.items():       # a resumed run's duration is the sum of its legs
        second_leg = ended[name]["time"] - ended[name]["started"]      # to the event's stamp, a little after
        total = first_leg["duration_s"] + second_leg
        assert total - 0.3 <= ended[name]["duration_s"] <= total + 0.01
        assert first_leg["duration_s"] > 0.5


def test_cancel_stops_a_runner_started_as_a_background_job(workspace: Path) -> None:
    """`neuro run x.yaml &` in a script starts with SIGINT ignored; `neuro cancel` must still stop it."""
    exp = toy_experiment(workspace, grid="x: [1.0]", params="{epochs: 60, sleep_s: 0.5}", extra=EVERY_EPOCH)
    process = neuro_popen("run", str(exp), cwd=workspace, ignore_sigint=True)
    _wait_for(lambda: len(_checkpointed_runs(workspace)) == 2)
    cancelled = neuro("cancel", str(exp), cwd=workspace)
    assert "cancelled 2 runs" in cancelled.stdout
    process.communicate(timeout=60)
    assert process.returncode == 130
    assert {e["state"] for e in {e["run"]: e for e in ledger_events(workspace)}.values()} == {"cancelled"}


def test_two_concurrent_runs_never_run_the_same_run_twice(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0, 2.0, 3.0, 4.0]", params="{epochs: 2, sleep_s: 0.3}")
    first = neuro_popen("run", str(exp), "--workers", "1", cwd=workspace)
    second = neuro_popen("run", str(exp), "--workers", "1", cwd=workspace)
    for process in (first, second):
        process.communicate(timeout=120)
        assert process.returncode == 0
    events = ledger_events(workspace)
    started = Counter(e["run"] for e in events if e["state"] == "running")
    assert len(started) == 8 and set(started.values()) == {1}
    assert Counter(e["state"] for e in {e["run"]: e for e in events}.values()) == {"done": 8}
