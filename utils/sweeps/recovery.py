"""The run folders are the truth, the ledger their index. A run whose folder holds its key's status and
result is done whatever the ledger says (a ledger deleted, truncated or garbled); a ledger that is
missing or unreadable is rebuilt from the folders.

Every run's own process writes `status.json` just before its ledger event, so a folder whose status is
newer than the ledger's last word on that run knows more than the ledger.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from neuro.utils.atomic import read_json
from neuro.utils.experiment.yaml_source import SafeLoader
from neuro.utils.sweeps.ledger import LatestEvents, Ledger, state_of
from neuro.utils.sweeps.runs import RunSpec, run_keys, run_names
from neuro.utils.sweeps.states import FINAL, State

SETTLED = (State.DONE, State.PRUNED)


def with_folders(latest: LatestEvents, runs: Sequence[RunSpec], folder: Path, experiment: str) -> LatestEvents:
    """`latest` (the ledger's last event per run key of `experiment`, whose runs live in `folder`)
    corrected by the run folders: a run that ended in its folder after the ledger's last word on it gets
    the folder's end, marked `recovered` (so that `neuro run` writes it back into the ledger). Only
    folders of runs the ledger does not call settled are read."""
    names = set(entry_names(folder))
    out = latest
    for key, name in zip(run_keys(runs), run_names(runs)):
        if name not in names or state_of(latest, key) in SETTLED:
            continue
        known = latest.get(key)
        found = folder_event(folder / name, key, experiment)
        if found is not None and (known is None or found["time"] > known.get("time", 0)):
            if out is latest:
                out = latest.copy()
            out[key] = found
    return out


def folder_event(run_dir: Path, key: str | None = None, experiment: str | None = None) -> dict[str, Any] | None:
    """The ledger event a run folder's files stand for: its end (done with its result, failed, pruned),
    when its status says it ended (and, given `key`, the folder holds that key's files); None otherwise."""
    status = read_json(run_dir / "status.json")
    if not isinstance(status, dict) or status.get("state") not in FINAL or (key and status.get("key") != key):
        return None
    event: dict[str, Any] = {"experiment": experiment, "key": status.get("key"), "run": status.get("name", run_dir.name),
                             "state": status["state"], "time": status.get("updated", 0), "recovered": True}
    for field in ("started", "duration_s", "error", "job_id", "backend", "array_job", "environment", "data"):
        if status.get(field) is not None:
            event[field] = status[field]
    if status["state"] == State.DONE:
        result = read_json(run_dir / "result.json")
        if not isinstance(result, dict) or result.get("key") != event["key"]:
            return None
        event["metrics"] = result.get("metrics")
        event["duration_s"] = result.get("duration_s", event.get("duration_s"))
    if experiment is None:
        event["experiment"] = (run_config(run_dir) or {}).get("experiment")
    return event if event["experiment"] and event["key"] else None


def recovered(latest: Mapping[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    """The events `with_folders` took from the folders, as the ledger should have them."""
    events = latest.single_events() if isinstance(latest, LatestEvents) else latest.values()
    return [{k: v for k, v in event.items() if k != "recovered"} | {"recovered_from": "run folder"}
            for event in events if event.get("recovered")]


def repair_ledger(training_data: Path) -> str | None:
    """Rebuild a ledger that is missing (while run folders exist) or unreadable, where the workspace can
    be written; a one-line note of what was done, or None when the ledger is fine."""
    path = training_data / "ledger.jsonl"
    if path.exists() and not ledger_unreadable(path):
        return None
    if not path.exists() and not holds_runs(training_data):
        return None
    what = "unreadable" if path.exists() else "missing"
    if not os.access(training_data, os.W_OK):
        return f"note: {path} is {what}; runs are read from their folders (the workspace is read-only)"
    count, moved = rebuild_ledger(training_data)
    kept = f"; the unreadable file is kept as {moved.name}" if moved else ""
    return f"note: {path} was {what}; rebuilt it from {count} run folder{'s' * (count != 1)}{kept}"


def ledger_unreadable(path: Path) -> bool:
    """Whether the ledger exists but nothing in it can be read: garbage, zeros from a crashed disk."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(1 << 20)
    except (FileNotFoundError, IsADirectoryError):
        return False
    if not head.strip(b"\0 \n"):
        return bool(head)                 # empty is readable (a ledger just created); zeros are not
    *lines, last = head.split(b"\n")
    if any(_is_event(line) for line in lines):
        return False
    return not last.startswith(b"{")      # a first line longer than the head (a large submission) is read later


def _is_event(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def rebuild_ledger(training_data: Path) -> tuple[int, Path | None]:
    """Write a new ledger from the run folders (the ended runs each folder records); an unreadable one is
    moved aside first, never deleted. Returns the number of runs recorded and where the old file went."""
    ledger = Ledger(training_data / "ledger.jsonl")
    moved = None
    if ledger.path.exists():
        moved = ledger.path.with_name(f"ledger.jsonl.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(ledger.path, moved)
    events = [event for run_dir in run_folders(training_data) if (event := folder_event(run_dir)) is not None]
    events.sort(key=lambda e: e["time"])
    ledger.append_many(recovered({e["key"]: e for e in events}) if events else [])
    return len(events), moved


def run_folders(training_data: Path) -> Iterator[Path]:
    """Every run folder under training_data (a folder holding a status.json), superseded and removed
    runs' copies left out."""
    for root, folders, files in os.walk(training_data):
        folders[:] = sorted(f for f in folders if not f.startswith("."))   # .superseded, .removed, .code, ...
        if "status.json" in files and Path(root) != training_data:
            folders[:] = []
            yield Path(root)


def holds_runs(training_data: Path) -> bool:
    """Whether any run folder exists under training_data (looked for lazily: the first one will do)."""
    return next(run_folders(training_data), None) is not None


def entry_names(folder: Path) -> list[str]:
    """The names in a folder ([] when it does not exist)."""
    try:
        return os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []


def run_config(run_dir: Path) -> dict | None:
    """The run folder's config.yaml (its experiment, task, key, seed and parameters), or None."""
    try:
        config = yaml.load((run_dir / "config.yaml").read_text(), Loader=SafeLoader)
    except (OSError, yaml.YAMLError):
        return None
    return config if isinstance(config, dict) else None
