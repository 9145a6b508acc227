"""The executors by name, each with the section of the experiment file that holds its options. The
experiment file's `backend:` and those sections are checked against this list, the CLI offers its
names, and a ledger event's `backend` finds its executor here. A new scheduler is its module and one
line below (neuro.utils.backends.executor.executor_named makes one by name)."""
from __future__ import annotations

from dataclasses import dataclass

from neuro.utils.backends.options import LocalOptions, QsubOptions, SlurmOptions


@dataclass(frozen=True)
class Registration:
    name: str           # what `backend:` and `--backend` say
    section: str        # the experiment file's section of its options
    options: type       # that section's dataclass
    executor: str       # "module:Class", imported when the executor is used


EXECUTORS = {entry.name: entry for entry in (
    Registration("local", "local", LocalOptions, "neuro.utils.backends.local:LocalExecutor"),
    Registration("slurm", "slurm", SlurmOptions, "neuro.utils.backends.slurm:SlurmExecutor"),
    Registration("sge", "qsub", QsubOptions, "neuro.utils.backends.qsub:SGEExecutor"),
    Registration("pbs", "qsub", QsubOptions, "neuro.utils.backends.qsub:PBSProExecutor"),
    Registration("torque", "qsub", QsubOptions, "neuro.utils.backends.qsub:TorqueExecutor"),
)}
SECTIONS = {entry.section: entry.options for entry in EXECUTORS.values()}   # section -> options dataclass


def executor_of(event: dict) -> str:
    """The executor that ran or runs a ledger event's run (local events name none)."""
    return event.get("backend") or "local"
