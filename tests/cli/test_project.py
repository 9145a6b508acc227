"""`neuro init` writes a project that runs as it is and never overwrites a file; `neuro configs` lists
what ships with neuro."""
from __future__ import annotations

from pathlib import Path

from neuro.utils.layout import CONFIGS
from tests.conftest import ROOT, neuro


def test_init_writes_a_project_and_never_overwrites(workspace: Path) -> None:
    written = neuro("init", "lab", cwd=workspace)
    assert written.returncode == 0, written.stderr
    assert sorted(p.name for p in (workspace / "lab").iterdir()) == [".gitignore", "mlp.py", "mlp.yaml"]
    (workspace / "lab" / "mlp.py").write_text("# my own edits\n")
    again = neuro("init", "lab", cwd=workspace)
    assert again.returncode == 2
    assert again.stderr.strip() == ("neuro: error: lab/mlp.py: already exists; `neuro init` never overwrites a file: "
                                    "give another DIR (neuro init my_project)")
    assert (workspace / "lab" / "mlp.py").read_text() == "# my own edits\n"


def test_the_starter_task_is_the_tours_task() -> None:
    readme = (ROOT / "README.md").read_text()
    tour = readme.split("```python\n# experiments/my_lab/exp.py\n", 1)[1].split("```", 1)[0]
    starter = (ROOT / "cli" / "starter" / "mlp.py").read_text()
    assert starter.split("\n", 1)[1] == tour      # below its docstring, the same code


def test_configs_lists_every_shipped_config(workspace: Path) -> None:
    shown = neuro("configs", cwd=workspace)
    assert shown.returncode == 0
    listed = {line.split()[0] for line in shown.stdout.splitlines()[2:] if line.split() and line.split()[0].endswith(".yaml")}
    assert listed == {str(p.relative_to(CONFIGS)) for p in CONFIGS.rglob("*.yaml")}
    assert f"in {CONFIGS}" in shown.stdout
