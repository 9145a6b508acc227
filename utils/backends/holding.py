"""Which runs a live process or job holds: asked of each executor that the ledger names."""
from __future__ import annotations

from collections.abc import Mapping

from neuro.utils.backends.executor import executor_named
from neuro.utils.backends.registry import executor_of
from neuro.utils.sweeps.ledger import PULLED_FROM


def held_by_executor(events: list[dict]) -> dict[str, list[dict]]:
    """The events whose run some executor holds, grouped by that executor's name."""
    executors = {}
    groups: dict[str, list[dict]] = {}
    for event in events:
        name = executor_of(event)
        if name not in executors:
            executors[name] = executor_named(name)
        if executors[name].holds(event):
            groups.setdefault(name, []).append(event)
    return groups


def in_flight(latest: Mapping[str, dict]) -> set[str]:
    """Run keys (of `latest`, the ledger's last event per run) that a live process or job holds: another
    `neuro run`, here or elsewhere, or a cluster job. Asks each executor once. A run pulled from a remote
    (`neuro pull`) is held while the remote's last word says so: only the remote can ask its scheduler."""
    held = set()
    for name, events in held_by_executor(list(latest.values())).items():
        held |= {e["key"] for e in events if e.get(PULLED_FROM)}
        if here := [e for e in events if not e.get(PULLED_FROM)]:
            held |= executor_named(name).live(here)
    return held
