"""One suite every backend passes: local, and Slurm and Grid Engine daemons running on this machine.

The same quickstart-size sweep ends with the same metrics everywhere (same seeds, CPU; two runs to an
array task on the schedulers); a failing run
is isolated; submitting again skips done runs; cancel stops queued and running runs.
"""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import ROOT, ledger_events, neuro, neuro_popen, toy_experiment
from tests.utils.backends.conftest import run_args

QUICKSTART = str(ROOT / "configs" / "quickstart.yaml")
SMALL = [f"--set=params.{key}={value}" for key, value in dict(
    epochs=2, train_batches=3, val_batches=1, test_batches=2, batch_size=32, min_epochs=1,
    anf_per_ear=40, duration_steps=50).items()] + ["--set=grid.ie_ratio=[0.0,0.5]"]   # 2 points x 2 seeds


def _metrics(workspace: Path) -> dict[str, dict]:
    return {e["run"]: e["metrics"] for e in ledger_events(workspace) if e["state"] == "done"}


def _latest(workspace: Path) -> dict[str, dict]:
    return {e["run"]: e for e in ledger_events(workspace)}


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory) -> dict[str, dict]:
    workspace = tmp_path_factory.mktemp("reference")
    result = neuro("run", QUICKSTART, *SMALL, cwd=workspace)
    assert result.returncode == 0, result.stderr
    return _metrics(workspace)


def test_quickstart_sweep_ends_done_with_the_local_metrics(backend: str, tmp_path: Path, local_reference) -> None:
    packed = [f"--set={'slurm' if backend == 'slurm' else 'qsub'}.runs_per_task=2"] if backend != "local" else []
    result = neuro("run", QUICKSTART, *SMALL, *packed, *run_args(backend), cwd=tmp_path)   # 2 tasks of 2 runs
    assert result.returncode == 0, result.stdout + result.stderr
    assert "finished: 4 done" in result.stdout
    metrics = _metrics(tmp_path)
    assert len(metrics) == 4 and metrics == local_reference
    status = neuro("status", QUICKSTART, *SMALL, cwd=tmp_path).stdout
    assert "quickstart/quickstart: 4 runs: 4 done" in status


def test_a_failing_run_is_isolated(backend: str, tmp_path: Path) -> None:
    exp = toy_experiment(tmp_path, grid="fail: [none, exception]", repetitions=1)
    result = neuro("run", str(exp), *run_args(backend), cwd=tmp_path)
    assert result.returncode == 1
    latest = _latest(tmp_path)
    assert latest["fail=none__rep0"]["state"] == "done"
    assert latest["fail=exception__rep0"]["state"] == "failed"
    assert "ValueError: boom" in latest["fail=exception__rep0"]["error"]


def test_submitting_again_skips_done_runs(backend: str, tmp_path: Path) -> None:
    exp = toy_experiment(tmp_path, grid="x: [1.0, 2.0]", repetitions=1)
    assert neuro("run", str(exp), *run_args(backend), cwd=tmp_path).returncode == 0
    events = len(ledger_events(tmp_path))
    again = neuro("run", str(exp), *run_args(backend), cwd=tmp_path)
    assert "2 runs: 2 done, 0 to run" in again.stdout and "submitted" not in again.stdout
    assert len(ledger_events(tmp_path)) == events


def test_cancel_stops_queued_and_running_runs(backend: str, tmp_path: Path) -> None:
    exp = toy_experiment(tmp_path, grid="x: [1.0, 2.0, 3.0]", repetitions=1, params="{epochs: 60, sleep_s: 0.5}")
    args = ["--backend", backend, "--set", "params.sleep_s=0.4"]
    runner = neuro_popen("run", str(exp), *args, cwd=tmp_path)
    if backend != "local":
        runner.communicate(timeout=60)
    deadline = time.monotonic() + 90
    while not _started(tmp_path):
        assert time.monotonic() < deadline, "no run started"
        time.sleep(0.5)
    cancelled = neuro("cancel", str(exp), "--set", "params.sleep_s=0.4", cwd=tmp_path)
    assert cancelled.returncode == 0, cancelled.stderr
    assert "cancelled 3 runs" in cancelled.stdout
    backend_option = f" --backend {backend}" if backend != "local" else ""       # the hint repeats the options
    assert f"`neuro run {exp} --set params.sleep_s=0.4{backend_option}` resubmits" in cancelled.stdout
    if backend == "local":
        runner.communicate(timeout=60)
        assert runner.returncode == 130
    assert Counter(e["state"] for e in _latest(tmp_path).values()) == {"cancelled": 3}
    time.sleep(2)  # nothing of the sweep may still be running and writing
    assert Counter(e["state"] for e in _latest(tmp_path).values()) == {"cancelled": 3}
    again = neuro("plan", str(exp), "--set", "params.sleep_s=0.4", cwd=tmp_path)
    rows = [line for line in again.stdout.splitlines() if line.startswith(("0 ", "1 ", "2 "))]
    assert [row.split()[4] for row in rows] == ["cancelled"] * 3 and "states: 3 cancelled" in again.stdout


def _started(workspace: Path) -> bool:
    ledger = workspace / "training_data" / "ledger.jsonl"
    return ledger.exists() and any(e["state"] == "running" for e in ledger_events(workspace))


def test_a_search_submits_each_trial_as_a_slot_frees_and_finds_the_optimum(cluster: str, tmp_path: Path) -> None:
    """Five trials, two at a time, each its own array; without --wait a search submits one round and
    a later `neuro run` continues it (the local pool's search: tests/test_search.py)."""
    from tests.utils.search.test_search import done_per_key, search_file, study_of
    path = search_file(tmp_path, method="random", trials=5, parallel=2,
                       space="x: {uniform: [0.5, 2.0]}\nlr: {log_uniform: [3.0e-4, 3.0e-3]}")
    first = neuro("run", str(path), "--backend", cluster, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("submitted 1 run") == 2 and "--wait keeps it going" in first.stdout
    result = neuro("run", str(path), *run_args(cluster), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 of 5 trials: 5 complete" in result.stdout
    study = study_of(tmp_path)
    assert 1 - study.best_value < 0.1 and abs(study.best_params["x"] - 1.3) < 0.3
    done = done_per_key(tmp_path)
    assert len(done) == 5 and set(done.values()) == {1}
    queued = [e for e in ledger_events(tmp_path) if e.get("state") == "queued"]
    assert len({e["array_job"] for e in queued}) == 5 and all(e["backend"] == cluster for e in queued)
