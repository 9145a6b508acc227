"""Packed array tasks: `runs_per_task: K` runs K runs in each array task one after another (a requeued
task skips what is done and resumes the run it was cut off in), `max_jobs: N` keeps at most N tasks
queued or running. Scripts for every dialect; real Slurm and Grid Engine for the rest."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from neuro.utils.backends.cluster import ArrayRequest
from neuro.utils.backends.qsub import DIALECTS
from neuro.utils.backends.slurm import SlurmExecutor
from neuro.utils.experiment.spec import load_spec
from neuro.utils.sweeps.sweep import Sweep
from neuro.utils.sweeps.workspace import Workspace
from tests.conftest import EVERY_EPOCH, RESUMED, ledger_events, neuro, toy_experiment
from tests.utils.backends.test_cluster_only import _status, _wait

SEVEN = "x: [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]"


def _request(root: Path, section: str, per_task: int) -> ArrayRequest:
    exp = toy_experiment(root, grid=SEVEN, repetitions=1,
                         extra=f"resources: {{time_min: 10}}\n{section}: {{runs_per_task: {per_task}}}\n")
    sweep = Sweep.build(load_spec(exp), Workspace(root))
    executor = SlurmExecutor() if section == "slurm" else DIALECTS["sge"]()
    [request] = executor.arrays(sweep, list(sweep.runs), (root / "sweep.json", root / "code"))
    return request


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_a_qsub_task_runs_its_share_of_the_keys(dialect: str, tmp_path: Path) -> None:
    request = _request(tmp_path, "qsub", 3)
    assert [len(task) for task in request.tasks] == [3, 3, 1]
    script = DIALECTS[dialect]().render(request)
    assert {"sge": "#$ -t 1-3", "pbs": "#PBS -J 0-2", "torque": "#PBS -t 0-2"}[dialect] in script
    assert "00:30:00" in script                                       # 3 x time_min
    probe = script.rsplit("exec ", 1)[0].replace('exec >>"${dirs[$i]}/scheduler.log" 2>&1', "")
    probe += 'printf "%s\\n" "${keys[@]:$i:3}"\n'
    keys = [run.key for run in request.runs]
    for task in (1, 3):       # the second task and the last, shorter one
        index = {"sge": task, "pbs": task - 1, "torque": task - 1}[dialect]
        env = {"SGE_TASK_ID": str(index), "PBS_ARRAY_INDEX": str(index), "PBS_ARRAYID": str(index), "JOB_ID": "7",
               "PBS_JOBID": "7", "PATH": "/usr/bin:/bin"}
        out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, env=env, check=True).stdout
        assert out.split() == keys[(task - 1) * 3:task * 3]


def test_a_slurm_array_has_one_task_per_three_runs(tmp_path: Path) -> None:
    request = _request(tmp_path, "slurm", 3)
    script = SlurmExecutor().render(request)
    assert "#SBATCH --array=0-2%3" in script and "#SBATCH --time=30" in script     # 3 tasks, 3 x 10 minutes


def test_plan_shows_the_packing(tmp_path: Path) -> None:
    exp = toy_experiment(tmp_path, grid=SEVEN, repetitions=1, extra="slurm: {runs_per_task: 3, max_jobs: 2}\n")
    planned = neuro("plan", str(exp), "--backend", "slurm", cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    assert ("packing (slurm): 3 runs per array task, one after another (time limit 3 x resources.time_min); at most "
            "2 array tasks queued or running at once") in planned.stdout


@pytest.mark.xdist_group("slurm")
def test_a_requeued_task_skips_its_done_runs_and_resumes_the_one_cut_off(slurm, tmp_path: Path, monkeypatch) -> None:
    for key, value in slurm.env.items():
        monkeypatch.setenv(key, value)
    exp = toy_experiment(tmp_path, grid="", repetitions=1, params="{sleep_s: 0.25}", extra=EVERY_EPOCH +
                         "zip: {x: [1.0, 2.0, 3.0], epochs: [2, 12, 2]}\nslurm: {runs_per_task: 3}\n")
    assert neuro("run", str(exp), "--backend", "slurm", cwd=tmp_path).returncode == 0
    first, second, third = (tmp_path / "training_data" / "tasks" / "toy" / name for name in
                            ("x=1.0__epochs=2__rep0", "x=2.0__epochs=12__rep0", "x=3.0__epochs=2__rep0"))
    _wait(lambda: _status(second).get("state") == "running" and _status(second).get("step", -1) >= 2)
    job = _status(second)["job_id"]          # the second run is cut off with seconds of it left
    subprocess.run(["scontrol", "requeue", job], check=True, env={**os.environ, **slurm.env})
    _wait(lambda: _status(third).get("state") == "done")
    states = {run.name: [e["state"] for e in ledger_events(tmp_path) if e.get("run") == run.name]
              for run in (first, second, third)}
    assert states[first.name] == ["queued", "running", "done"]                    # not run again
    assert states[second.name] == ["queued", "running", "interrupted", "running", "done"]
    assert states[third.name] == ["queued", "running", "done"]
    assert RESUMED.search((second / "stdout.log").read_text())


@pytest.mark.xdist_group("sge")
def test_packed_tasks_go_out_one_at_a_time_under_max_jobs(sge, tmp_path: Path, monkeypatch) -> None:
    """On Grid Engine (the Slurm path differs only in its job script: see the requeue test above)."""
    for key, value in sge.env.items():
        monkeypatch.setenv(key, value)
    cluster, section = "sge", "qsub"
    exp = toy_experiment(tmp_path, grid="x: [1.0, 2.0, 3.0, 4.0]", repetitions=1, params="{epochs: 1}",
                         extra=f"{section}: {{runs_per_task: 2, max_jobs: 1}}\n")
    ran = neuro("run", str(exp), "--backend", cluster, cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "4 to run (2 of them once job slots free (max_jobs)" in ran.stdout
    assert len([e for e in ledger_events(tmp_path) if e["state"] == "queued"]) == 2
    waited = neuro("run", str(exp), "--backend", cluster, "--wait", cwd=tmp_path)
    assert waited.returncode == 0, waited.stdout + waited.stderr
    assert "4 runs: 4 done" in neuro("status", str(exp), cwd=tmp_path).stdout
    events = ledger_events(tmp_path)
    queued = [e for e in events if e["state"] == "queued"]
    tasks = [e["job_id"] for e in queued]
    assert len(queued) == 4 and tasks[0] == tasks[1] != tasks[2] == tasks[3]    # two runs a task
    ran_in = {e["run"]: e["job_id"] for e in events if e["state"] == "running"}
    assert ran_in["x=1.0__rep0"] == ran_in["x=2.0__rep0"] == tasks[0]      # in the task they were queued in
    for task in dict.fromkeys(tasks):     # each task went out once no other was queued or running
        start = next(e["time"] for e in queued if e["job_id"] == task)
        last = {e["key"]: e["state"] for e in events if e["time"] < start and e.get("job_id") != task}
        assert not {"queued", "running"} & set(last.values())
