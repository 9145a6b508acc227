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
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

READ_BYTES = 8 << 20        # the ledger is read this much at a time
RUN_SEPARATOR = "/"          # between the keys (and names) of a batch line: no run name holds it
PULLED_FROM = "remote"       # the field of an event `neuro pull` brought: the remote it came from


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
        """Every whole event, oldest first (a batch line as one event per run); only those of
        `experiment` ("folder/name") when given."""
        for event, keys in self.records(experiment):
            yield from (event,) if keys is None else _unbatched(event, keys)

    def records(self, experiment: str | None = None) -> Iterator[tuple[dict[str, Any], list | None]]:
        """Every whole line, as (event, None), or (shared fields, run keys) for a batch line, whose
        per-run events are not built: readers of a million runs keep one object per line."""
        for data, _ in _whole_lines(self.path, 0):
            yield from _parse(data, experiment)

    def lines(self, experiment: str) -> Iterator[dict[str, Any]]:
        """The lines of `experiment` as written (a batch line as one event, its keys and names as stored)."""
        for data, _ in _whole_lines(self.path, 0):
            yield from _lines_of(data, experiment)

    def latest(self, experiment: str) -> LatestEvents:
        """The last state event of each run key of `experiment`; an event about where a run's files went
        since ("superseded", "restored") is noted in it as `files`."""
        return LedgerFollower(self, experiment).latest()


class LatestEvents(MutableMapping):
    """Run key -> the run's last event. The runs of a batch line all hold the line itself, and a run's
    event is built when asked for: a million queued runs cost a million dictionary entries, not a
    million events."""

    def __init__(self, entries: dict[str, Any] | None = None):
        self._entries: dict[str, Any] = dict(entries or {})

    def __getitem__(self, key: str) -> dict[str, Any]:
        entry = self._entries[key]
        return entry if isinstance(entry, dict) else entry.event(key)

    def __setitem__(self, key: str, event: dict[str, Any]) -> None:
        self._entries[key] = event

    def __delitem__(self, key: str) -> None:
        del self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def shared(self, key: str) -> dict[str, Any] | None:
        """The run's last event, or, for a run of a batch line, the line itself (its state, time, host
        and process, without the run's own key, name and job): what a state is read from, built for none."""
        entry = self._entries.get(key)
        return None if entry is None else entry if isinstance(entry, dict) else entry.shared

    def shared_each(self, keys: list[str]) -> list[dict[str, Any] | None]:
        """`shared` of each key, in order; the runs of one batch line get the very same object."""
        return [entry if entry is None or type(entry) is dict else entry.shared
                for entry in map(self._entries.get, keys)]

    def state(self, key: str) -> str | None:
        """The run's last state, without building its event."""
        entry = self.shared(key)
        return None if entry is None else entry.get("state")

    def copy(self) -> LatestEvents:
        return LatestEvents(self._entries)

    def single_events(self) -> list[dict[str, Any]]:
        """The last events held as events of their own (not runs of a batch line), built for none."""
        return [entry for entry in self._entries.values() if isinstance(entry, dict)]

    def note(self, event: dict[str, Any], keys: list | None) -> None:
        """Take a line: a state event (or a batch of them) replaces the runs' last events; a files event
        is noted in its run's last event."""
        if keys is not None:
            runs = dict.fromkeys(keys, _Batch(event, keys))
            if self._entries:
                self._entries.update(runs)
            else:       # the first line of a large sweep: its runs are the entries (no second copy)
                self._entries = runs
        elif "key" in event and "state" in event:
            self._entries[event["key"]] = event
        elif event.get("files") and event.get("key") in self._entries:
            self._entries[event["key"]] = {**self[event["key"]], "files": event["files"]}


class _Batch:
    """A batch line as its runs' entry in LatestEvents: the fields they share, and each run's event."""

    __slots__ = ("line", "keys", "shared", "_positions")

    def __init__(self, line: dict[str, Any], keys: list[str]):
        self.line, self.keys, self.shared = line, keys, _shared_fields(line)
        self._positions: dict[str, int] | None = None

    def event(self, key: str) -> dict[str, Any]:
        if self._positions is None:      # made once, when a first run's own event is asked for
            self._positions = dict(zip(self.keys, range(len(self.keys))))
        return _run_event(self.shared, self.line, self._positions[key])


def state_of(latest: Mapping[str, dict[str, Any]], key: str) -> str | None:
    """A run's last state in `latest` (LatestEvents or a plain mapping), or None when it has none."""
    if isinstance(latest, LatestEvents):
        return latest.state(key)
    return (latest.get(key) or {}).get("state")


@dataclass
class LedgerFollower:
    """`Ledger.latest` for one experiment, kept up to date by reading only what was appended since the
    last call (a search's driver asks after every run)."""

    ledger: Ledger
    experiment: str
    offset: int = 0
    last: LatestEvents = field(default_factory=LatestEvents)

    def latest(self) -> LatestEvents:
        try:
            if self.ledger.path.stat().st_size < self.offset:     # not the file read before
                self.offset, self.last = 0, LatestEvents()
        except FileNotFoundError:
            return LatestEvents()
        for data, after in _whole_lines(self.ledger.path, self.offset):
            for event, keys in _parse(data, self.experiment):
                self.last.note(event, keys)
            self.offset = after
        return self.last.copy()


def batch(shared: dict[str, Any], runs: list[tuple[str, str]], per_run: dict[str, list] | None = None) -> dict[str, Any]:
    """One line recording many runs' events at once (a submission of a thousand runs is one line, not a
    thousand): `shared` fields, and each run's key and name (and its own `per_run` fields, by position).
    Keys and names are each one string, joined by "/" (which neither can hold): a million runs are read
    in a blink. Readers see one event per run."""
    return {**shared, "keys": RUN_SEPARATOR.join(key for key, _ in runs),
            "runs": RUN_SEPARATOR.join(name for _, name in runs), "each": per_run or {}}


def _parse(data: bytes, experiment: str | None) -> Iterator[tuple[dict[str, Any], list | None]]:
    """The whole lines in `data` as records (see Ledger.records), only those of `experiment` when given."""
    for event in _lines_of(data, experiment):
        keys = event.get("keys")
        if isinstance(keys, str):      # a batch line (older ones hold a list of keys: read as they are)
            keys = event["keys"] = keys.split(RUN_SEPARATOR) if keys else []
        yield (event, keys) if isinstance(keys, list) else (event, None)


def _lines_of(data: bytes, experiment: str | None) -> Iterator[dict[str, Any]]:
    """The whole lines in `data` as written, only those of `experiment` when given; torn lines are skipped."""
    needle = json.dumps(experiment).encode() if experiment else None
    for raw in data.split(b"\n"):
        if not raw or (needle and needle not in raw):
            continue
        try:
            event = json.loads(raw)
        except ValueError:
            continue  # torn line
        if isinstance(event, dict) and (experiment is None or event.get("experiment") == experiment):
            yield event


def _shared_fields(line: dict[str, Any]) -> dict[str, Any]:
    """A batch line's fields that every one of its runs shares."""
    return {k: v for k, v in line.items() if k not in ("keys", "runs", "each")}


def _unbatched(event: dict[str, Any], keys: list) -> Iterator[dict[str, Any]]:
    shared = _shared_fields(event)
    for position in range(len(keys)):
        yield _run_event(shared, event, position)


def _run_event(shared: dict[str, Any], line: dict[str, Any], position: int) -> dict[str, Any]:
    """The event of the run at `position` of a batch line (`shared`: its fields but the runs')."""
    names = line.get("runs") or []
    if isinstance(names, str):
        names = line["runs"] = names.split(RUN_SEPARATOR) if names else []
    return {**shared, "key": line["keys"][position], "run": names[position] if position < len(names) else
            line["keys"][position], **{f: values[position] for f, values in (line.get("each") or {}).items()}}


def _whole_lines(path: Path, offset: int) -> Iterator[tuple[bytes, int]]:
    """The file's whole lines from `offset` on, a few MB at a time, each block with the offset after it;
    a line still being written (no newline yet) is left for the next reader."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return
    with handle:
        handle.seek(offset)
        rest = b""
        while chunk := handle.read(READ_BYTES):
            data = rest + chunk
            whole = data.rfind(b"\n") + 1
            rest = data[whole:]
            offset += whole
            if whole:
                yield data[:whole], offset


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
