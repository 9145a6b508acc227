"""The local runner end to end: run directories, skipping, resuming, new grid points, failures."""
from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from tests.conftest import ledger_events, neuro, toy_experiment


def test_a_sweep_writes_every_file_and_reruns_nothing(workspace: Path) -> None:
    exp = toy_experiment(workspace)
    first = neuro("run", str(exp), cwd=workspace)
    assert first.returncode == 0, first.stderr
    assert "tasks/toy: 4 runs: 0 done, 4 to run" in first.stdout
    run_dir = workspace / "training_data" / "tasks" / "toy" / "x=1.0__rep1"
    assert {p.name for p in run_dir.iterdir()} >= {"config.yaml", "tb", "checkpoints", "stdout.log", "stderr.log",
                                                  "result.json", "status.json"}
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config["params"] == {"x": 1.0, "epochs": 3, "sleep_s": 0.0, "fail": "none", "label": "a"}
    assert config["seed"] == 1
    result = json.loads((run_dir / "result.json").read_text())
    assert result["metrics"]["score"] == -1.0 + 0.1
    assert json.loads((run_dir / "status.json").read_text())["state"] == "done"
    assert "trained epochs 0..2" in (run_dir / "stdout.log").read_text()
    assert (run_dir / "checkpoints" / "last.pt").stat().st_size > 0
    states = [(e["run"], e["state"]) for e in ledger_events(workspace)]
    assert sorted(states) == sorted([(r, s) for r in ("x=1.0__rep0", "x=1.0__rep1", "x=2.0__rep0", "x=2.0__rep1")
                                     for s in ("queued", "running", "done")])

    again = neuro("run", str(exp), cwd=workspace)
    assert again.returncode == 0
    assert "4 runs: 4 done, 0 to run" in again.stdout
    assert len(ledger_events(workspace)) == 12


def test_new_grid_values_run_only_the_new_points(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1)
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    bigger = toy_experiment(workspace, grid="x: [1.0, 3.0]", repetitions=1)
    result = neuro("run", str(bigger), cwd=workspace)
    assert "2 runs: 1 done, 1 to run" in result.stdout
    ran = [e["run"] for e in ledger_events(workspace) if e["state"] == "running"]
    assert ran == ["x=1.0__rep0", "x=3.0__rep0"]


def test_set_overrides_and_rerun_all_starts_fresh(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1)
    assert neuro("run", str(exp), "--set", "params.epochs=2", cwd=workspace).returncode == 0
    run_dir = workspace / "training_data" / "tasks" / "toy" / "x=1.0__rep0"
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["params"]["epochs"] == 2
    rerun = neuro("run", str(exp), "--set", "params.epochs=2", "--rerun", "all", cwd=workspace)
    assert "1 to run" in rerun.stdout
    assert json.loads((run_dir / "result.json").read_text())["metrics"]["epochs_run"] == 2  # not resumed


def test_a_failing_run_never_takes_the_sweep_down(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="fail: [none, exception, nan, segfault, kill]", repetitions=1)
    result = neuro("run", str(exp), cwd=workspace)
    assert result.returncode == 1
    latest = {e["run"]: e for e in ledger_events(workspace)}
    assert latest["fail=none__rep0"]["state"] == "done"
    errors = {name.split("=")[1].split("__")[0]: e["error"] for name, e in latest.items() if e["state"] == "failed"}
    assert set(errors) == {"exception", "nan", "segfault", "kill"}
    assert "ValueError: boom: the model exploded" in errors["exception"]
    assert "'score' is nan" in errors["nan"]
    assert "SIGSEGV: segmentation fault" in errors["segfault"].splitlines()[-1]
    assert "in train" in errors["segfault"]  # the faulthandler traceback from stderr.log
    assert "SIGKILL" in errors["kill"] and "out of memory" in errors["kill"]
    status = neuro("status", str(exp), cwd=workspace)
    assert "1 done, 4 failed" in status.stdout
    assert "boom: the model exploded" in status.stdout
    exception_dir = workspace / "training_data" / "tasks" / "toy" / "fail=exception__rep0"
    assert "Traceback" in (exception_dir / "stderr.log").read_text()
    assert json.loads((exception_dir / "status.json").read_text())["state"] == "failed"

    skipped = neuro("run", str(exp), cwd=workspace)
    assert "1 done, 4 failed (--rerun failed retries them), 0 to run" in skipped.stdout
    assert skipped.returncode == 1
    retried = neuro("run", str(exp), "--rerun", "failed", cwd=workspace)
    assert "4 to run" in retried.stdout and "finished: 4 failed" in retried.stdout


def test_torch_threads_follow_resources_cpus(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1, extra="resources: {cpus: 2}\n")
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    assert ledger_events(workspace)[-1]["metrics"]["threads"] == 2
    many = os.cpu_count() + 1
    result = neuro("run", str(exp), "--set", f"resources.cpus={many}", "--rerun", "all", cwd=workspace)
    assert result.returncode == 0 and ledger_events(workspace)[-1]["metrics"]["threads"] == many
    assert f"warning: {exp}: resources.cpus is {many} but this machine has {os.cpu_count()} cores" in result.stderr


def test_a_run_past_its_time_limit_fails_with_the_reason_and_the_sweep_goes_on(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="sleep_s: [0.0, 1.0]", repetitions=1, params="{epochs: 30}",
                         extra="resources: {time_min: 0.05}\n")
    result = neuro("run", str(exp), "--workers", "1", cwd=workspace)
    assert result.returncode == 1
    latest = {e["run"]: e for e in ledger_events(workspace) if "state" in e}
    assert latest["sleep_s=0.0__rep0"]["state"] == "done"
    slow = latest["sleep_s=1.0__rep0"]
    assert slow["state"] == "failed" and 2.5 < slow["duration_s"] < 6
    assert slow["error"].splitlines()[-1] == "stopped: ran longer than resources.time_min (0.05 min)"


def test_rm_takes_runs_out_of_view_and_a_deleted_folder_is_missing(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0, 2.0, 3.0]", repetitions=1)
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    experiment = workspace / "training_data" / "tasks" / "toy"
    key = json.loads((experiment / "x=1.0__rep0" / "result.json").read_text())["key"]
    removed = neuro("rm", str(exp), "--runs", "x=1.0*", cwd=workspace)
    assert removed.returncode == 0 and "removed 1 run from view" in removed.stdout
    assert json.loads((experiment / ".removed" / key / "result.json").read_text())["key"] == key
    assert "3 runs: 2 done, 1 planned" in neuro("status", str(exp), cwd=workspace).stdout
    assert neuro("ls", cwd=workspace).stdout.splitlines()[2].split()[1:3] == ["2", "2"]
    assert [e["state"] for e in ledger_events(workspace) if e.get("key") == key][-2:] == ["done", "removed"]
    events = len(ledger_events(workspace))
    twice = neuro("rm", str(exp), "--runs", "x=1.0*", cwd=workspace)        # removed already: says so, writes nothing
    assert twice.returncode == 0 and "nothing to remove: 1 run removed already" in twice.stdout
    assert len(ledger_events(workspace)) == events
    assert "<experiment>/.removed/" in neuro("rm", "--help", cwd=workspace).stdout

    import shutil
    shutil.rmtree(experiment / "x=2.0__rep0")                    # deleted by hand
    status = neuro("status", str(exp), cwd=workspace).stdout
    assert "3 runs: 1 done, 1 missing, 1 planned" in status
    again = neuro("run", str(exp), cwd=workspace)
    assert "3 runs: 1 done, 2 to run" in again.stdout and "finished: 2 done" in again.stdout
    assert (experiment / "x=2.0__rep0" / "result.json").exists()
    nothing = neuro("rm", str(exp), "--runs", "y=*", cwd=workspace)
    assert nothing.returncode == 2 and "--runs: no run matches 'y=*'" in nothing.stderr
