"""`neuro doctor`: check a workspace (or one experiment) against its run folders and repair what can be
repaired without losing anything: a missing or unreadable ledger, runs that ended unknown to the ledger,
runs recorded queued or running by a process or job that has gone, files half-written by a killed
process. What it cannot repair (done runs whose folders were deleted) and what takes space (superseded
and removed runs, checkpoints set aside as corrupt) it reports."""
from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from neuro.utils.backends.executor import executor_named
from neuro.utils.backends.holding import held_by_executor
from neuro.utils.execution.capped_log import assemble
from neuro.utils.sweeps.ledger import Ledger
from neuro.utils.sweeps.recovery import folder_event, recovered, repair_ledger, run_folders
from neuro.utils.sweeps.run_home import REMOVED, SUPERSEDED, missing
from neuro.utils.sweeps.states import ACTIVE, State
from neuro.utils.sweeps.sweep import Sweep

HALF_WRITTEN = re.compile(r"^\..+(\.[a-z0-9_]{8}|\.partial)$")   # write_atomic's and replace_with's temporaries
LOG_TAIL = re.compile(r"^\.(.+\.log)\.tail[01]$")                  # a capped log's tail, not yet in place
SETTLE_S = 600        # a temporary file younger than this may still be being written


@dataclass
class Report:
    repaired: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)     # needs the user (or a `neuro run`), or only takes space

    @property
    def healthy(self) -> bool:
        return not self.repaired and not self.found


def examine(training_data: Path, sweep: Sweep | None = None) -> Report:
    """Check and repair the workspace's `training_data` (only `sweep`'s experiment when given)."""
    report = Report()
    if note := repair_ledger(training_data):
        report.repaired.append(note.removeprefix("note: "))
    ledger = Ledger(training_data / "ledger.jsonl")
    root = sweep.dir if sweep is not None else training_data
    latest = _latest_by_run(ledger, sweep)
    _record_folder_ends(ledger, root, latest, report)
    _release_stale(ledger, latest, report)
    if sweep is not None:
        if gone := missing(sweep, sweep.latest()):
            report.found.append(f"{len(gone)} done run(s) of {sweep.spec.id} have lost their folders; `neuro run` "
                                "runs them again")
    _remove_half_written(root, report)
    _report_space(root, report)
    return report


def _latest_by_run(ledger: Ledger, sweep: Sweep | None) -> dict[tuple[str, str], dict]:
    latest = {}
    for event in ledger.events(sweep.spec.id if sweep is not None else None):
        if "key" in event and "state" in event and "experiment" in event:
            latest[(event["experiment"], event["key"])] = event
    return latest


def _record_folder_ends(ledger: Ledger, root: Path, latest: dict[tuple[str, str], dict], report: Report) -> None:
    """Runs whose folder says they ended after the ledger's last word on them: write their ends."""
    found = {}
    for run_dir in run_folders(root):
        event = folder_event(run_dir)
        if event is None:
            continue
        known = latest.get((event["experiment"], event["key"]))
        if known is None or (known["state"] != event["state"] and event["time"] > known.get("time", 0)):
            found[(event["experiment"], event["key"])] = event
    if found:
        ledger.append_many(recovered(found))
        latest.update(found)
        report.repaired.append(f"recorded {len(found)} run(s) that ended in their folders unknown to the ledger")


def _release_stale(ledger: Ledger, latest: dict[tuple[str, str], dict], report: Report) -> None:
    """Runs recorded queued or running whose process or job has gone: recorded interrupted (they resume)."""
    active = [e for e in latest.values() if e["state"] in ACTIVE]
    live = {key for name, events in held_by_executor(active).items() for key in executor_named(name).live(events)}
    stale = [e for e in active if e["key"] not in live]
    if stale:
        ledger.append_many([{"experiment": e["experiment"], "key": e["key"], "run": e.get("run"),
                             "state": State.INTERRUPTED, "error": "lost: its process or job had gone (neuro doctor)"}
                            for e in stale])
        report.repaired.append(f"released {len(stale)} run(s) recorded queued or running by a process or job that "
                               "has gone (now interrupted: `neuro run` resumes them)")


def _remove_half_written(root: Path, report: Report) -> None:
    """Temporary files a killed writer left (never renamed into place, so never read): removed; the tail
    of a log whose run was killed (never put in place): appended to its log."""
    now, removed, joined = time.time(), 0, set()
    for path in _files(root):
        if now - path.lstat().st_mtime <= SETTLE_S:
            continue
        if (tail := LOG_TAIL.match(path.name)) is not None:
            joined.add(path.with_name(tail[1]))
        elif HALF_WRITTEN.match(path.name):
            path.unlink(missing_ok=True)
            removed += 1
    for log in joined:
        assemble(log)
    if removed:
        report.repaired.append(f"removed {removed} half-written temporary file(s) left by killed processes")
    if joined:
        report.repaired.append(f"put the tails of {len(joined)} log(s) of killed runs in place")


def _report_space(root: Path, report: Report) -> None:
    for kind, what in ((SUPERSEDED, "superseded by changed runs"), (REMOVED, "taken out of view by `neuro rm`")):
        folders = [p for p in root.rglob(kind) if p.is_dir()]
        runs = sum(len(os.listdir(p)) for p in folders)
        if runs:
            size = sum(f.lstat().st_size for folder in folders for f in _files(folder))
            report.found.append(f"{runs} run folder(s) {what}, {size / 2**20:.1f} MB in {kind}/ (kept; delete them "
                                "by hand to reclaim the space)")
    corrupt = [p for p in _files(root) if p.name.endswith(".corrupt")]
    if corrupt:
        report.found.append(f"{len(corrupt)} corrupt checkpoint(s) set aside, e.g. {corrupt[0]}")


def _files(root: Path) -> Iterator[Path]:
    for folder, _, files in os.walk(root):
        for name in files:
            yield Path(folder) / name
