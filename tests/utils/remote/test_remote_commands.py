"""`neuro run|status|results|plan --remote NAME`: the project sent over a real ssh connection (a private
sshd on loopback), the command run there, its output and exit code here."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.clusters.sshd import SshServer, add_remote, serve_sshd
from tests.conftest import ledger_events, neuro, toy_experiment


@pytest.fixture(scope="module")
def login_node():
    yield from serve_sshd()


@pytest.fixture
def remote_project(login_node: SshServer, config_home: Path, workspace: Path,
                   tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Remote `loop`: the login node, the project's folder there a path with a space and a `$`."""
    folder = tmp_path_factory.mktemp("login-home") / "lab $HOME x"
    add_remote(workspace, login_node, "loop", folder, f"--python={sys.executable}")
    return folder


def test_only_what_changed_travels_and_exit_codes_come_back(remote_project: Path, workspace: Path) -> None:
    for i in range(5):
        (workspace / f"module{i}.py").write_text(f"VALUE = {i}\n")
    exp = toy_experiment(workspace, repetitions=1)
    first = neuro("plan", str(exp), "--remote", "loop", cwd=workspace)
    assert first.returncode == 0, first.stderr
    assert "(7 of 7 files sent)" in first.stderr      # 5 modules, the experiment, and the task from outside
    (workspace / "module3.py").write_text("VALUE = 33\n")
    again = neuro("plan", str(exp), "--remote", "loop", cwd=workspace)
    assert "(1 of 7 files sent)" in again.stderr and "2 runs" in again.stdout
    (workspace / "bad.yaml").write_text("name: bad\ntask: nosuchtask\n")
    refused = neuro("plan", "bad.yaml", "--remote", "loop", cwd=workspace)
    assert refused.returncode == 2 and "unknown task 'nosuchtask'" in refused.stderr   # the remote's own error


def test_an_unknown_remote_sends_nothing(config_home: Path, workspace: Path) -> None:
    exp = toy_experiment(workspace)
    refused = neuro("run", str(exp), "--remote", "nowhere", cwd=workspace)
    assert refused.returncode == 2 and "no remote called 'nowhere'" in refused.stderr
    assert not (workspace / "training_data").exists()


def test_run_there_then_pull_home_once_with_the_same_results(remote_project: Path, workspace: Path) -> None:
    (workspace / "notes.txt").write_text("project file\n")
    exp = toy_experiment(workspace, grid="x: [1.0, 3.0]", repetitions=2)
    ran = neuro("run", str(exp), "--remote", "loop", cwd=workspace)
    assert ran.returncode == 0, ran.stderr
    assert "loop: project in neuro-test-login:" in ran.stderr and "4 done" in ran.stdout
    assert f"`neuro pull {exp} --remote loop` brings them here" in ran.stderr
    assert not (workspace / "training_data").exists()                   # nothing ran here
    assert (remote_project / "notes.txt").read_text() == "project file\n"
    assert len(list((remote_project / "training_data").rglob("result.json"))) == 4
    status = neuro("status", str(exp), "--remote", "loop", cwd=workspace)
    assert status.returncode == 0 and "4 runs: 4 done" in status.stdout
    there = neuro("results", str(exp), "--remote", "loop", "-f", "csv", cwd=workspace)
    assert there.returncode == 0 and there.stdout.count("\n") == 3, there.stderr       # a header, two points
    pulled = neuro("pull", str(exp), "--remote", "loop", cwd=workspace)
    assert pulled.returncode == 0, pulled.stderr
    assert "4 runs: 4 done" in pulled.stdout
    local = workspace / "training_data" / "tasks" / "toy"
    assert len(list(local.rglob("result.json"))) == 4 and len(list(local.rglob("events.out.tfevents.*"))) == 4
    assert not list(local.rglob("checkpoints"))                         # only when asked for
    assert neuro("results", str(exp), "-f", "csv", cwd=workspace).stdout == there.stdout
    assert "4 runs: 4 done" in neuro("status", str(exp), cwd=workspace).stdout
    ran = neuro("run", str(exp), cwd=workspace)
    assert ran.returncode == 0 and "4 done, 0 to run" in ran.stdout                 # never run again here
    again = neuro("pull", str(exp), "--remote", "loop", cwd=workspace)
    assert "pulled from loop: 0 files, 0 ledger events new" in again.stdout
    with_checkpoints = neuro("pull", str(exp), "--remote", "loop", "--checkpoints", cwd=workspace)
    assert with_checkpoints.returncode == 0 and len(list(local.rglob("checkpoints/*.pt"))) >= 4
    fresh = workspace.parent / "elsewhere"                    # the same file run here from scratch agrees
    shutil.copytree(workspace, fresh, ignore=shutil.ignore_patterns("training_data"))
    assert neuro("run", str(fresh / exp.name), cwd=fresh).returncode == 0
    assert neuro("results", str(fresh / exp.name), "-f", "csv", cwd=fresh).stdout == there.stdout


def test_a_pull_killed_midway_completes_when_run_again(remote_project: Path, workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1)
    assert neuro("run", str(exp), "--remote", "loop", cwd=workspace).returncode == 0
    run_there = remote_project / "training_data" / "tasks" / "toy" / "x=1.0__rep0"
    big = os.urandom(1 << 20) * 200                                     # 200 MB: the pull takes a while
    (run_there / "big.bin").write_bytes(big)
    pulling = subprocess.Popen([sys.executable, "-m", "neuro.cli.main", "pull", str(exp), "--remote", "loop"],
                               cwd=workspace, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "NEURO_WORKSPACE": str(workspace)})
    here = workspace / "training_data" / "tasks" / "toy" / "x=1.0__rep0"
    deadline = time.monotonic() + 60
    while not list(here.glob(".big.bin.*")) and time.monotonic() < deadline:     # rsync is writing it
        time.sleep(0.02)
    os.killpg(pulling.pid, signal.SIGKILL)
    pulling.wait()
    assert not (here / "big.bin").exists()                              # no half file under its name
    done = neuro("pull", str(exp), "--remote", "loop", cwd=workspace)
    assert done.returncode == 0 and "1 run: 1 done" in done.stdout
    assert (here / "big.bin").read_bytes() == big
    assert [e["state"] for e in ledger_events(workspace) if "state" in e].count("done") == 1   # once


def test_runs_a_cluster_holds_elsewhere_are_not_run_here(workspace: Path, tmp_path_factory) -> None:
    """After a pull, runs queued on the cluster are held by its jobs, though this machine (a laptop,
    without squeue) cannot ask the scheduler: never run here by mistake."""
    from neuro.utils.experiment.spec import load_spec
    from neuro.utils.sweeps.sweep import Sweep
    from neuro.utils.sweeps.workspace import Workspace
    exp = toy_experiment(workspace, grid="x: [1.0, 3.0]", repetitions=1)
    sweep = Sweep.build(load_spec(exp), Workspace(workspace))
    sweep.ledger.append(sweep.batch_event(list(sweep.runs), "queued", array_job="4711", backend="slurm",
                                          host="login1", each={"job_id": ["4711_0", "4711_1"]}))
    laptop = str(tmp_path_factory.mktemp("bin"))               # a PATH without the scheduler's commands
    ran = neuro("run", str(exp), cwd=workspace, env_path=laptop)
    assert ran.returncode == 0 and "2 queued or running already" in ran.stdout and "0 to run" in ran.stdout
    status = neuro("status", str(exp), cwd=workspace, env_path=laptop)
    assert "2 runs: 2 queued" in status.stdout and "4711_1" in status.stdout


def test_without_a_python_the_projects_set_up_builds_the_environment_once(
        login_node: SshServer, config_home: Path, workspace: Path, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("login-home") / "lab"
    add_remote(workspace, login_node, "bare", folder)                  # python: null
    (workspace / "Makefile").write_text(        # the project's set-up; here it hands over to this machine's Python
        f".venv/.installed:\n\tmkdir -p .venv/bin\n\tprintf '#!/bin/sh\\nexec {sys.executable} \"$$@\"\\n' "
        "> .venv/bin/python\n\tchmod +x .venv/bin/python\n\ttouch $@\n")
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1)
    first = neuro("plan", str(exp), "--remote", "bare", cwd=workspace)
    assert first.returncode == 0, first.stderr
    assert f"setting up the environment in {folder}/.venv" in first.stderr and "1 run" in first.stdout
    again = neuro("plan", str(exp), "--remote", "bare", cwd=workspace)
    assert again.returncode == 0 and "setting up" not in again.stderr
    (workspace / "Makefile").write_text(".venv/.installed: requirements.txt\n\tfalse\n")
    (workspace / "requirements.txt").write_text("numpy\n")
    broken = neuro("plan", str(exp), "--remote", "bare", cwd=workspace)
    assert broken.returncode == 2 and "the project's set-up (make) failed there" in broken.stderr


def test_a_python_without_neuro_is_one_line_naming_the_fix(login_node: SshServer, config_home: Path,
                                                          workspace: Path, tmp_path_factory) -> None:
    bare_python = shutil.which("python3.11", path="/usr/bin") or pytest.skip("no system Python 3.11")
    add_remote(workspace, login_node, "plain", tmp_path_factory.mktemp("login-home") / "lab", f"--python={bare_python}")
    exp = toy_experiment(workspace, repetitions=1)
    refused = neuro("plan", str(exp), "--remote", "plain", cwd=workspace)
    assert refused.returncode == 2
    assert f"neuro: error: {bare_python} there cannot import neuro" in refused.stderr
    assert "install neuro in that environment" in refused.stderr and "Traceback" not in refused.stderr
