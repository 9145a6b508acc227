"""What every backend offers: `neuro run`, `neuro plan`, `neuro cancel` and planning speak to the local
pool and to each cluster scheduler the same way, and never ask which one they hold."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from utils.errors import NeuroError
from utils.sweeps.plan import Plan, Rerun, plan_runs
from utils.sweeps.runs import RunSpec
from utils.sweeps.sweep import Sweep

if TYPE_CHECKING:
    from utils.search.driver import SearchDriver

NAMES = ("local", "slurm", "sge", "pbs", "torque")


@dataclass(frozen=True)
class LaunchOptions:
    workers: int | None = None   # local: worker processes (default: from resources and the machine)
    wait: bool = False           # cluster: block until every run has ended


class Backend(ABC):
    name: str
    interrupted_hint: str        # what Ctrl-C during `launch` leaves behind, for the user

    def require(self, sweep: Sweep) -> None:
        """Refuse, in one line, a sweep this machine cannot launch here; before anything is written."""

    def plan(self, sweep: Sweep, rerun: Rerun) -> Plan:
        """What `neuro run` will launch here."""
        return plan_sweep(sweep, sweep.latest(), rerun)

    @abstractmethod
    def launch(self, sweep: Sweep, plan: Plan, options: LaunchOptions) -> Counter | None:
        """Start the plan's runs; the count of each end state, or None when not waiting for them."""

    @abstractmethod
    def search(self, sweep: Sweep, driver: "SearchDriver", options: LaunchOptions) -> Counter | None:
        """Run a search: start the driver's runs, and ask it for more each time a run ends (or, on a
        cluster, at each poll), until it has none in flight; the count of each run end state, or None
        when not waiting (a later `neuro run` continues)."""

    def job_scripts(self, sweep: Sweep, runs: list[RunSpec]) -> list[tuple[int, str]] | None:
        """The exact job scripts `launch` would submit for `runs`, each with its number of runs (None:
        this backend submits no scripts)."""
        return None

    @abstractmethod
    def holds(self, event: dict) -> bool:
        """Whether the ledger's last event for a run says this backend has it queued or running."""

    @abstractmethod
    def live(self, events: list[dict]) -> set[str]:
        """Keys of the runs (held, by their last events) whose process or job still exists."""

    @abstractmethod
    def cancel(self, events: list[dict]) -> dict[str, list[str]]:
        """Ask the held runs to stop; returns the run names it cannot reach here, by host."""


def backend_named(name: str) -> Backend:
    if name == "local":
        from utils.backends.local import LocalBackend
        return LocalBackend()
    if name == "slurm":
        from utils.backends.slurm import SlurmBackend
        return SlurmBackend()
    from utils.backends.qsub import DIALECTS
    if name in DIALECTS:
        return DIALECTS[name]()
    raise NeuroError(f"unknown backend {name!r}; one of {', '.join(NAMES)}")


def backend_of(event: dict) -> str:
    """The backend that ran or runs a ledger event's run (local events name none)."""
    return event.get("backend") or "local"


def held_by_backend(events: list[dict]) -> dict[str, list[dict]]:
    """The events whose run some backend holds, grouped by that backend's name."""
    backends: dict[str, Backend] = {}
    groups: dict[str, list[dict]] = {}
    for event in events:
        name = backend_of(event)
        if name not in backends:
            backends[name] = backend_named(name)
        if backends[name].holds(event):
            groups.setdefault(name, []).append(event)
    return groups


def in_flight(latest: dict[str, dict]) -> set[str]:
    """Run keys (of `latest`, the ledger's last event per run) that a live process or job holds: another
    `neuro run`, here or elsewhere, or a cluster job. Asks each backend once."""
    return {key for name, events in held_by_backend(list(latest.values())).items()
            for key in backend_named(name).live(events)}


def plan_sweep(sweep: Sweep, latest: dict[str, dict], rerun: Rerun) -> Plan:
    """What `neuro run` does with each run, given the ledger's last events: runs a live process or job
    holds are left to it; done runs whose files are gone run again."""
    from utils.sweeps.run_home import missing
    return plan_runs(sweep, latest, rerun, in_flight(latest), missing(sweep, latest))
