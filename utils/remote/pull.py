"""`neuro pull FILE --remote NAME`: an experiment's run folders and ledger events brought home.

Run folders come by rsync (only files that changed; each file written whole, under a temporary name
first, so a pull cut off at any moment and run again completes). Checkpoints stay on the remote unless
asked for. The remote's ledger is copied beside the local one (rsync sends only what was appended),
and the experiment's events that the local ledger lacks are appended to it, each once: a second pull
adds none. Afterwards status, results, tb, ls and --plot read the runs here, and `neuro run` here
treats the remote's done runs as done (their keys do not depend on where the project is).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from neuro.utils.errors import NeuroError
from neuro.utils.remote.remotes import Remote
from neuro.utils.remote.ssh import SET_PATH, failure, run_script
from neuro.utils.remote.sync import fetch
from neuro.utils.sweeps.ledger import PULLED_FROM, Ledger
from neuro.utils.sweeps.sweep import Sweep

FIND_PROJECT = SET_PATH + r'''
cd "$p" 2>/dev/null && pwd
'''


@dataclass
class Pulled:
    files: int           # run files that travelled
    events: int          # ledger events added here


def pull(remote: Remote, sweep: Sweep, checkpoints: bool) -> Pulled:
    """Bring `sweep`'s run folders (without checkpoints unless `checkpoints`) and ledger events home."""
    found = run_script(remote, FIND_PROJECT, [remote.path], timeout=120)
    if found.returncode == 255:
        raise failure(remote, found)
    if found.returncode != 0 or not found.stdout.strip():
        raise NeuroError(f"remote {remote.name}: no project at {remote.path} on {remote.host}; "
                         f"`neuro run FILE --remote {remote.name}` sends it and runs it there")
    folder = found.stdout.strip().splitlines()[-1]
    training_data = sweep.workspace.training_data
    relative = sweep.dir.relative_to(training_data)
    copy = training_data / ".remotes" / remote.name / "ledger.jsonl"
    if fetch(remote, f"{folder}/training_data/ledger.jsonl", copy, optional=True) is None:
        raise NeuroError(f"remote {remote.name}: {folder} has no ledger yet (nothing ran there); "
                         f"`neuro run FILE --remote {remote.name}` runs the experiment there")
    excluded = [] if checkpoints else ["checkpoints/"]
    sweep.dir.mkdir(parents=True, exist_ok=True)
    files = fetch(remote, f"{folder}/training_data/{relative}/", sweep.dir, folder=True, exclude=excluded)
    events = merge_events(Ledger(copy), sweep.ledger, sweep.spec.id, remote.name)
    return Pulled(files or 0, events)


def merge_events(source: Ledger, target: Ledger, experiment: str, remote: str) -> int:
    """Append to `target` the lines of `experiment` in `source` it does not hold yet (compared whole,
    time and host included), each marked with the remote it came from; how many."""
    have = {_canonical(line) for line in target.lines(experiment)}
    new: list[dict] = []
    for line in source.lines(experiment):
        if (canonical := _canonical(line)) not in have:
            have.add(canonical)
            new.append({**line, PULLED_FROM: remote})
    if new:
        target.append_many(new)
    return len(new)


def _canonical(line: dict) -> str:
    """A line as compared: without the mark of the remote it was pulled from."""
    return json.dumps({k: v for k, v in line.items() if k != PULLED_FROM}, sort_keys=True, separators=(",", ":"))
