"""What every executor offers (the local pool, Slurm, each qsub dialect): open a launch that takes runs
and follows them to their end, say which held runs are live, cancel them, render job scripts. The
dispatcher (neuro.utils.backends.dispatch) speaks to all of them the same way and never asks which one
it holds."""
from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from neuro.utils.backends.registry import EXECUTORS
from neuro.utils.errors import NeuroError, did_you_mean
from neuro.utils.sweeps.runs import RunSpec
from neuro.utils.sweeps.sweep import Sweep

Write = Callable[[list[dict[str, Any]]], Any]     # appends ledger events (under the ledger's lock)


@dataclass(frozen=True)
class LaunchOptions:
    workers: int | None = None   # local: worker processes (default: from resources and the machine)
    wait: bool = False           # cluster: block until every run has ended


class Launch(ABC):
    """The runs one `neuro run` sends through an executor: submitted as they come, followed to their end."""

    follows: bool                # whether it follows runs to their end unasked (the pool), or only with --wait

    def __init__(self) -> None:
        self.ends: Counter = Counter()      # end state -> runs of this launch that ended so
        self.pending: set[str] = set()      # keys of submitted runs that have not ended

    def reserve(self, most: int, total: int | None = None) -> int:
        """Prepare for at most `most` runs at once (and `total` over the launch, where known); how many it
        can carry at once (a pool: its workers)."""
        return most

    def room(self, latest: Mapping[str, dict]) -> int | None:
        """How many more runs may be submitted now, given the sweep's `latest` events (None: as many as
        there are)."""
        return None

    @abstractmethod
    def submit(self, runs: list[tuple[RunSpec, bool]], write: Write) -> None:
        """Start `runs` ((run, fresh start?) pairs) and record them queued with `write`."""

    @abstractmethod
    def wait(self) -> None:
        """Block until a submitted run ends (or a poll interval passes); ended runs leave `pending`."""

    def close(self, interrupted: bool = False) -> None:
        """Let go of what the launch holds (worker processes, a progress bar); `interrupted` by Ctrl-C."""

    def __enter__(self) -> Launch:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self.close(interrupted=kind is not None and issubclass(kind, KeyboardInterrupt))


class Executor(ABC):
    name: str
    interrupted_hint: str        # what Ctrl-C during a launch leaves behind, for the user

    def require(self, sweep: Sweep) -> None:
        """Refuse, in one line, a sweep this machine cannot launch here; before anything is written."""

    @abstractmethod
    def launch(self, sweep: Sweep, options: LaunchOptions) -> Launch:
        """Open a launch of the sweep's runs."""

    def job_scripts(self, sweep: Sweep, runs: list[RunSpec]) -> list[tuple[int, str]] | None:
        """The exact job scripts a launch would submit for `runs`, each with its number of runs (None:
        this executor submits no scripts)."""
        return None

    def packing_note(self, sweep: Sweep) -> str | None:
        """How runs are packed into jobs, when it is not one run a job (for `neuro plan`)."""
        return None

    @abstractmethod
    def holds(self, event: dict) -> bool:
        """Whether the ledger's last event for a run says this executor has it queued or running."""

    @abstractmethod
    def live(self, events: list[dict]) -> set[str]:
        """Keys of the runs (held, by their last events) whose process or job still exists."""

    @abstractmethod
    def cancel(self, events: list[dict]) -> dict[str, list[str]]:
        """Ask the held runs to stop; returns the run names it cannot reach here, by host."""


def executor_named(name: str) -> Executor:
    """A new executor of that name (its module is imported here, not before)."""
    if name not in EXECUTORS:
        raise NeuroError(f"unknown backend {name!r}{did_you_mean(name, EXECUTORS)}; one of {', '.join(EXECUTORS)}")
    module, cls = EXECUTORS[name].executor.split(":")
    return getattr(importlib.import_module(module), cls)()
