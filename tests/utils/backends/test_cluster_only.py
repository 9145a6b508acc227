"""What only clusters do: requeue after preemption, splitting large sweeps, frozen code and commits."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import EVERY_EPOCH, RESUMED, ledger_events, neuro, toy_experiment


def _status(run_dir: Path) -> dict:
    try:
        return json.loads((run_dir / "status.json").read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _wait(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def _runs_on_slurm(slurm, tmp_path: Path, monkeypatch) -> dict[str, tuple[Path, str]]:
    """Submit two 10-epoch runs and wait until both have checkpointed a few epochs: each one's directory
    and job id, by name."""
    for key, value in slurm.env.items():
        monkeypatch.setenv(key, value)
    exp = toy_experiment(tmp_path, grid="x: [1.0, 2.0]", repetitions=1, params="{epochs: 10, sleep_s: 0.5}",
                         extra=EVERY_EPOCH)
    assert neuro("run", str(exp), "--backend", "slurm", cwd=tmp_path).returncode == 0
    dirs = {name: tmp_path / "training_data" / "tasks" / "toy" / name for name in ("x=1.0__rep0", "x=2.0__rep0")}
    _wait(lambda: all(_status(d).get("state") == "running" and _status(d).get("step", -1) >= 2 for d in dirs.values()))
    return {name: (d, _status(d)["job_id"]) for name, d in dirs.items()}


def _events_of(workspace: Path, name: str) -> list[dict]:
    return [e for e in ledger_events(workspace) if e["run"] == name]


@pytest.mark.xdist_group("slurm")
def test_requeue_and_the_preemption_signal_resume_runs_from_their_checkpoints(slurm, tmp_path: Path, monkeypatch) -> None:
    """`scontrol requeue` ends one run's job (the run is interrupted, then resumes); Slurm's warning
    signal (USR2, sent before a time limit or a preemption) reaches submitit in the other, which calls the
    run's checkpoint() and requeues it. Both resume from their last checkpoint."""
    runs = _runs_on_slurm(slurm, tmp_path, monkeypatch)
    (requeued, requeued_job), (preempted, preempted_job) = runs["x=1.0__rep0"], runs["x=2.0__rep0"]
    subprocess.run(["scontrol", "requeue", requeued_job], check=True, env={**os.environ, **slurm.env})
    subprocess.run(["scancel", "--signal=USR2", preempted_job], check=True, env={**os.environ, **slurm.env})
    _wait(lambda: _status(requeued).get("state") == "done" and _status(preempted).get("state") == "done")
    for run_dir in (requeued, preempted):
        events = _events_of(tmp_path, run_dir.name)
        assert [e["state"] for e in events] == ["queued", "running", "interrupted", "running", "done"]
        assert RESUMED.search((run_dir / "stdout.log").read_text())
        assert events[-1]["metrics"]["epochs_run"] < 10
    assert "terminated by Slurm" in _events_of(tmp_path, requeued.name)[2]["error"]
    assert _events_of(tmp_path, preempted.name)[2]["error"] == "preempted or timed out: requeued"


def test_large_sweeps_are_split_into_several_arrays(cluster: str, tmp_path: Path) -> None:
    section = "slurm" if cluster == "slurm" else "qsub"
    exp = toy_experiment(tmp_path, grid="x: [1.0, 2.0, 3.0]", repetitions=1, params="{epochs: 1}",
                         extra=f"{section}: {{max_array_size: 2}}\n")
    result = neuro("run", str(exp), "--backend", cluster, "--wait", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    queued = [e for e in ledger_events(tmp_path) if e["state"] == "queued"]
    arrays = {e["array_job"] for e in queued}
    assert len(arrays) == 2 and len(queued) == 3
    assert "finished: 3 done" in result.stdout
    # jobs import neuro from the frozen copy of the code, not from the working tree
    log = (tmp_path / "training_data" / "tasks" / "toy" / "x=1.0__rep0" / "stdout.log").read_text()
    assert f"neuro code from {tmp_path / 'training_data' / '.code'}" in log


def test_runs_in_flight_are_not_submitted_twice(cluster: str, tmp_path: Path) -> None:
    exp = toy_experiment(tmp_path, grid="x: [1.0]", repetitions=1, params="{epochs: 40, sleep_s: 0.5}")
    assert neuro("run", str(exp), "--backend", cluster, cwd=tmp_path).returncode == 0
    run_dir = tmp_path / "training_data" / "tasks" / "toy" / "x=1.0__rep0"
    _wait(lambda: _status(run_dir).get("state") == "running")
    running = ledger_events(tmp_path)[-1]
    assert running["backend"] == cluster and running["array_job"] == ledger_events(tmp_path)[0]["array_job"]
    again = neuro("run", str(exp), "--backend", cluster, cwd=tmp_path)
    assert "1 run: 0 done, 1 queued or running already (another `neuro run` or a cluster job), 0 to run" in again.stdout
    assert [e["state"] for e in ledger_events(tmp_path)] == ["queued", "running"]
    status = neuro("status", str(exp), cwd=tmp_path).stdout
    assert "running" in status and running["job_id"] in status
    assert "cancelled 1 run (1 " + cluster + ")" in neuro("cancel", str(exp), cwd=tmp_path).stdout
    assert ledger_events(tmp_path)[-1]["state"] == "cancelled"


@pytest.mark.xdist_group("slurm")
def test_the_warning_signal_writes_the_checkpoint_a_throttled_run_would_skip(slurm, tmp_path: Path, monkeypatch) -> None:
    """With checkpoints written now and then (outputs.checkpoint_s 60), USR2 lets the run reach its next
    epoch and write that checkpoint before submitit requeues it: the requeued run resumes from it."""
    for key, value in slurm.env.items():
        monkeypatch.setenv(key, value)
    exp = toy_experiment(tmp_path, grid="x: [1.0]", repetitions=1, params="{epochs: 16, sleep_s: 0.5}")
    assert neuro("run", str(exp), "--backend", "slurm", cwd=tmp_path).returncode == 0
    run_dir = tmp_path / "training_data" / "tasks" / "toy" / "x=1.0__rep0"
    _wait(lambda: (run_dir / "stdout.log").exists() and "run x=1.0__rep0" in (run_dir / "stdout.log").read_text())
    time.sleep(2.5)                                  # the task has started: a few epochs, none checkpointed yet
    assert not (run_dir / "checkpoints" / "last.pt").exists()
    job = _status(run_dir)["job_id"]
    subprocess.run(["scancel", "--signal=USR2", job], check=True, env={**os.environ, **slurm.env})
    _wait(lambda: _status(run_dir).get("state") == "done")
    events = ledger_events(tmp_path)
    assert [e["state"] for e in events] == ["queued", "running", "interrupted", "running", "done"]
    log = (run_dir / "stdout.log").read_text()
    epoch = int(log.split("resumed from checkpoint last.pt (epoch ")[1].split(")")[0])
    assert 2 <= epoch < 15
    assert json.loads((run_dir / "result.json").read_text())["metrics"]["epochs_run"] == 15 - epoch


def test_a_project_path_with_spaces_quotes_and_substitutions(cluster: str, tmp_path: Path) -> None:
    workspace = tmp_path / "my lab's $(touch pwned) `x` project"
    workspace.mkdir()
    exp = toy_experiment(workspace, grid="x: [1.0, 2.0]", repetitions=1, params="{epochs: 1}")
    result = neuro("run", str(exp), "--backend", cluster, "--wait", cwd=workspace)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [e["state"] for e in ledger_events(workspace)][-1] == "done"
    assert len([e for e in ledger_events(workspace) if e["state"] == "done"]) == 2
    assert not list(tmp_path.rglob("pwned")) and not (Path.cwd() / "pwned").exists()
