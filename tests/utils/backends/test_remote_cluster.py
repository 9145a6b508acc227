"""`neuro run --remote NAME --backend slurm|sge --wait`: a login node (a private sshd on loopback) whose
sessions reach the real scheduler the cluster tests start, as a cluster's login node does."""
from __future__ import annotations

import sys
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


def test_a_sweep_sent_to_the_remotes_scheduler_runs_there(cluster: str, cluster_login: Path, workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0, 3.0]", repetitions=2)
    checked = neuro("remote", "check", "hpc", cwd=workspace)
    assert checked.returncode == 0 and "schedulers: sbatch, qsub" in checked.stdout
    ran = neuro("run", str(exp), "--remote", "hpc", "--backend", cluster, "--wait", cwd=workspace, timeout=400)
    assert ran.returncode == 0, ran.stderr
    assert "4 done" in ran.stdout
    status = neuro("status", str(exp), "--remote", "hpc", cwd=workspace)
    assert status.returncode == 0 and "4 runs: 4 done" in status.stdout
    assert len(list((cluster_login / "training_data").rglob("result.json"))) == 4
    assert not (workspace / "training_data").exists()
