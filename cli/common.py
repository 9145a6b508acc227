"""Helpers shared by the commands: options, and turning an experiment file into a sweep."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from utils.spec import load_spec
from utils.sweep import Sweep
from utils.workspace import Workspace

ExperimentArg = Annotated[Path, typer.Argument(help="The experiment file (YAML).", show_default=False)]
SetOption = Annotated[Optional[list[str]], typer.Option(
    "--set", help="Override a field of the file, e.g. --set params.lr=0.02 (repeatable).")]


class Backend(str, Enum):
    local = "local"
    slurm = "slurm"
    sge = "sge"
    pbs = "pbs"
    torque = "torque"


def load(experiment: Path, overrides: list[str] | None) -> Sweep:
    """Validate the file (errors exit 2 with one line) and expand it into runs."""
    return Sweep.build(load_spec(experiment, overrides or []), Workspace.current())
