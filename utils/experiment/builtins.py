"""The built-in tasks. Each family under experiments/ registers itself by defining `TASK` (a
BuiltinTask) in its package's __init__.py; nothing here names a family. Parameter classes live in
light modules so that listing and validating tasks never imports torch; the training function is
imported only when a run starts."""
from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass

FAMILIES = "neuro.experiments"   # the package of experiment families (the layout's experiments/)


@dataclass(frozen=True)
class BuiltinTask:
    params: str        # "module:Class", a dataclass of the task's parameters
    train: str         # "module:function", train(params, ctx) -> dict[str, float]
    description: str
    metric: str        # the headline metric
    mode: str          # "max" or "min"
    metrics: tuple[str, ...]   # every metric a run may report (what `metric.name` may name)
    check: str | None = None   # "module:function", check(params, data_dir): parameter ranges and the data
                               # a run will read, before anything runs; raises NeuroError naming key and fix
    plots: str | None = None   # "module:function", plots(sweep, out_dir, stat) -> [paths]: the family's own
                               # figures for `neuro results --plot`
    data: tuple[str, str] | None = None   # (name, "module"): `neuro data make|check|show <name>` are that
                                          # module's functions make, check and show (those it defines)


@functools.cache
def builtin_tasks() -> dict[str, BuiltinTask]:
    """Every registered family's task, by its package's name."""
    package = importlib.import_module(FAMILIES)
    found = {}
    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module.ispkg:
            task = getattr(importlib.import_module(f"{FAMILIES}.{module.name}"), "TASK", None)
            if isinstance(task, BuiltinTask):
                found[module.name] = task
    return found
