"""One run key, one directory. A run's folder is named after the run, and holds the files of one key:
when the run's key changes (a parameter, a task default, the seeds, the task file), the files of the
old key move to `<experiment>/.superseded/<key>/` and are recorded in the ledger; they come back if
that key is wanted again. A run never resumes, or trusts the status of, another key's files.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from neuro.utils.atomic import free_path, read_json
from neuro.utils.sweeps.ledger import LatestEvents
from neuro.utils.sweeps.recovery import entry_names, run_config
from neuro.utils.sweeps.runs import RunSpec, run_keys, run_names
from neuro.utils.sweeps.states import State
from neuro.utils.sweeps.sweep import Sweep

SUPERSEDED = ".superseded"
REMOVED = ".removed"             # runs taken out of view by `neuro rm`
LOCK = ".lock"


def occupant(run_dir: Path) -> str | None:
    """The key whose files the folder holds (None when it holds none)."""
    status = read_json(run_dir / "status.json")
    if isinstance(status, dict) and status.get("key"):
        return status["key"]
    return (run_config(run_dir) or {}).get("key")


@contextlib.contextmanager
def claim(run_dir: Path) -> Iterator[bool]:
    """Hold the run folder's lock for as long as the block lasts; False if another process holds it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(run_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def make_home(sweep: Sweep, run: RunSpec) -> None:
    """Make the run's folder hold `run`'s files, moving another key's aside (call under `claim`)."""
    run_dir = sweep.run_dir(run)
    current = occupant(run_dir)
    if current == run.key:
        return
    if current is not None:      # a folder without a key holds no run's files (at most a job's scheduler.log)
        kept = free_path(sweep.dir / SUPERSEDED / current)
        move_entries(run_dir, kept)
        sweep.ledger.append(_files_event(sweep, current, run.name, "superseded", kept))
    own = sweep.dir / SUPERSEDED / run.key
    if own.is_dir():
        move_entries(own, run_dir)
        own.rmdir()
        sweep.ledger.append(_files_event(sweep, run.key, run.name, "restored", run_dir))


def files_of(sweep: Sweep, run: RunSpec) -> Path:
    """Where the run's own files are: its folder, or `.superseded/<key>/` while another key's are there."""
    run_dir = sweep.run_dir(run)
    kept = sweep.dir / SUPERSEDED / run.key
    return kept if occupant(run_dir) != run.key and kept.is_dir() else run_dir


def missing(sweep: Sweep, latest: LatestEvents) -> set[str]:
    """Keys of done runs whose files are gone (a folder deleted by hand): not done any more."""
    gone = FilesGone(sweep)
    keys = run_keys(sweep.runs)
    return {key for key, name, event in zip(keys, run_names(sweep.runs), latest.shared_each(keys))
            if event is not None and event.get("state") == State.DONE and gone(key, name, event)}


class FilesGone:
    """Whether a done run's files are gone, read from two folder listings and the ledger's record of
    moved files, not from each run's files: a sweep of a million runs is checked in a second."""

    def __init__(self, sweep: Sweep):
        self.names, self.kept = set(entry_names(sweep.dir)), set(entry_names(sweep.dir / SUPERSEDED))

    def __call__(self, key: str, name: str, event: dict[str, Any]) -> bool:
        """`event`: the run's last (done) event."""
        return key not in self.kept and (name not in self.names or event.get("files") == "superseded")


def remove(sweep: Sweep, runs: list[RunSpec]) -> tuple[list[RunSpec], list[RunSpec]]:
    """Take runs out of view: their files move to `.removed/<key>/` and the ledger records them
    `removed` (planned again); returns (removed, busy: held by a running process, left alone)."""
    removed, busy = [], []
    for run in runs:
        with claim(sweep.run_dir(run)) as claimed:
            if not claimed:
                busy.append(run)
                continue
            files = files_of(sweep, run)
            if occupant(files) == run.key:
                kept = free_path(sweep.dir / REMOVED / run.key)
                move_entries(files, kept)
                if files != sweep.run_dir(run):
                    files.rmdir()
            removed.append(run)
    sweep.ledger.append_many([sweep.event(run, State.REMOVED) for run in removed])
    return removed, busy


def arrange(sweep: Sweep) -> tuple[list[RunSpec], dict[str, str]]:
    """Give every run of the sweep its own files back where another key's are in its folder (so that a
    done run's folder, logs and TensorBoard are its own). Returns the runs whose folder is in use by a
    process of another key, which stay as they are, and how each re-homed run differs from the run
    whose files it found there (run name -> `changes`)."""
    existing = {p.name for p in _subdirs(sweep.dir)}
    kept = {p.name for p in _subdirs(sweep.dir / SUPERSEDED)}
    busy, changed = [], {}
    for run in sweep.runs:
        if run.name not in existing and (old := _named_before(sweep, run, existing)) is not None:
            os.replace(old, sweep.run_dir(run))
            existing.add(run.name)
            sweep.ledger.append(_files_event(sweep, run.key, run.name, "renamed", sweep.run_dir(run)))
        if run.name not in existing and run.key not in kept:
            continue
        run_dir = sweep.run_dir(run)
        if run.name in existing and occupant(run_dir) == run.key:
            continue
        with claim(run_dir) as claimed:
            if not claimed:
                busy.append(run)
                continue
            if change := changes(sweep, run):
                changed[run.name] = change
            make_home(sweep, run)
    return busy, changed


def _named_before(sweep: Sweep, run: RunSpec, existing: set[str]) -> Path | None:
    """The folder of this run's files under the name earlier versions gave it, when its values hold
    characters a file name cannot (then names gained their `__h<hash>` part): the readable name alone,
    or with the run key's start."""
    named = re.fullmatch(r"(.*)__h[0-9a-f]{6}__(rep\d+)", run.name)
    if named is None:
        return None
    for name in (f"{named[1]}__{named[2]}", f"{named[1]}__{named[2]}__{run.key[:6]}"):
        if name in existing and occupant(sweep.dir / name) == run.key:
            return sweep.dir / name
    return None


def changes(sweep: Sweep, run: RunSpec) -> str | None:
    """How the run differs from the one whose files its folder holds ('params.y: 2 -> 5'), or None when
    the folder holds this run's files or none."""
    if occupant(sweep.run_dir(run)) in (None, run.key):
        return None
    old = run_config(sweep.run_dir(run))
    if not old:
        return None
    new = {"task": sweep.spec.task.identity, "seed": run.seed, "params": run.params}
    diffs = [f"{name}: {_show(old.get(name))} -> {_show(new[name])}" for name in ("task", "seed")
             if name in old and old[name] != new[name]]
    before, after = old.get("params") or {}, run.params
    for name in [*before, *[n for n in after if n not in before]]:
        if name not in after:
            diffs.append(f"params.{name}: {_show(before[name])} -> (removed)")
        elif name not in before:
            diffs.append(f"params.{name}: (new) -> {_show(after[name])}")
        elif before[name] != after[name]:
            diffs.append(f"params.{name}: {_show(before[name])} -> {_show(after[name])}")
    return ", ".join(diffs) or "the task's identity"


def _files_event(sweep: Sweep, key: str | None, run_name: str, what: str, where: Path) -> dict[str, Any]:
    return {"experiment": sweep.spec.id, "key": key, "run": run_name, "files": what,
            "path": str(where.relative_to(sweep.dir))}


def run_files(folder: Path) -> list[Path]:
    """What a run folder holds (its lock left out)."""
    try:
        return [p for p in folder.iterdir() if p.name != LOCK]
    except FileNotFoundError:
        return []


def move_entries(source: Path, target: Path) -> None:
    """Move what `source` holds (its lock left out) into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in run_files(source):
        os.replace(entry, target / entry.name)



def _subdirs(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir()]
    except FileNotFoundError:
        return []


def _show(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip().removesuffix("\n...")
