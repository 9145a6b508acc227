"""The experiments ledger: one append-only JSON-lines file that many processes write at once.

Each append takes an exclusive lock, writes one whole line, flushes and fsyncs. Events are never
rewritten. A torn last line (a writer killed mid-write) is skipped on read, and the next append
starts on a fresh line so the damage never spreads.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Ledger:
    path: Path

    def append(self, event: dict[str, Any]) -> dict[str, Any]:
        """Record `event` (time and host added) and return it as written."""
        return self.append_many([event])[0]

    def append_many(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Record several events with one lock and one fsync (a whole sweep's submission)."""
        with self.exclusive() as write:
            return write(events)

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[Callable[[list[dict[str, Any]]], list[dict[str, Any]]]]:
        """Hold the ledger's lock for a block (e.g. while submitting jobs, so that their first events
        cannot come before the submission's); yields a function that appends under that lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield lambda events: _write(fd, events)
        finally:
            os.close(fd)  # closing releases the lock

    def events(self, experiment: str | None = None) -> Iterator[dict[str, Any]]:
        """Every whole event, oldest first; only those of `experiment` ("folder/name") when given."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        yield from _parse(data, experiment)

    def latest(self, experiment: str) -> dict[str, dict[str, Any]]:
        """The last state event of each run key of `experiment`; an event about where a run's files went
        since ("superseded", "restored") is noted in it as `files`."""
        return LedgerFollower(self, experiment).latest()


@dataclass
class LedgerFollower:
    """`Ledger.latest` for one experiment, kept up to date by reading only what was appended since the
    last call (a search's driver asks after every run)."""

    ledger: Ledger
    experiment: str
    offset: int = 0
    last: dict[str, dict[str, Any]] = field(default_factory=dict)

    def latest(self) -> dict[str, dict[str, Any]]:
        try:
            with open(self.ledger.path, "rb") as handle:
                if os.fstat(handle.fileno()).st_size < self.offset:   # not the file read before
                    self.offset, self.last = 0, {}
                handle.seek(self.offset)
                data = handle.read()
        except FileNotFoundError:
            return {}
        whole = data.rfind(b"\n") + 1       # a line still being written is read next time
        for event in _parse(data[:whole], self.experiment):
            if "key" in event and "state" in event:
                self.last[event["key"]] = event
            elif event.get("files") and event.get("key") in self.last:   # where the run's files went since
                self.last[event["key"]] = {**self.last[event["key"]], "files": event["files"]}
        self.offset += whole
        return dict(self.last)


def batch(shared: dict[str, Any], runs: list[tuple[str, str]], per_run: dict[str, list] | None = None) -> dict[str, Any]:
    """One line recording many runs' events at once (a submission of a thousand runs is one line, not a
    thousand): `shared` fields, and each run's key and name (and its own `per_run` fields, by position).
    Readers see one event per run."""
    return {**shared, "keys": [key for key, _ in runs], "runs": [name for _, name in runs], "each": per_run or {}}


def _parse(data: bytes, experiment: str | None) -> Iterator[dict[str, Any]]:
    """The whole events in `data`, only those of `experiment` when given; torn lines are skipped, and a
    batch line gives one event per run."""
    needle = json.dumps(experiment).encode() if experiment else None
    for raw in data.split(b"\n"):
        if not raw or (needle and needle not in raw):
            continue
        try:
            event = json.loads(raw)
        except ValueError:
            continue  # torn line
        if isinstance(event, dict) and (experiment is None or event.get("experiment") == experiment):
            if isinstance(event.get("keys"), list):
                yield from _unbatched(event)
            else:
                yield event


def _unbatched(event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    keys, names, own = event.pop("keys"), event.pop("runs", None) or [], event.pop("each", None) or {}
    shared = event
    for i, key in enumerate(keys):
        yield {**shared, "key": key, "run": names[i] if i < len(names) else key,
               **{field: values[i] for field, values in own.items()}}


def _write(fd: int, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    stamp = {"time": round(time.time(), 3), "host": socket.gethostname()}
    events = [{**stamp, **event} for event in events]
    data = "".join(json.dumps(e, separators=(",", ":"), default=str) + "\n" for e in events).encode()
    size = os.fstat(fd).st_size
    if size and os.pread(fd, 1, size - 1) != b"\n":
        data = b"\n" + data  # never continue a torn line
    os.write(fd, data)
    os.fsync(fd)
    return events
