"""A lab's own module names never meet neuro's: a task file named utils.py, a task that imports the
project's utils.py, a `package.module` task from the project's own experiments/ package. Each runs in
a real `neuro` process, as module lookup is what is tested (in process, sys.modules is shared)."""
from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import neuro_process

TASK = '''
from dataclasses import dataclass

from {helper} import scale


@dataclass
class Params:
    x: float = 1.0


def train(p: Params, ctx) -> dict[str, float]:
    return {{"score": scale(p.x)}}
'''


def _scores(lab: Path, experiment: str) -> list[float]:
    run = neuro_process("run", experiment, cwd=lab)
    assert run.returncode == 0, run.stdout + run.stderr
    shown = neuro_process("results", experiment, "--format", "json", cwd=lab)
    return sorted(row["metrics"]["score"]["mean"] for row in json.loads(shown.stdout))


def test_a_task_file_named_utils_py_runs(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("def scale(x):\n    return 3 * x\n")
    (tmp_path / "utils.py").write_text(TASK.format(helper="helpers"))
    (tmp_path / "exp.yaml").write_text("name: u\ntask: utils.py:train\ngrid: {x: [1.0, 2.0]}\n")
    assert _scores(tmp_path, "exp.yaml") == [3, 6]


def test_tasks_import_the_projects_own_utils_and_experiments(tmp_path: Path) -> None:
    (tmp_path / "utils.py").write_text("def scale(x):\n    return 10 * x\n")
    package = tmp_path / "experiments" / "my_lab"
    package.mkdir(parents=True)
    (tmp_path / "experiments" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "exp.py").write_text(TASK.format(helper="utils"))
    (tmp_path / "by_module.yaml").write_text("name: m\ntask: experiments.my_lab.exp:train\ngrid: {x: [1.0, 2.0]}\n")
    (tmp_path / "by_file.yaml").write_text("name: f\ntask: experiments/my_lab/exp.py:train\ngrid: {x: [1.0, 2.0]}\n")
    assert _scores(tmp_path, "by_module.yaml") == [10, 20]
    assert _scores(tmp_path, "by_file.yaml") == [10, 20]
