"""One run key, one directory; a task is its resolved file. Each test starts from a reproduction that
failed before: an edited file must run what changed, and never reuse another key's files."""
from __future__ import annotations

import json
import shutil
import signal
import textwrap
from pathlib import Path

from tests.conftest import EVERY_EPOCH, ROOT, ledger_events, neuro, neuro_popen, write_experiment
from tests.utils.backends.test_reliability import _checkpointed_runs, _wait_for

TASK = '''
from dataclasses import dataclass
import time


@dataclass
class Params:
    x: int = 1
    y: int = 2
    epochs: int = 1
    sleep_s: float = 0.0


def train(p: Params, ctx) -> dict:
    state = ctx.restore()
    start = state["epoch"] + 1 if state else 0
    for epoch in range(start, p.epochs):
        time.sleep(p.sleep_s)
        ctx.log_metrics(epoch, {"loss": 1.0 / (epoch + 1)})
        ctx.checkpoint({"epoch": epoch, "y": p.y})
    return {"s": p.x + p.y, "resumed_y": float(state["y"]) if state else -1.0, "epochs_run": p.epochs - start}
'''


def _project(folder: Path, experiment: str = "name: exp\ntask: task.py:train\ngrid: {x: [1, 2]}\n",
             task: str = TASK) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "task.py").write_text(textwrap.dedent(task))
    return write_experiment(folder, experiment)


def _result(run_dir: Path) -> dict:
    return json.loads((run_dir / "result.json").read_text())


def _states(workspace: Path) -> dict[str, str]:
    return {e["key"]: e["state"] for e in ledger_events(workspace) if "state" in e}


def test_a_changed_parameter_runs_again_and_the_old_files_move_aside(workspace: Path) -> None:
    exp = _project(workspace)
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    run_dir = workspace / "training_data" / workspace.name / "exp" / "x=1__rep0"
    old_key = _result(run_dir)["key"]

    plan = neuro("plan", str(exp), "--set", "params.y=5", cwd=workspace).stdout
    assert "changed: params.y: 2 -> 5" in next(line for line in plan.splitlines() if "x=1__rep0" in line)
    changed = neuro("run", str(exp), "--set", "params.y=5", cwd=workspace)
    assert changed.returncode == 0, changed.stderr
    assert "2 runs: 0 done, 2 to run (2 changed: params.y: 2 -> 5)" in changed.stdout
    assert "finished: 2 done" in changed.stdout
    assert _result(run_dir)["metrics"]["s"] == 6 and _result(run_dir)["key"] != old_key
    kept = run_dir.parent / ".superseded" / old_key
    assert _result(kept)["metrics"]["s"] == 3 and (kept / "tb").is_dir()
    moved = [e for e in ledger_events(workspace) if e.get("files") == "superseded"]
    assert [(e["key"], e["run"], e["path"]) for e in moved if e["run"] == "x=1__rep0"] == [
        (old_key, "x=1__rep0", f".superseded/{old_key}")]
    from neuro.utils.experiment.spec import load_spec
    from neuro.utils.reporting.curves import read_curves
    from neuro.utils.sweeps.run_home import files_of
    from neuro.utils.sweeps.sweep import Sweep
    from neuro.utils.sweeps.workspace import Workspace
    before = Sweep.build(load_spec(exp), Workspace(workspace))           # the file as it was: y=2
    assert files_of(before, before.runs[0]) == kept and read_curves(kept) == {"loss": {0: 1.0}}
    status = neuro("status", str(exp), "--set", "params.y=5", cwd=workspace).stdout
    assert "exp: 2 runs: 2 done" in status
    listing = neuro("ls", cwd=workspace).stdout.splitlines()
    assert listing[2].split()[1:3] == ["2", "2"]          # ls counts the current runs, as status does

    back = neuro("run", str(exp), cwd=workspace)            # y back to 2: done before, its files come back
    assert "2 runs: 2 done, 0 to run" in back.stdout
    assert _result(run_dir)["metrics"]["s"] == 3 and _result(run_dir)["key"] == old_key
    assert "exp: 2 runs: 2 done" in neuro("status", str(exp), cwd=workspace).stdout


def test_the_quickstart_with_other_epochs_runs_again(workspace: Path) -> None:
    quickstart = str(ROOT / "configs" / "quickstart.yaml")
    small = [f"--set=params.{k}={v}" for k, v in dict(train_batches=2, val_batches=1, test_batches=1, batch_size=16,
                                                     min_epochs=1, anf_per_ear=20, duration_steps=20,
                                                     epochs=2).items()] + ["--set=repetitions=1", "--set=grid.ie_ratio=[0.0,0.5]"]
    assert neuro("run", quickstart, *small, cwd=workspace).returncode == 0
    again = neuro("run", quickstart, *small, "--set", "params.epochs=3", cwd=workspace)
    assert again.returncode == 0
    assert "2 runs: 0 done, 2 to run (2 changed: params.epochs: 2 -> 3)" in again.stdout
    assert "finished: 2 done" in again.stdout
    done = [e for e in ledger_events(workspace) if e.get("state") == "done"]
    assert len(done) == 4 and sorted(e["metrics"]["epochs_trained"] for e in done) == [2] * 2 + [3] * 2


def test_an_interrupted_run_never_resumes_another_keys_checkpoint(workspace: Path) -> None:
    exp = _project(workspace, "name: exp\ntask: task.py:train\nparams: {epochs: 8, sleep_s: 0.25}\n"
                              "grid: {x: [1]}\n" + EVERY_EPOCH)
    runner = neuro_popen("run", str(exp), cwd=workspace)
    _wait_for(lambda: len(_checkpointed_runs(workspace, "*")) == 1)
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    changed = neuro("run", str(exp), "--set", "params.y=5", cwd=workspace)
    assert changed.returncode == 0 and "(1 changed:" in changed.stdout
    metrics = _result(workspace / "training_data" / workspace.name / "exp" / "x=1__rep0")["metrics"]
    assert metrics == {"s": 6, "resumed_y": -1.0, "epochs_run": 8}      # a fresh start, not y=2's checkpoint
    old = next((workspace / "training_data" / workspace.name / "exp" / ".superseded").iterdir())
    assert (old / "checkpoints" / "last.pt").exists()               # the interrupted attempt is kept

    resumed = neuro("run", str(exp), cwd=workspace)                 # y=2 again: its own checkpoint comes back
    assert "(1 resuming" in resumed.stdout
    metrics = _result(workspace / "training_data" / workspace.name / "exp" / "x=1__rep0")["metrics"]
    assert metrics["resumed_y"] == 2 and 0 < metrics["epochs_run"] < 8


def test_rerun_all_and_other_seeds_never_touch_another_keys_files(workspace: Path) -> None:
    exp = _project(workspace, "name: exp\ntask: task.py:train\nseeds: [0]\ngrid: {x: [1]}\n")
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    run_dir = workspace / "training_data" / workspace.name / "exp" / "x=1__rep0"
    first = _result(run_dir)
    assert neuro("run", str(exp), "--set", "seeds=[5]", "--set", "params.y=4", "--rerun", "all",
                 cwd=workspace).returncode == 0
    assert _result(run_dir)["seed"] == 5 and _result(run_dir)["metrics"]["s"] == 5
    assert _result(run_dir.parent / ".superseded" / first["key"]) == first
    assert _states(workspace)[first["key"]] == "done"      # the ledger and the kept files still agree


def test_a_changed_task_default_is_a_new_run(workspace: Path) -> None:
    exp = _project(workspace)
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    (workspace / "task.py").write_text((workspace / "task.py").read_text().replace("y: int = 2", "y: int = 7"))
    plan = neuro("plan", str(exp), cwd=workspace).stdout
    assert plan.count("changed: params.y: 2 -> 7") == 2
    result = neuro("run", str(exp), cwd=workspace)
    assert "0 done, 2 to run" in result.stdout
    assert sorted(e["metrics"]["s"] for e in ledger_events(workspace) if e.get("state") == "done") == [3, 4, 8, 9]


def test_long_run_names_are_shortened_at_plan_time(workspace: Path) -> None:
    task = TASK.replace("    sleep_s: float = 0.0", "    sleep_s: float = 0.0\n" + "".join(
        f"    description_{i}: str = ''\n" for i in range(5)))
    grid = ", ".join(f"description_{i}: ['{'a long descriptive value ' * 3}{i}']" for i in range(5))
    exp = _project(workspace, f"name: exp\ntask: task.py:train\ngrid: {{{grid}}}\nrepetitions: 2\n", task)
    plan = neuro("plan", str(exp), cwd=workspace)
    names = [line.split()[1] for line in plan.stdout.splitlines()[2:4]]
    assert all(len(name) <= 120 and name.endswith(f"__rep{i}") for i, name in enumerate(names)), names
    result = neuro("run", str(exp), cwd=workspace)
    assert result.returncode == 0, result.stderr
    folders = sorted(p.name for p in (workspace / "training_data" / workspace.name / "exp").iterdir()
                     if not p.name.startswith("."))
    assert folders == sorted(names)


def test_the_task_file_next_to_the_experiment_file_and_an_ambiguous_one(workspace: Path) -> None:
    project = workspace / "project"
    exp = _project(project)
    (workspace / "task.py").write_text(TASK.replace("p.x + p.y", "1000"))       # another project's task.py
    ambiguous = neuro("run", str(exp), cwd=workspace)
    assert ambiguous.returncode == 2 and len(ambiguous.stderr.strip().splitlines()) == 1
    assert f"'task.py' names two files: {project / 'task.py'} and {workspace / 'task.py'}" in ambiguous.stderr
    assert not (workspace / "training_data").exists()
    (workspace / "task.py").unlink()
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    assert sorted(e["metrics"]["s"] for e in ledger_events(workspace) if e.get("state") == "done") == [3, 4]


def test_two_projects_with_the_same_names_never_share_results(workspace: Path) -> None:
    experiment = "name: pilot\ntask: task.py:train\ngrid: {x: [1]}\n"
    a = _project(workspace / "lab_a", experiment)
    b = _project(workspace / "lab_b", experiment, TASK.replace("p.x + p.y", "100 * p.x"))
    assert neuro("run", str(a), cwd=workspace).returncode == 0
    run_b = neuro("run", str(b), cwd=workspace)
    assert "lab_b/pilot: 1 run: 0 done, 1 to run" in run_b.stdout
    assert "100" in neuro("results", str(b), cwd=workspace).stdout.splitlines()[2]
    assert "3" in neuro("results", str(a), cwd=workspace).stdout.splitlines()[2].split()


def test_the_default_folder_is_the_task_folders_name_made_valid(workspace: Path) -> None:
    exp = _project(workspace / "My Lab.v2")
    result = neuro("run", str(exp), cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "my_lab_v2/exp: 2 runs" in result.stdout


def test_a_task_imports_the_module_next_to_it(workspace: Path) -> None:
    exp = _project(workspace / "lab", task=TASK.replace("import time", "import time\nfrom helper import score")
                   .replace("p.x + p.y", "score(p.x, p.y)"))
    (workspace / "lab" / "helper.py").write_text("def score(x, y):\n    return 10 * x + y\n")
    result = neuro("run", str(exp), cwd=workspace)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(e["metrics"]["s"] for e in ledger_events(workspace) if e.get("state") == "done") == [12, 22]


def test_status_and_results_never_import_the_task(workspace: Path) -> None:
    exp = _project(workspace)
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    task = workspace / "task.py"
    task.write_text("import time\ntime.sleep(120)\n" + task.read_text() + "\nthis is not python\n")
    status = neuro("status", str(exp), cwd=workspace, timeout=30)
    assert status.returncode == 0 and "exp: 2 runs: 2 done" in status.stdout
    assert "changed since `neuro run` last read its parameters" in status.stderr
    results = neuro("results", str(exp), "--format", "json", cwd=workspace, timeout=30)
    assert results.returncode == 0
    assert [row["metrics"]["s"]["mean"] for row in json.loads(results.stdout)] == [3, 4]
    assert neuro("ls", cwd=workspace, timeout=30).stdout.splitlines()[2].split()[1:3] == ["2", "2"]


def test_a_project_moved_elsewhere_keeps_its_keys_and_results(workspace: Path, monkeypatch) -> None:
    first = workspace / "home" / "ana" / "lab"
    exp = _project(first / "experiments" / "my_lab")
    assert neuro("run", str(exp), cwd=first).returncode == 0
    keys = set(_states(first))
    moved = workspace / "cluster" / "neuro" / "vision-lab"
    moved.parent.mkdir(parents=True)
    shutil.copytree(first, moved)
    monkeypatch.setenv("NEURO_WORKSPACE", str(moved))
    again = neuro("run", str(moved / "experiments" / "my_lab" / "exp.yaml"), cwd=moved)
    assert again.returncode == 0 and "my_lab/exp: 2 runs: 2 done, 0 to run" in again.stdout
    assert set(_states(moved)) == keys


def test_runs_keyed_by_the_task_files_absolute_path_are_keyed_anew_and_stay_done(workspace: Path) -> None:
    from neuro.utils.experiment.spec import load_spec
    from neuro.utils.sweeps.runs import expand
    exp = _project(workspace / "lab")
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    spec = load_spec(exp)
    assert spec.task.identity == "lab/task.py:train"
    assert spec.task.former_identity == f"{workspace / 'lab' / 'task.py'}:train"
    spec.task.identity = spec.task.former_identity
    pairs = {run.key: old.key for run, old in zip(expand(load_spec(exp)), expand(spec))}
    ledger, folder = workspace / "training_data" / "ledger.jsonl", workspace / "training_data" / "lab" / "exp"
    text = ledger.read_text()                              # the workspace as the former keys left it
    for new, old in pairs.items():
        text = text.replace(new, old)
        for name in ("status.json", "result.json", "config.json"):
            for path in folder.glob(f"*/{name}"):
                path.write_text(path.read_text().replace(new, old))
    ledger.write_text(text)
    (folder / ".task_identity.json").unlink(missing_ok=True)
    planned = neuro("plan", str(exp), cwd=workspace)
    assert planned.returncode == 0 and "states: 2 done" in planned.stdout and "changed" not in planned.stdout
    assert "lab/exp: 2 run(s) keyed anew" in planned.stderr
    assert {_result(run_dir)["key"] for run_dir in folder.glob("x=*")} == set(pairs)
    ran = neuro("run", str(exp), cwd=workspace)
    assert "2 done, 0 to run" in ran.stdout and "keyed anew" not in ran.stderr     # once
