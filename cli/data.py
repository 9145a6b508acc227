"""`neuro data`: each family's data commands (make a synthetic set in the published format, check a
folder or file, show one item), gathered from the families that register them."""
from __future__ import annotations

import importlib

import typer

from neuro.cli.help import Command, Group
from neuro.utils.experiment.builtins import builtin_tasks

VERBS = {"make": "Write a synthetic data set", "check": "Validate data and summarise it",
         "show": "Draw one item to a PNG"}


def build() -> typer.Typer:
    """`neuro data <verb> <family>` for every family's commands module and the verbs it defines."""
    families = {name: importlib.import_module(module) for name, module in
                (task.data for task in builtin_tasks().values() if task.data)}
    app = typer.Typer(no_args_is_help=True, cls=Group, help="Each family's data: make a synthetic set in the published "
                                                  "format, check a folder or file, show one item.")
    for verb, what in VERBS.items():
        names = [name for name, module in families.items() if hasattr(module, verb)]
        group = typer.Typer(no_args_is_help=True, cls=Group, help=f"{what}: `neuro data {verb} {'|'.join(names)} --help`.")
        for name in names:
            group.command(name, cls=Command)(getattr(families[name], verb))
        app.add_typer(group, name=verb)
    return app
