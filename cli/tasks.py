"""`neuro tasks`: the built-in tasks and their parameters."""
from __future__ import annotations

import dataclasses

from neuro.utils.experiment.param_types import range_text, type_name
from neuro.utils.experiment.tasks import builtin_task_list
from neuro.utils.reporting.table import text_table


def tasks() -> None:
    """List the built-in tasks with their parameters, types, defaults and meaning."""
    for task in builtin_task_list():
        print(f"{task.ref}: {task.description}")
        if task.metric:
            print(f"  headline metric: {task.metric[0]} ({task.metric[1]})")
        if task.metrics:
            print(f"  reports: {', '.join(task.metrics)}")
        rows = [[p.name, type_name(p.annotation), range_text(p.annotation) or "-",
                 "(required)" if p.default is dataclasses.MISSING else repr(p.default), p.help]
                for p in task.parameters().values()]
        print("  " + text_table(["parameter", "type", "range", "default", "meaning"], rows).replace("\n", "\n  "))
        print()
    print("Your own task: task: path/to/file.py:function or package.module:function, where\n"
          "function(params, ctx) -> dict of metrics; annotate params with a dataclass to get checking, and\n"
          "declare ranges next to the types: lr: Annotated[float, Gt(0)] = 0.01 (annotated_types).")
