"""The README's tour works as written: its task and experiment file, run for real."""
from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT, ledger_events, neuro


def _block(language: str, first_line: str) -> str:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)
    return next(b for b in blocks if b.startswith(first_line))


def _tour_lab(workspace: Path, experiment: str) -> None:
    """The tour's task and one of its experiment files, written where the tour puts them."""
    lab = workspace / "experiments" / "my_lab"
    lab.mkdir(parents=True)
    (lab / "exp.py").write_text(_block("python", "# experiments/my_lab/exp.py"))
    (lab / experiment).write_text(_block("yaml", f"# experiments/my_lab/{experiment}"))


def test_tour_task_and_experiment_run(workspace: Path) -> None:
    _tour_lab(workspace, "mlp.yaml")
    args = ["--set", "params.epochs=30", "--set", "repetitions=1", "--set", "grid.lr=[0.01]"]
    plan = neuro("plan", "experiments/my_lab/mlp.yaml", cwd=workspace)
    assert "18 runs (6 grid points x 3 repetitions)" in plan.stdout
    result = neuro("run", "experiments/my_lab/mlp.yaml", *args, cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "my_lab/mlp_width: 3 runs: 0 done, 3 to run" in result.stdout
    done = [e for e in ledger_events(workspace) if e["state"] == "done"]
    assert len(done) == 3 and all(0 <= e["metrics"]["mse"] < 1 for e in done)
    table = neuro("results", "experiments/my_lab/mlp.yaml", *args, cwd=workspace).stdout.splitlines()
    assert table[0].split()[:3] == ["hidden", "lr", "mse"]


def test_tour_search_runs(workspace: Path) -> None:
    _tour_lab(workspace, "mlp_search.yaml")
    args = ["--set", "search.trials=3", "--set", "params.epochs=20", "--set", "repetitions=1"]
    result = neuro("run", "experiments/my_lab/mlp_search.yaml", *args, cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "my_lab/mlp_search: 3 of 3 trials: 3 complete; best mse" in result.stdout
    shown = neuro("results", "experiments/my_lab/mlp_search.yaml", *args, cwd=workspace).stdout.splitlines()
    assert shown[0].split() == ["trial", "state", "hidden", "lr", "activation", "mse"]
    best = next(line for line in shown if line.startswith("best configuration"))
    assert "--set search=null --set name=mlp_search-best --set params.hidden=" in best
