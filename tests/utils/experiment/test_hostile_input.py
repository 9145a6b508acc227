"""Input that must be refused before it costs anything, and input that must be accepted: one line naming
the file, key and fix, exit 2, nothing written (the malformed files themselves: test_bad_input.py)."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TOY, ledger_events, neuro, toy_experiment, write_experiment


def _one_line(result: subprocess.CompletedProcess, *texts: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("neuro: error: "), result.stderr
    for text in texts:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("kind", ["symlink loop", "folder", "fifo"])
def test_an_experiment_path_that_is_not_a_file_is_refused_at_once(kind: str, workspace: Path) -> None:
    path = workspace / "exp.yaml"
    if kind == "symlink loop":
        (workspace / "other.yaml").symlink_to(path)
        path.symlink_to(workspace / "other.yaml")
        expected = "Too many levels of symbolic links"
    elif kind == "folder":
        path.mkdir()
        expected = "not a regular file"
    else:
        os.mkfifo(path)                  # opening it would wait for a writer forever
        expected = "not a regular file"
    for command in ("plan", "run", "status"):
        _one_line(neuro(command, str(path), cwd=workspace, timeout=60), "exp.yaml", expected)
    assert not (workspace / "training_data").exists()


def test_neuro_workspace_naming_a_file_is_refused(workspace: Path) -> None:
    exp = toy_experiment(workspace)
    (workspace / "a_file").write_text("not a folder\n")
    env = {**os.environ, "NEURO_WORKSPACE": str(workspace / "a_file")}
    for args in (["run", str(exp)], ["status", str(exp)], ["ls"], ["doctor"]):
        done = subprocess.run([sys.executable, "-m", "neuro.cli.main", *args], cwd=workspace, env=env,
                              capture_output=True, text=True, timeout=120)
        _one_line(done, "NEURO_WORKSPACE", "is a file, not a folder", "unset it")
    assert (workspace / "a_file").read_text() == "not a folder\n"


def test_a_sweep_past_max_runs_is_refused_and_the_flag_or_key_raises_the_limit(workspace: Path) -> None:
    values = ", ".join(str(i / 1000) for i in range(400))
    exp = toy_experiment(workspace, grid=f"x: [{values}], sleep_s: [{values}]", repetitions=1)
    _one_line(neuro("plan", str(exp), cwd=workspace), "toy.yaml:", "grid", "160,000 runs", "max_runs (100,000)")
    _one_line(neuro("run", str(exp), cwd=workspace), "160,000 runs")
    plan = neuro("plan", str(exp), "--max-runs", "200000", cwd=workspace)
    assert plan.returncode == 0, plan.stderr
    lines = plan.stdout.splitlines()
    assert len(lines) < 80                                    # a summary, not 160,000 lines
    assert any(line.startswith("0 ") and "x=0.0__sleep_s=0.0__rep0" in line for line in lines)
    assert any(line.startswith("159999 ") and "x=0.399__sleep_s=0.399__rep0" in line for line in lines)
    assert "(159,950 more; --all lists every run)" in plan.stdout and "states: 160,000 planned" in plan.stdout
    exp.write_text(exp.read_text() + "max_runs: 200000\n")
    assert neuro("plan", str(exp), cwd=workspace).returncode == 0
    assert not (workspace / "training_data" / "ledger.jsonl").exists()


def test_a_small_plan_lists_every_run_and_all_lists_a_large_one(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [" + ", ".join(str(i) for i in range(60)) + "]", repetitions=1)
    assert len(neuro("plan", str(exp), cwd=workspace).stdout.splitlines()) < 60
    assert len(neuro("plan", str(exp), "--all", cwd=workspace).stdout.splitlines()) > 60


def test_integral_floats_are_ints_and_keep_the_run_keys(workspace: Path) -> None:
    from neuro.utils.experiment.spec import load_spec
    from neuro.utils.sweeps.runs import expand
    as_ints = toy_experiment(workspace, name="ints", params="{epochs: 4}", repetitions=2)
    as_floats = toy_experiment(workspace, name="floats", params="{epochs: 4.0}", repetitions=2.0)  # type: ignore[arg-type]
    one, other = load_spec(as_ints), load_spec(as_floats)
    assert other.params["epochs"] == 4 and isinstance(other.params["epochs"], int)
    assert list(other.seeds) == [0, 1]
    assert [r.key for r in expand(one)] == [r.key for r in expand(other)]
    exp = write_experiment(workspace, f"name: lists\ntask: {TOY}:instant\ngrid: {{i: [1.0, 2.0]}}\n")
    assert load_spec(exp).grid["i"] == [1.0, 2.0]              # an untyped task's values stay as written


def test_a_task_whose_signature_is_not_params_ctx_is_refused(workspace: Path) -> None:
    (workspace / "task.py").write_text("def train(params):\n    return {}\n\n\nclass Model:\n    pass\n")
    exp = write_experiment(workspace, "name: exp\ntask: task.py:train\n")
    _one_line(neuro("plan", str(exp), cwd=workspace), "exp.yaml:2: task:", "takes (params), not (params, ctx)")
    exp.write_text("name: exp\ntask: task.py:Model\n")
    _one_line(neuro("run", str(exp), cwd=workspace), "exp.yaml:2: task:", "a class")
    assert not (workspace / "training_data").exists()


@contextlib.contextmanager
def _read_only(folder: Path):
    """`folder` mounted read-only over itself (as root), as on a read-only file system."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a read-only file system")
    done = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {done.stderr.strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder), str(folder)], check=True)
        yield
    finally:
        here = os.getcwd()
        os.chdir("/")                                   # a mount with a process inside is busy
        subprocess.run(["umount", str(folder)], check=True)
        os.chdir(here)


def test_a_read_only_workspace_is_one_line_for_every_command_that_writes(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1)
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    before = sorted((p.relative_to(workspace), p.stat().st_mtime_ns) for p in workspace.rglob("*"))
    with _read_only(workspace):
        for args, what in ((["run", str(exp)], "`neuro run`"), (["rm", str(exp)], "`neuro rm`"),
                           (["results", str(exp), "--plot"], "--plot"), (["cancel", str(exp)], "`neuro cancel`"),
                           (["doctor"], "`neuro doctor`")):
            _one_line(neuro(*args, cwd=workspace), "training_data: cannot write here", what, "NEURO_WORKSPACE")
        status = neuro("status", str(exp), cwd=workspace)         # reading needs no writing
        assert status.returncode == 0 and "1 done" in status.stdout
        assert neuro("results", str(exp), cwd=workspace).returncode == 0
    assert sorted((p.relative_to(workspace), p.stat().st_mtime_ns) for p in workspace.rglob("*")) == before
    assert [e["state"] for e in ledger_events(workspace)][-1] == "done"
