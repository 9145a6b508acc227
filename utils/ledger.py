"""The experiments ledger: one append-only JSON-lines file that many processes write at once.

Each append takes an exclusive lock, writes one whole line, flushes and fsyncs. Events are never
rewritten. A torn last line (a writer killed mid-write) is skipped on read, and the next append
starts on a fresh line so the damage never spreads.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Ledger:
    path: Path

    def append(self, event: dict[str, Any]) -> dict[str, Any]:
        """Record `event` (time and host added) and return it as written."""
        event = {"time": round(time.time(), 3), "host": socket.gethostname(), **event}
        line = (json.dumps(event, separators=(",", ":"), default=str) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o664)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)  # closing releases the lock
        return event

    def events(self, experiment: str | None = None) -> Iterator[dict[str, Any]]:
        """Every whole event, oldest first; only those of `experiment` ("folder/name") when given."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
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

    def latest(self, experiment: str) -> dict[str, dict[str, Any]]:
        """The last event of each run key of `experiment`."""
        return {event["key"]: event for event in self.events(experiment) if "key" in event}
