"""`neuro run --remote NAME --backend slurm|sge --wait`: a login node (a private sshd on loopback) whose
sessions reach the real scheduler the cluster tests start, as a cluster's login node does, logged in to
as another Unix account whose jobs the scheduler runs as that account."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.clusters.account import Account, second_account
from tests.clusters.daemons import Unavailable
from tests.clusters.sshd import add_remote, serve_sshd
from tests.conftest import neuro, toy_experiment


@pytest.fixture(scope="module")
def account():
    try:
        made = second_account()
    except Unavailable as reason:
        if os.environ.get("CI") == "true" and os.geteuid() == 0:
            pytest.fail(f"the second account should be made in CI: {reason}")
        pytest.skip(f"no second account: {reason}")
    yield made
    made.remove()


@pytest.fixture
def cluster_login(cluster: str, request: pytest.FixtureRequest, account: Account, config_home: Path, workspace: Path):
    """Remote `hpc`: a login node whose shells (of the second account) have the scheduler's client settings."""
    scheduler = request.getfixturevalue(cluster)
    for server in serve_sshd(scheduler.env, user=account.name):
        folder = account.projects / f"lab-{cluster}"
        add_remote(workspace, server, "hpc", folder, f"--python={account.python}")
        yield folder


def test_a_sweep_sent_to_the_remotes_scheduler_runs_there_and_comes_home(cluster: str, cluster_login: Path,
                                                                        account: Account, workspace: Path) -> None:
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
    cancelled = neuro("cancel", str(exp), cwd=workspace)          # here: not ours to cancel
    assert cancelled.returncode == 1 and "2 runs held by remote hpc's jobs" in cancelled.stdout
    assert f"`neuro cancel {exp} --remote hpc`" in cancelled.stdout
    deadline = time.monotonic() + 120
    while "2 runs: 2 done" not in neuro("status", str(exp), "--remote", "hpc", cwd=workspace).stdout:
        assert time.monotonic() < deadline, "the remote's jobs did not end"
        time.sleep(1)
    assert "2 runs: 2 done" in neuro("pull", str(exp), "--remote", "hpc", cwd=workspace).stdout
    made_there = list((cluster_login / "training_data").rglob("result.json"))
    assert len(made_there) == 2 and {path.stat().st_uid for path in made_there} == {account.uid}   # its jobs' files
    assert len(list((workspace / "training_data").rglob("result.json"))) == 2
    if cluster == "sge":          # --wait there (one scheduler is enough: the remote side is the same)
        waited = neuro("run", str(exp), "--remote", "hpc", "--backend", cluster, "--wait", "--set", "params.epochs=1",
                       cwd=workspace)
        assert waited.returncode == 0 and "finished: 2 done" in waited.stdout, waited.stdout + waited.stderr
