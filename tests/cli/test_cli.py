"""status, ls, results, tasks and tb on a finished sweep with known answers."""
from __future__ import annotations

import csv
import io
import json
import signal
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from neuro.utils.reporting.curves import read_curves
from tests.conftest import neuro, neuro_popen, toy_experiment

ZIP = "zip: {x: [1.0, 2.0, 3.0, 4.0], fail: [none, none, none, exception]}\n"
WITH_X5 = ["--set", "zip.x=[1.0, 2.0, 3.0, 4.0, 5.0]", "--set", "zip.fail=[none, none, none, exception, none]"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """score = -(x - 2)^2 + seed / 10 over seeds 0..2; x = 4 fails every repetition."""
    workspace = tmp_path_factory.mktemp("cli")
    exp = toy_experiment(workspace, grid="", repetitions=3, extra=ZIP)
    result = neuro("run", str(exp), cwd=workspace)
    assert result.returncode == 1  # the x = 4 runs failed
    return workspace, exp


def test_results_table_is_sorted_with_mean_std_n_and_counts(finished) -> None:
    workspace, exp = finished
    out = neuro("results", str(exp), *WITH_X5, cwd=workspace).stdout.splitlines()
    assert out[0].split() == ["x", "fail", "score", "epochs_run", "threads", "failed", "missing"]
    rows = [line.split("  ") for line in out[2:]]
    cells = [[c.strip() for c in row if c.strip()] for row in rows]
    assert [c[0] for c in cells] == ["2.0", "1.0", "3.0", "4.0", "5.0"]
    assert cells[0][2] == "0.1 ± 0.1 (3)"
    assert cells[1][2] == "-0.9 ± 0.1 (3)"
    assert cells[3][-2:] == ["3", "0"] and cells[4][-2:] == ["0", "3"]


def test_results_csv_json_markdown(finished) -> None:
    workspace, exp = finished
    rows = list(csv.DictReader(io.StringIO(neuro("results", str(exp), "-f", "csv", cwd=workspace).stdout)))
    assert rows[0]["x"] == "2.0" and float(rows[0]["score_mean"]) == pytest.approx(0.1)
    assert float(rows[0]["score_std"]) == pytest.approx(0.1) and rows[0]["score_n"] == "3"
    data = json.loads(neuro("results", str(exp), "--format", "json", cwd=workspace).stdout)
    assert data[-1] == {"params": {"x": 4.0, "fail": "exception"}, "metrics": {}, "done": 0, "failed": 3,
                        "missing": 0}
    assert data[1]["metrics"]["score"]["mean"] == pytest.approx(-0.9)
    markdown = neuro("results", str(exp), "--format", "markdown", cwd=workspace).stdout.splitlines()
    assert markdown[0].startswith("| x | fail | score |") and markdown[1].startswith("| --- |")


def test_results_median_with_10th_and_90th_percentiles(finished) -> None:
    workspace, exp = finished
    out = neuro("results", str(exp), "--stat", "median", cwd=workspace).stdout.splitlines()
    cells = [[c.strip() for c in line.split("  ") if c.strip()] for line in out[2:]]
    assert cells[0][:3] == ["2.0", "none", "0.1 [0.02, 0.18] (3)"]      # scores 0.0, 0.1, 0.2
    assert cells[1][2] == "-0.9 [-0.98, -0.82] (3)"
    rows = list(csv.DictReader(io.StringIO(neuro("results", str(exp), "--stat", "median", "-f", "csv",
                                                 cwd=workspace).stdout)))
    assert [float(rows[0][f"score_{part}"]) for part in ("median", "p10", "p90")] == pytest.approx([0.1, 0.02, 0.18])
    assert "score_mean" not in rows[0] and rows[0]["score_n"] == "3"
    bad = neuro("results", str(exp), "--stat", "mode", cwd=workspace)
    assert bad.returncode == 2 and "mode" in bad.stderr


def test_status_and_ls_read_the_ledger(finished) -> None:
    workspace, exp = finished
    status = neuro("status", str(exp), cwd=workspace).stdout
    assert "tasks/toy: 12 runs: 9 done, 3 failed" in status
    line = next(row for row in status.splitlines() if row.startswith("x=2.0__fail=none__rep2"))
    assert line.split()[1] == "done" and "0.2" in line.split()
    assert "ValueError: boom" in next(row for row in status.splitlines() if row.startswith("x=4.0"))
    planned = neuro("status", str(exp), *WITH_X5, cwd=workspace).stdout
    assert "15 runs: 9 done, 3 failed, 3 planned" in planned
    listing = neuro("ls", cwd=workspace).stdout.splitlines()
    assert listing[0].split()[:9] == ["experiment", "runs", "done", "running", "queued", "interrupted", "lost",
                                      "failed", "cancelled"]
    assert listing[2].split()[:8] == ["tasks/toy", "12", "9", "0", "0", "0", "0", "3"]


def test_tasks_lists_parameters_with_types_and_defaults(tmp_path: Path) -> None:
    out = neuro("tasks", cwd=tmp_path).stdout
    assert "sound_localisation:" in out
    line = next(row for row in out.splitlines() if row.strip().startswith("ie_ratio"))
    assert line.split()[:5] == ["ie_ratio", "float", "in", "[0,", "1]"] and line.split()[5] == "0.5"
    assert "reports: test_accuracy, test_ipd_error_deg" in out


def test_tb_serves_the_experiment(finished) -> None:
    workspace, exp = finished
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        port = probe.getsockname()[1]
    server = neuro_popen("tb", str(exp), "--port", str(port), cwd=workspace)
    try:
        deadline, runs = time.monotonic() + 60, []
        while time.monotonic() < deadline and len(runs) < 12:
            try:
                runs = json.loads(urllib.request.urlopen(f"http://localhost:{port}/data/runs", timeout=2).read())
            except OSError:
                time.sleep(0.5)
        assert "x=2.0__fail=none__rep0/tb" in runs and len(runs) == 12  # failed runs keep their curves
        busy = neuro("tb", str(exp), "--port", str(port), cwd=workspace)
        assert busy.returncode == 2 and f"--port {port}: the port is in use on localhost" in busy.stderr
        assert busy.stderr.count("\n") == 1 and "--port" in busy.stderr.split("choose another")[1]
        experiment = _hparams(port, "experiment", {"experimentName": ""})
        differs = {info["name"]: info["differs"] for info in experiment["hparamInfos"]}
        assert differs == {"x": True, "fail": False, "epochs": False, "sleep_s": False, "label": False}   # no seed
        groups = _hparams(port, "session_groups", {
            "experimentName": "", "startIndex": 0, "sliceSize": 100, "aggregationType": "AGGREGATION_AVG",
            "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]})["sessionGroups"]
        by_x = {group["hparams"]["x"]: group for group in groups}      # the done points, each its 3 repetitions
        assert sorted(by_x) == [1.0, 2.0, 3.0] and all(len(g["sessions"]) == 3 for g in groups)
        assert {s["status"] for g in groups for s in g["sessions"]} == {"STATUS_SUCCESS"}
        mean = {v["name"]["tag"]: v["value"] for v in by_x[2.0]["metricValues"]}["final/score"]
        assert mean == pytest.approx(0.1)                    # -(2 - 2)^2 + seed / 10 over seeds 0, 1, 2
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def _hparams(port: int, route: str, body: dict) -> dict:
    """A request to TensorBoard's HParams plugin, as its dashboard makes it."""
    request = urllib.request.Request(f"http://localhost:{port}/data/plugin/hparams/{route}",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(request, timeout=30).read())


def test_results_plot_writes_a_png_per_numeric_parameter(finished) -> None:
    workspace, exp = finished
    result = neuro("results", str(exp), "--plot", cwd=workspace)
    plot = workspace / "training_data" / "tasks" / "toy" / "plots" / "score_mean_vs_x.png"
    assert f"wrote {plot}" in result.stderr
    assert plot.read_bytes().startswith(b"\x89PNG") and plot.stat().st_size > 5000
    assert (plot.parent / "score_mean_vs_fail.png").read_bytes().startswith(b"\x89PNG")   # categories: grouped points
    curve = plot.parent / "curve_loss_mean.png"
    assert f"wrote {curve}" in result.stderr and curve.read_bytes().startswith(b"\x89PNG")
    median = neuro("results", str(exp), "--plot", "--stat", "median", cwd=workspace)     # beside the mean's, not over them
    assert f"wrote {plot.parent / 'score_median_vs_x.png'}" in median.stderr and plot.exists()


def test_plot_with_nothing_to_draw_says_why(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0]", repetitions=1, params="{epochs: 0}")
    exp.write_text(exp.read_text().replace("metric: {name: score, mode: max}\n", ""))
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    nothing = neuro("results", str(exp), "--plot", cwd=workspace)
    assert nothing.returncode == 1 and "--plot: nothing to draw: its runs logged no curves" in nothing.stderr
    assert "the file names no metric" in nothing.stderr
    assert not (workspace / "training_data" / "tasks" / "toy" / "plots").exists()


def test_each_run_keeps_its_training_curve(finished) -> None:
    workspace, _ = finished
    run_dir = workspace / "training_data" / "tasks" / "toy" / "x=3.0__fail=none__rep1"
    assert read_curves(run_dir) == {"loss": {0: 2.0, 1: 1.5, 2: pytest.approx(1 + 1 / 3)}}


def test_curves_keep_the_last_value_of_a_step_and_skip_a_torn_line(tmp_path: Path) -> None:
    (tmp_path / "metrics.jsonl").write_text('{"step": 0, "r": 0.1}\n{"step": 1, "r": 0.2}\n'
                                             '{"step": 1, "r": 0.25, "loss": 3}\n{"step": 2, "r": 0.')
    assert read_curves(tmp_path) == {"r": {0: 0.1, 1: 0.25}, "loss": {1: 3}}


def test_module_form_task_reference(workspace: Path, capsys) -> None:
    from neuro.cli.main import main
    exp = workspace / "exp.yaml"
    exp.write_text("name: m\ntask: tests.tasks.toy:train\ngrid: {x: [1.0, 2.0]}\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["plan", str(exp)])
    assert exit_info.value.code == 0
    assert "tasks/m: 2 runs" in capsys.readouterr().out  # folder: the package holding the module


def test_results_runs_gives_one_row_per_run_for_pandas(finished) -> None:
    workspace, exp = finished
    rows = list(csv.DictReader(io.StringIO(neuro("results", str(exp), "--runs", "-f", "csv", cwd=workspace).stdout)))
    assert len(rows) == 12
    assert list(rows[0])[:6] == ["run", "key", "seed", "state", "params.x", "params.epochs"]
    by_name = {row["run"]: row for row in rows}
    assert by_name["x=2.0__fail=none__rep2"]["state"] == "done"
    assert float(by_name["x=2.0__fail=none__rep2"]["score"]) == pytest.approx(0.2)
    assert by_name["x=4.0__fail=exception__rep0"]["state"] == "failed"
    assert by_name["x=4.0__fail=exception__rep0"]["score"] == ""


def test_nested_metrics_are_flattened_and_json_cells_in_csv(workspace: Path) -> None:
    (workspace / "task.py").write_text(
        "from dataclasses import dataclass, field\n\n@dataclass\nclass P:\n    flag: bool = True\n"
        "    sizes: list[int] = field(default_factory=lambda: [1, 2])\n\n"
        "def train(p: P, ctx):\n    return {'per_class': {'a': 0.5, 'b': {'c': 2}}, 'n': len(p.sizes)}\n")
    exp = workspace / "exp.yaml"
    exp.write_text("name: nested\ntask: task.py:train\n")
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    rows = list(csv.DictReader(io.StringIO(neuro("results", str(exp), "--runs", "-f", "csv", cwd=workspace).stdout)))
    assert rows[0]["params.flag"] == "true" and json.loads(rows[0]["params.sizes"]) == [1, 2]
    assert (rows[0]["per_class/a"], rows[0]["per_class/b/c"], rows[0]["n"]) == ("0.5", "2.0", "2.0")   # metrics are floats, exact
    table = neuro("results", str(exp), cwd=workspace).stdout
    assert table.splitlines()[0].split()[:3] == ["n", "per_class/a", "per_class/b/c"]


def test_results_metrics_choose_the_columns(finished) -> None:
    workspace, exp = finished
    out = neuro("results", str(exp), "--metrics", "threads,score", cwd=workspace).stdout.splitlines()
    assert out[0].split() == ["x", "fail", "threads", "score", "failed", "missing"]
    rows = list(csv.DictReader(io.StringIO(neuro("results", str(exp), "--metrics", "score", "-f", "csv",
                                                 cwd=workspace).stdout)))
    assert list(rows[0]) == ["x", "fail", "score_mean", "score_std", "score_n", "done", "failed", "missing"]
    bad = neuro("results", str(exp), "--metrics", "scor", cwd=workspace)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "--metrics: no run reported 'scor' (did you mean 'score'?)" in bad.stderr


def test_a_terminal_table_fits_the_terminal() -> None:
    from rich.console import Console

    from neuro.utils.reporting.table import print_table
    console = Console(width=60, record=True, force_terminal=True)
    headers = ["integration", "difficulty", *[f"accuracy_t{t}" for t in range(1, 6)]]
    print_table(headers, [["intermediate", "very_hard", *["0.8123 ± 0.012 (3)"] * 5]], console=console, keep=2)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 60
    assert "intermediate" in text and "very_hard" in text and "…" not in text       # wrapped, never hidden


def test_shell_completion_of_commands_options_and_choices(tmp_path: Path) -> None:
    import os
    import shlex
    import subprocess
    import sys

    def complete(words: str) -> list[str]:
        env = {**os.environ, "_NEURO_COMPLETE": "complete_bash", "COMP_WORDS": words,
               "COMP_CWORD": str(len(words.split()) - 1)}
        return subprocess.run([sys.executable, "-m", "neuro.cli.main"], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=60).stdout.split()

    assert complete("neuro re") == ["results", "remote"]
    assert complete("neuro run x.yaml --backend s") == ["slurm", "sge"]
    # the option takes no value: the shell is the one it is started from (shellingham looks at the parents)
    shown = subprocess.run(["bash", "-c", f"{shlex.quote(sys.executable)} -m neuro.cli.main --show-completion; true"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "complete -o default -F _neuro_completion neuro" in shown.stdout, shown.stderr


def test_ls_counts_what_status_counts_after_a_set_variant(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0, 2.0]", repetitions=1, params="{epochs: 1}")
    assert neuro("run", str(exp), cwd=workspace).returncode == 0
    assert neuro("run", str(exp), "--set", "params.epochs=2", cwd=workspace).returncode == 0    # the same folders
    assert "2 runs: 2 done" in neuro("status", str(exp), "--set", "params.epochs=2", cwd=workspace).stdout
    assert neuro("ls", cwd=workspace).stdout.splitlines()[2].split()[:3] == ["tasks/toy", "2", "2"]
    assert neuro("run", str(exp), "--set", "grid.x=[3.0]", cwd=workspace).returncode == 0       # a folder more
    assert neuro("ls", cwd=workspace).stdout.splitlines()[2].split()[:3] == ["tasks/toy", "3", "3"]


def test_hints_outside_a_checkout_name_the_installed_quickstart(tmp_path: Path) -> None:
    from neuro.utils.layout import CONFIGS
    empty = neuro("ls", cwd=tmp_path)
    assert empty.returncode == 0 and f"`neuro run {CONFIGS / 'quickstart.yaml'}` starts one" in empty.stdout
    (tmp_path / "empty.yaml").write_text("")
    refused = neuro("plan", "empty.yaml", cwd=tmp_path)
    assert refused.returncode == 2 and f"start from {CONFIGS / 'quickstart.yaml'}" in refused.stderr


def test_tasks_of_an_experiment_file_show_its_own_task_and_values(workspace: Path) -> None:
    exp = toy_experiment(workspace, grid="x: [1.0, 2.0]", repetitions=1, params="{epochs: 4}")
    shown = neuro("tasks", str(exp), cwd=workspace)
    assert shown.returncode == 0 and shown.stdout.startswith("/") and "toy.py:train: score = -(x - 2)^2" in shown.stdout
    assert shown.stdout.splitlines()[1].split()[-2:] == ["this", "file"]
    rows = {line.split()[0]: line.split() for line in shown.stdout.splitlines()[3:]}
    assert rows["x"][:4] == ["x", "float", "-", "1.0"] and rows["x"][-3:] == ["grid", "[1.0,", "2.0]"]
    assert rows["epochs"][-2:] == ["3", "4"] and rows["label"][-1] == "'a'"      # default, then the file's value
    assert not (workspace / "training_data").exists()
