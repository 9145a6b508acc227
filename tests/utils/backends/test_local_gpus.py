"""Local runs and GPUs: each worker gets its own devices (CUDA_VISIBLE_DEVICES), no more workers than
the GPUs allow, and a GPU sweep on a machine without one is refused unless it may fall back to the CPU.
The machine's GPUs are given to the backend, so that these run without any."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from neuro.cli.common import load
from neuro.utils.backends.dispatch import GridSource, dispatch
from neuro.utils.backends.executor import LaunchOptions
from neuro.utils.backends.local import LocalExecutor
from neuro.utils.errors import NeuroError
from tests.conftest import TOY, ledger_events, neuro, write_experiment

no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")


def _experiment(directory: Path, resources: str, runs: int = 4) -> Path:
    return write_experiment(directory, f"""
        name: gpus
        task: {TOY}:devices
        grid: {{i: {list(range(runs))}}}
        resources: {resources}
        """)


def _launch(executor: LocalExecutor, experiment: Path, workers: int) -> list[dict]:
    sweep = load(experiment, [])
    executor.require(sweep)
    ends = dispatch(sweep, executor, GridSource(sweep, None, lambda plan: None), LaunchOptions(workers=workers))
    assert sum(ends.values()) == len(sweep.runs)
    return [e for e in ledger_events(experiment.parent) if e["state"] in ("done", "failed")]


@pytest.mark.parametrize(("visible", "per_run", "workers", "expected"), [
    (["0", "1", "2"], 1, 4, [["0"], ["1"], ["2"]]),       # no more workers than GPUs
    (["0", "1", "2"], 2, 4, [["0", "1"]]),                # whole runs only: the third GPU stays free
    (["4", "7"], 1, 1, [["4"]]),                          # the ids CUDA_VISIBLE_DEVICES gave neuro
    (["0", "1"], 0, 3, [[], [], []]),                     # runs that ask for none get none
])
def test_each_worker_gets_its_own_gpus(visible, per_run, workers, expected, workspace: Path) -> None:
    sweep = load(_experiment(workspace, f"{{gpus: {per_run}, cpu_fallback: true}}"), [])
    assert LocalExecutor(gpus=visible).devices(sweep, workers, runs=4) == expected


def test_a_worker_and_its_runs_see_only_its_gpus(workspace: Path) -> None:
    events = _launch(LocalExecutor(gpus=["5", "6"]), _experiment(workspace, "{gpus: 1, cpu_fallback: true}"), 2)
    assert {e["state"] for e in events} == {"done"}
    gpu_of_worker = {}
    for event in events:
        metrics = event["metrics"]
        assert metrics["gpus"] == 1 and metrics["first_gpu"] in (5.0, 6.0)
        assert gpu_of_worker.setdefault(metrics["pid"], metrics["first_gpu"]) == metrics["first_gpu"]
    assert len(set(gpu_of_worker.values())) == len(gpu_of_worker)   # two workers never share a GPU


@no_gpu
def test_a_gpu_sweep_without_gpus_is_one_line_and_writes_nothing(workspace: Path) -> None:
    experiment = _experiment(workspace, "{gpus: 1}")
    result = neuro("run", str(experiment), cwd=workspace)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"neuro: error: {experiment}: resources.gpus: each run asks for 1 GPU(s) and this machine has 0; send it to a "
        "cluster (--backend slurm), or set resources.cpu_fallback: true to run on the CPU here"]
    assert not (workspace / "training_data" / "ledger.jsonl").exists()


@no_gpu
def test_cpu_fallback_runs_on_the_cpu(workspace: Path) -> None:
    result = neuro("run", str(_experiment(workspace, "{gpus: 1, cpu_fallback: true}", runs=2)), cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "runs go on the CPU" in result.stderr
    assert [e["metrics"]["on_cpu"] for e in ledger_events(workspace) if e["state"] == "done"] == [1.0, 1.0]


@no_gpu
def test_a_run_that_finds_no_gpu_fails_saying_so(workspace: Path) -> None:
    """Told of a GPU that the run cannot see (a cluster node without one), the run fails, not the sweep."""
    events = _launch(LocalExecutor(gpus=["0"]), _experiment(workspace, "{gpus: 1}", runs=2), 1)
    assert [e["state"] for e in events] == ["failed", "failed"]
    assert "resources.gpus is 1 but this run sees no GPU" in events[0]["error"]


def test_too_few_gpus_is_refused_before_anything_runs(workspace: Path) -> None:
    sweep = load(_experiment(workspace, "{gpus: 2}"), [])
    with pytest.raises(NeuroError, match="each run asks for 2 GPU"):
        LocalExecutor(gpus=["0"]).require(sweep)
