"""Real schedulers for the backend suite: started once per session, stopped at the end (only the
daemons started here). Where they cannot start, the tests that need them skip with the reason."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.clusters.daemons import Scheduler, Unavailable, start_sge, start_slurm

STARTERS = {"slurm": start_slurm, "sge": start_sge}


def _scheduler(name: str) -> Scheduler:
    workdir = Path(tempfile.mkdtemp(prefix=f"neuro-{name}-"))  # not under pytest's private tmp: daemons read it
    workdir.chmod(0o755)
    try:
        scheduler = STARTERS[name](workdir)
    except Unavailable as reason:
        if os.environ.get("CI") == "true" and os.geteuid() == 0:
            pytest.fail(f"{name} should start in CI: {reason}")
        pytest.skip(f"{name} unavailable: {reason}")
    return scheduler


def _serve(name: str):
    scheduler = _scheduler(name)
    yield scheduler
    scheduler.stop()
    shutil.rmtree(scheduler.workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def slurm():
    yield from _serve("slurm")


@pytest.fixture(scope="session")
def sge():
    yield from _serve("sge")


def _on(name: str):
    """A scheduler's parameter: its tests run on one test worker (pytest-xdist), which starts its daemons
    once; the two schedulers' tests run side by side on two workers."""
    return pytest.param(name, marks=pytest.mark.xdist_group(name))


@pytest.fixture(params=["local", _on("slurm"), _on("sge")])
def backend(request, monkeypatch) -> str:
    """Each backend in turn, with the scheduler's client environment set for `neuro`."""
    if request.param != "local":
        _client_environment(request, monkeypatch)
    return request.param


@pytest.fixture(params=[_on("slurm"), _on("sge")])
def cluster(request, monkeypatch) -> str:
    """Each real scheduler in turn (the local pool has its own tests), its client environment set."""
    _client_environment(request, monkeypatch)
    return request.param


def _client_environment(request, monkeypatch) -> None:
    scheduler: Scheduler = request.getfixturevalue(request.param)
    for key, value in scheduler.env.items():
        monkeypatch.setenv(key, value)


def run_args(backend: str) -> list[str]:
    return ["--backend", backend] + (["--wait"] if backend != "local" else [])
