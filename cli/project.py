"""`neuro configs` and `neuro init`: the experiments that ship with neuro, and a project to start from."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from neuro.utils.errors import NeuroError
from neuro.utils.layout import CONFIGS
from neuro.utils.layout import STARTER as STARTER_DIR

STARTER = {"mlp.py": "mlp.py", "mlp.yaml": "mlp.yaml", "gitignore": ".gitignore"}   # packaged name -> written name


def configs() -> None:
    """List the experiment files that ship with neuro (the five families' configs and the quickstart),
    with where they are: `neuro run` takes any of them as it is, or copy one into your project first."""
    import yaml

    from neuro.utils.reporting.table import print_table
    rows = []
    for path in sorted(CONFIGS.rglob("*.yaml")):
        header = yaml.safe_load(path.read_text()) or {}
        rows.append([str(path.relative_to(CONFIGS)), str(header.get("task", "")), str(header.get("description", ""))])
    print_table(["config", "task", "description"], rows)
    print(f"\nin {CONFIGS}; e.g. `neuro run {CONFIGS / 'quickstart.yaml'}` (outputs go to ./training_data)")


def init(directory: Annotated[Path, typer.Argument(metavar="DIR", help="Where to write the project (created "
                                                   "if missing).", show_default=False)] = Path(".")) -> None:
    """Write a project to start from: a task (mlp.py, the README tour's MLP), an experiment file that
    sweeps it (mlp.yaml) and a .gitignore for training_data/. Never overwrites a file."""
    targets = {directory / written: STARTER_DIR / packaged for packaged, written in STARTER.items()}
    present = [str(path) for path in targets if path.exists()]
    if present:
        raise NeuroError(f"{present[0]}: already exists; `neuro init` never overwrites a file: give another DIR "
                         "(neuro init my_project)")
    directory.mkdir(parents=True, exist_ok=True)
    for path, source in targets.items():
        path.write_text(source.read_text())
    where = "" if directory.resolve() == Path.cwd().resolve() else f"cd {directory} && "
    print(f"wrote {', '.join(STARTER.values())} in {directory}\n"
          f"next: {where}neuro plan mlp.yaml; neuro run mlp.yaml; neuro results mlp.yaml")
