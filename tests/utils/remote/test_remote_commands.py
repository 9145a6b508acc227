"""`neuro run|status|results|plan --remote NAME`: the project sent over a real ssh connection (a private
sshd on loopback), the command run there, its output and exit code here."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.clusters.sshd import SshServer, add_remote, serve_sshd
from tests.conftest import neuro, toy_experiment


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


def test_run_there_then_status_and_results_match_a_local_run(remote_project: Path, workspace: Path) -> None:
    (workspace / "notes.txt").write_text("project file\n")
    exp = toy_experiment(workspace, grid="x: [1.0, 3.0]", repetitions=2)
    ran = neuro("run", str(exp), "--remote", "loop", cwd=workspace)
    assert ran.returncode == 0, ran.stderr
    assert "loop: project in neuro-test-login:" in ran.stderr and "4 done" in ran.stdout
    assert not (workspace / "training_data").exists()                   # nothing ran here
    assert (remote_project / "notes.txt").read_text() == "project file\n"
    results = sorted((remote_project / "training_data").rglob("result.json"))
    assert len(results) == 4
    status = neuro("status", str(exp), "--remote", "loop", cwd=workspace)
    assert status.returncode == 0 and "4 runs: 4 done" in status.stdout
    there = neuro("results", str(exp), "--remote", "loop", "-f", "csv", cwd=workspace)
    assert there.returncode == 0, there.stderr
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    here = neuro("results", str(exp), "-f", "csv", cwd=workspace)
    assert there.stdout == here.stdout and there.stdout.count("\n") == 3


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
