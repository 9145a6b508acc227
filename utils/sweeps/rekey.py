"""Runs recorded before a task file's identity was its path in the workspace keep their results.

Run keys once named a task file by its absolute path. They now name it by its path in the workspace
(so that the same project gives the same keys wherever it sits), which gives every run of such a task
a new key. The first command that loads an experiment written that way finds its runs under their
former keys and records each under its new one: the ledger gets the run's last event again with the
new key (`rekeyed_from` the former), and the run folder's own files name the new key. Nothing is
moved or deleted. A marker in the experiment's folder says it was done (the check costs a second
expansion of the sweep, once).
"""
from __future__ import annotations

import dataclasses
import os

from neuro.utils.atomic import read_json, write_json
from neuro.utils.sweeps.runs import run_keys, run_names
from neuro.utils.sweeps.sweep import KEYS_MARKER, Sweep

RUN_FILES = ("status.json", "result.json", "config.json")


def rekey(sweep: Sweep) -> int:
    """Record the sweep's runs found under their former keys under their new ones (where the workspace
    can be written); how many were."""
    task = sweep.spec.task
    marker = sweep.dir / KEYS_MARKER
    if task.former_identity is None or not sweep.dir.is_dir() or marker.exists() or not os.access(sweep.dir, os.W_OK):
        return 0
    former_spec = dataclasses.replace(sweep.spec, task=dataclasses.replace(task, identity=task.former_identity))
    former = Sweep.build(former_spec, sweep.workspace)
    latest = sweep.ledger.latest(sweep.spec.id)
    events, moved = [], 0
    for old, new, name in zip(run_keys(former.runs), run_keys(sweep.runs), run_names(sweep.runs)):
        if old not in latest or new in latest:
            continue
        events.append({**latest[old], "key": new, "rekeyed_from": old})
        for file in RUN_FILES:
            path = sweep.dir / name / file
            data = read_json(path)
            if isinstance(data, dict) and data.get("key") == old:
                write_json(path, {**data, "key": new, "rekeyed_from": old})
        moved += 1
    if events:
        sweep.ledger.append_many(events)
    write_json(marker, {"task_identity": task.identity, "former": task.former_identity, "rekeyed": moved})
    return moved
