"""Results in a notebook: `neuro.results` and `neuro.curves` are the CLI's numbers as DataFrames, read
without the task's code; each run records the environment it was made in (once per environment)."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pandas
import pytest

import neuro
from neuro.utils.reporting.curves import read_curves
from tests.conftest import neuro as neuro_command
from tests.conftest import toy_experiment

TASK = '''
from dataclasses import dataclass


@dataclass
class Params:
    x: float = 1.0
    epochs: int = 3


def train(p: Params, ctx):
    (ctx.data_dir / "table.csv").parent.mkdir(parents=True, exist_ok=True)
    if not (ctx.data_dir / "table.csv").exists():
        (ctx.data_dir / "table.csv").write_text("a,b\\n1,2\\n")
    ctx.read_data(ctx.data_dir / "table.csv")
    for epoch in range(p.epochs):
        ctx.log_metrics(epoch, {"loss": (p.x + ctx.seed) / (epoch + 1)})
    return {"score": -(p.x - 2) ** 2 + ctx.seed / 10 + 1e-9 * p.x}
'''


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> tuple[Path, Path]:
    """A finished sweep of a task of the lab's own (3 points x 2 seeds), whose file is then broken."""
    workspace = tmp_path_factory.mktemp("notebook")
    (workspace / "task.py").write_text(TASK)
    exp = workspace / "exp.yaml"
    exp.write_text("name: nb\ntask: task.py:train\nrepetitions: 2\ngrid: {x: [1.0, 2.5, 3.0]}\n"
                   "metric: {name: score, mode: max}\n")
    assert neuro_command("run", str(exp), cwd=workspace).returncode == 0
    (workspace / "task.py").write_text("raise RuntimeError('the task code was imported')\n")
    return workspace, exp


def test_results_are_the_csv_numbers_to_the_last_digit(lab, monkeypatch) -> None:
    workspace, exp = lab
    monkeypatch.chdir(workspace)
    table = neuro.results(exp.name)
    printed = pandas.read_csv(io.StringIO(neuro_command("results", str(exp), "-f", "csv", cwd=workspace).stdout))
    pandas.testing.assert_frame_equal(table, printed, check_dtype=False)
    assert list(table["x"]) == [2.5, 3.0, 1.0] and list(table["score_n"]) == [2, 2, 2]       # best first
    assert table.loc[0, "score_mean"] == pytest.approx(-0.25 + 0.05 + 2.5e-9, abs=1e-15)
    median = neuro.results(exp, stat="median", workspace=workspace)
    assert {"score_median", "score_p10", "score_p90"} <= set(median.columns)


def test_run_rows_carry_parameters_metrics_environment_and_folder(lab) -> None:
    workspace, exp = lab
    runs = neuro.results(exp, runs=True, workspace=workspace)
    assert len(runs) == 6 and list(runs.columns[:4]) == ["run", "key", "seed", "state"]
    assert list(runs.columns[-3:]) == ["environment", "data", "folder"]
    row = runs.set_index("run").loc["x=2.5__rep1"]
    assert row["params.x"] == 2.5 and row["seed"] == 1 and row["state"] == "done"
    result = json.loads((Path(row["folder"]) / "result.json").read_text())
    assert row["score"] == result["metrics"]["score"] and row["environment"] == result["environment"]
    assert runs["environment"].nunique() == 1 and runs["data"].nunique() == 1     # one environment, one data file
    environments = list((workspace / "training_data" / ".environments").iterdir())
    assert [path.stem for path in environments] == [row["environment"]]          # stored once for 6 runs
    described = json.loads(environments[0].read_text())
    assert described["packages"]["torch"].startswith("2.13.0") and described["python"].count(".") == 2
    printed = neuro_command("results", str(exp), "--runs", "-f", "csv", cwd=workspace).stdout
    assert pandas.read_csv(io.StringIO(printed))["environment"].tolist() == runs["environment"].tolist()


def test_curves_per_run_and_step(lab) -> None:
    workspace, exp = lab
    loss = neuro.curves(exp, "loss", workspace=workspace)
    assert len(loss) == 6 * 3 and list(loss.columns) == ["run", "seed", "state", "params.x", "step", "value"]
    one = loss[loss["run"] == "x=3.0__rep1"]
    folder = workspace / "training_data" / workspace.name / "nb" / "x=3.0__rep1"
    assert dict(zip(one["step"], one["value"])) == read_curves(folder)["loss"] == {0: 4.0, 1: 2.0, 2: 4 / 3}
    with pytest.raises(neuro.utils.errors.NeuroError, match="no run logged 'los' .did you mean 'loss'"):
        neuro.curves(exp, "los", workspace=workspace)


def test_plan_warns_when_a_grid_was_made_in_two_environments(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0, 2.0]", repetitions=1, params="{epochs: 1}")
    assert neuro_command("run", str(exp), cwd=workspace).returncode == 0
    ledger = workspace / "training_data" / "ledger.jsonl"
    lines = ledger.read_text().splitlines()
    done = max(i for i, line in enumerate(lines) if '"state":"done"' in line)
    lines[done] = lines[done].replace('"environment":"', '"environment":"0ther')       # made elsewhere
    ledger.write_text("\n".join(lines) + "\n")
    planned = neuro_command("plan", str(exp), cwd=workspace)
    assert planned.returncode == 0 and "its done runs were made in 2 environments" in planned.stderr


def test_without_pandas_the_error_names_the_install(lab, monkeypatch) -> None:
    workspace, exp = lab
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)        # as if it were not installed
    with pytest.raises(ImportError, match=r"pip install pandas \(or pip install 'neuro\[notebook\]'\)"):
        neuro.results(exp, workspace=workspace)
