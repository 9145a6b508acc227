"""Helpers shared by the commands: options, and turning an experiment file into a sweep."""
from __future__ import annotations

import gc
import json
import shlex
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from neuro.utils.backends.registry import EXECUTORS
from neuro.utils.errors import NeuroError
from neuro.utils.experiment.spec import load_spec
from neuro.utils.sweeps.sweep import Sweep
from neuro.utils.sweeps.workspace import Workspace

ExperimentArg = Annotated[Path, typer.Argument(metavar="FILE", help="The experiment file (YAML).", show_default=False)]
SetOption = Annotated[Optional[list[str]], typer.Option(
    "--set", metavar="KEY=VALUE", help="Override a field of the file, e.g. --set params.lr=0.02 (repeatable).")]

RemoteOption = Annotated[Optional[str], typer.Option(
    "--remote", metavar="NAME", help="Do it on a remote (see `neuro remote`): the project is sent there first.",
    show_default=False)]
INVOCATION: list[str] = []     # the command's arguments as given (main() records them): --remote passes them on



def invocation(experiment: Path, set_: list[str] | None) -> str:
    """The experiment file and its `--set` options as a hint's command line repeats them (quoted for the shell)."""
    return " ".join([shlex.quote(str(experiment)), *(f"--set {shlex.quote(value)}" for value in set_ or [])])


LARGE_SWEEP = 100_000
MaxRunsOption = Annotated[Optional[int], typer.Option(
    "--max-runs", min=1, metavar="N", help="Allow a sweep of up to N runs (the file's max_runs; default 100000).")]


Backend = Enum("Backend", {name: name for name in EXECUTORS}, type=str)  # type: ignore[misc]  # the executors, a choice


def load(experiment: Path, overrides: list[str] | None, check_data: bool = False, import_code: bool = True,
         record_task: bool = True, max_runs: int | None = None, writes: str | None = None) -> Sweep:
    """Validate the file (errors exit 2 with one line) and expand it into runs; with check_data, also
    the data the runs will read (for tasks that can check it), before anything is written. Without
    import_code the task's code is not imported (reading results must not depend on it); an imported
    task's card is recorded for such readers unless not `record_task`. `max_runs` raises the size limit.
    A command that `writes` (its purpose, for the message) is refused at once in a read-only workspace."""
    from neuro.utils.experiment.tasks import write_card
    from neuro.utils.sweeps.rekey import rekey
    workspace = Workspace.current()
    if writes:
        workspace.check_writable(writes)
    check_ledger(workspace)
    cards = workspace.training_data / ".tasks"
    overrides = [*(overrides or []), *([f"max_runs={max_runs}"] if max_runs else [])]
    sweep = Sweep.build(load_spec(experiment, overrides, cards, import_code), workspace)
    if len(sweep.runs) > LARGE_SWEEP:
        gc.freeze()   # its runs live as long as the command: the cycle collector need not walk them again
    if moved := rekey(sweep):
        print(f"{sweep.spec.id}: {moved} run(s) keyed anew, by the task file's path in the project instead of on this "
              "machine (so that the project gives the same keys wherever it is); their results stay", file=sys.stderr)
    if check_data:
        _check_data(sweep, experiment)
    task = sweep.spec.task
    if record_task and task.kind != "builtin" and task.card_defaults is None:
        write_card(cards, task)
    return sweep


def check_ledger(workspace: Workspace) -> None:
    """Rebuild a missing or unreadable ledger from the run folders, saying so in one line."""
    from neuro.utils.sweeps.recovery import repair_ledger
    if note := repair_ledger(workspace.training_data):
        print(note, file=sys.stderr)


def warn_stale_card(sweep: Sweep, experiment: Path) -> None:
    """Say so when the task file changed since its parameters were last read (the keys use those)."""
    if sweep.spec.task.stale_card:
        print(f"note: {sweep.spec.task.file} changed since `neuro run` last read its parameters; runs are "
              f"shown with the defaults read then (`neuro run {experiment}` reads them again)", file=sys.stderr)


def _check_data(sweep: Sweep, experiment: Path) -> None:
    check = sweep.spec.task.load_check()
    if check is None:
        return
    for params in {json.dumps(run.params, sort_keys=True): run.params for run in sweep.runs}.values():
        try:
            check(sweep.spec.task.make_params(params), sweep.workspace.data)
        except NeuroError as err:
            raise NeuroError(f"{experiment}: {err}") from None


def on_remote(remote: str | None, experiment: Path) -> None:
    """With --remote NAME: send the project there, run the same command there and exit with its code."""
    if remote is not None:
        from neuro.utils.remote.forward import forward
        raise typer.Exit(forward(remote, INVOCATION, experiment))
