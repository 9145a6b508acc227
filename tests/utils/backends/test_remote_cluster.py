"""`neuro run --remote NAME --backend slurm|sge --wait`: a login node (a private sshd on loopback) whose
sessions reach the real scheduler the cluster tests start, as a cluster's login node does."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests.clusters.sshd import add_remote, serve_sshd
from tests.conftest import neuro, toy_experiment


@pytest.fixture
def cluster_login(cluster: str, request: pytest.FixtureRequest, config_home: Path, workspace: Path,
                  tmp_path_factory: pytest.TempPathFactory):
    """Remote `hpc`: a login node whose shells have the scheduler's client settings."""
    scheduler = request.getfixturevalue(cluster)
    for server in serve_sshd(scheduler.env):
        folder = tmp_path_factory.mktemp("hpc-home") / "lab"
        add_remote(workspace, server, "hpc", folder, f"--python={sys.executable}")
        yield folder


def test_a_sweep_sent_to_the_remotes_scheduler_runs_there_and_comes_home(cluster: str, cluster_login: Path,
                                                                        workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0, 3.0]", repetitions=1, params="{epochs: 4, sleep_s: 0.5}",
                         extra="qsub: {runs_per_task: 2}\n")          # on Grid Engine: one task, both runs
    sent = neuro("run", str(exp), "--remote", "hpc", "--backend", cluster, cwd=workspace)
    assert sent.returncode == 0, sent.stderr
    assert f"submitted 2 runs to {cluster}" in sent.stdout
    pulled = neuro("pull", str(exp), "--remote", "hpc", cwd=workspace)       # while the jobs wait or run
    assert pulled.returncode == 0, pulled.stderr
    assert "2 runs: " in pulled.stdout and "planned" not in pulled.stdout and "done" not in pulled.stdout
    local = neuro("run", str(exp), cwd=workspace)        # held by the remote's jobs: not run here
    assert local.returncode == 0 and "2 queued or running already" in local.stdout and "0 to run" in local.stdout
    deadline = time.monotonic() + 120
    while "2 runs: 2 done" not in neuro("status", str(exp), "--remote", "hpc", cwd=workspace).stdout:
        assert time.monotonic() < deadline, "the remote's jobs did not end"
        time.sleep(1)
    assert "2 runs: 2 done" in neuro("pull", str(exp), "--remote", "hpc", cwd=workspace).stdout
    assert len(list((cluster_login / "training_data").rglob("result.json"))) == 2
    assert len(list((workspace / "training_data").rglob("result.json"))) == 2
    if cluster == "sge":          # --wait there (one scheduler is enough: the remote side is the same)
        waited = neuro("run", str(exp), "--remote", "hpc", "--backend", cluster, "--wait", "--set", "params.epochs=1",
                       cwd=workspace)
        assert waited.returncode == 0 and "finished: 2 done" in waited.stdout, waited.stdout + waited.stderr
