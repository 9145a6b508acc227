"""A run's log with a size cap: a run that prints 200 MB keeps its first and last lines, and a line that
says how much was dropped between them (outputs.log_mb, 50 MB by default).

The run's file descriptors 1 and 2 are pipes (so that what the task's C code and its subprocesses print
is capped too); a thread copies each pipe into the log: the first half of the cap as it comes, the rest
into two chunk files beside it that take turns, so the last quarter to half of the cap is always on
disk. When the run ends the chunks are appended after the line about what was dropped. A process killed
mid-run leaves its head and chunks on disk, and `assemble` joins them.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from pathlib import Path

F_SETPIPE_SZ = 1031
PIPE_BYTES = 1 << 20        # a large pipe: a writer holding the GIL rarely waits for the copying thread


class CappedLog:
    """One log (stdout.log or stderr.log) fed through a pipe whose write end is `write_fd`."""

    def __init__(self, path: Path, cap_bytes: int):
        self.path, self.cap = path, max(cap_bytes, 4)
        existing = path.stat().st_size if path.exists() else 0
        self.head_left = max(0, self.cap // 2 - existing)
        self.total = self.kept = 0
        read_fd, self.write_fd = os.pipe()
        with contextlib.suppress(OSError):
            fcntl.fcntl(self.write_fd, F_SETPIPE_SZ, PIPE_BYTES)
        self._thread = threading.Thread(target=self._copy, args=(read_fd,), daemon=True, name=f"log {path.name}")
        self._thread.start()

    def close(self, timeout_s: float = 10.0) -> None:
        """Close the write end (every other copy of it must be closed by now), let the thread copy what is
        left, and put the tail in place."""
        os.close(self.write_fd)
        self._thread.join(timeout_s)
        assemble(self.path, self.total - self.kept if self.total > self.kept else None)

    def _copy(self, read_fd: int) -> None:
        chunks = _Chunks(self.path, self.cap // 4)
        with os.fdopen(read_fd, "rb", buffering=0) as source, open(self.path, "ab", buffering=0) as log:
            while data := source.read(65536):
                self.total += len(data)
                if self.head_left:
                    head = data[:self.head_left]
                    log.write(head)
                    self.head_left -= len(head)
                    self.kept += len(head)
                    data = data[len(head):]
                if data:
                    chunks.write(data)
        self.kept += chunks.size()
        chunks.close()


class _Chunks:
    """Two files beside the log that take turns holding its latest output, each up to `limit` bytes."""

    def __init__(self, log: Path, limit: int):
        self.paths = [chunk_path(log, 0), chunk_path(log, 1)]
        self.limit, self.current = max(limit, 1), 0
        self.files: list = [None, None]
        self.sizes = [0, 0]

    def write(self, data: bytes) -> None:
        while data:
            if self.sizes[self.current] >= self.limit:
                self.current = 1 - self.current
                if self.files[self.current] is not None:
                    self.files[self.current].close()
                self.files[self.current], self.sizes[self.current] = None, 0
            if self.files[self.current] is None:
                self.files[self.current] = open(self.paths[self.current], "wb", buffering=0)
            part = data[:self.limit - self.sizes[self.current]]
            self.files[self.current].write(part)
            self.sizes[self.current] += len(part)
            data = data[len(part):]

    def size(self) -> int:
        return sum(self.sizes)

    def close(self) -> None:
        for handle in self.files:
            if handle is not None:
                handle.close()


def chunk_path(log: Path, number: int) -> Path:
    return log.with_name(f".{log.name}.tail{number}")


def assemble(log: Path, dropped: int | None = None) -> None:
    """Append the tail chunks left beside `log` (oldest first) after a line saying that output was
    dropped (`dropped` bytes, when known), and remove them. Nothing to do when there are none."""
    chunks = sorted((p for p in (chunk_path(log, 0), chunk_path(log, 1)) if p.exists()),
                    key=lambda p: p.stat().st_mtime_ns)
    if not chunks:
        return
    amount = f"{dropped:,} bytes of output" if dropped is not None else "output"
    with open(log, "ab") as out:
        if dropped != 0:
            out.write(f"\n[neuro: {amount} dropped here: a log keeps its head and its tail, each up to half of "
                      "outputs.log_mb]\n".encode())
        for chunk in chunks:
            out.write(chunk.read_bytes())
    for chunk in chunks:
        chunk.unlink()
