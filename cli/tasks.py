"""`neuro tasks [FILE]`: the built-in tasks and their parameters, or an experiment's own task."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from neuro.cli.common import SetOption
from neuro.utils.experiment.param_types import range_text, type_name
from neuro.utils.experiment.tasks import Task, builtin_task_list
from neuro.utils.reporting.table import text_table


def tasks(experiment: Annotated[Optional[Path], typer.Argument(
        metavar="[FILE]", help="An experiment file: its own task's parameters, with the values the file gives "
                               "them.", show_default=False)] = None,
          set_: SetOption = None) -> None:
    """List the built-in tasks with their parameters, types, defaults and meaning (or, given an
    experiment file, its task's, beside what the file sets)."""
    if experiment is not None:
        from neuro.utils.experiment.spec import load_spec
        spec = load_spec(experiment, set_ or [])
        _print_task(spec.task, _set_in_file(spec))
        return
    for task in builtin_task_list():
        _print_task(task)
        print()
    print("Your own task: task: path/to/file.py:function or package.module:function, where\n"
          "function(params, ctx) -> dict of metrics; annotate params with a dataclass to get checking, and\n"
          "declare ranges next to the types: lr: Annotated[float, Gt(0)] = 0.01 (annotated_types).\n"
          "`neuro tasks FILE` shows the parameters of an experiment file's own task.")


def _print_task(task: Task, in_file: dict[str, str] | None = None) -> None:
    print(f"{task.ref}: {task.description}" if task.description else f"{task.ref}:")
    if task.metric:
        print(f"  headline metric: {task.metric[0]} ({task.metric[1]})")
    if task.metrics:
        print(f"  reports: {', '.join(task.metrics)}")
    parameters = task.parameters()
    if not parameters:
        print("  its parameters are a plain dict (no dataclass annotation): any names, no checking")
        return
    headers = ["parameter", "type", "range", "default", "meaning"] + (["this file"] if in_file is not None else [])
    rows = [[p.name, type_name(p.annotation), range_text(p.annotation) or "-",
             "(required)" if p.default is dataclasses.MISSING else repr(p.default), p.help]
            + ([in_file.get(p.name, "")] if in_file is not None else []) for p in parameters.values()]
    print("  " + text_table(headers, rows).replace("\n", "\n  "))


def _set_in_file(spec: Any) -> dict[str, str]:
    """What the experiment file gives each parameter: a fixed value, a grid's values or a search range."""
    given = {name: _text(value) for name, value in spec.params.items()}
    given |= {name: f"grid {_text(values)}" for name, values in {**spec.grid, **spec.zip}.items()}
    if spec.search is not None:
        given |= {name: f"search {dim.kind} {_text(dim.values)}" for name, dim in spec.search.space.items()}
    return given


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
