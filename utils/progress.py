"""A progress line for a sweep: a bar on a terminal, one line per finished run otherwise."""
from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TextIO


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None):
        self.total, self.stream, self.counts = total, stream or sys.stderr, Counter()
        self.started = time.monotonic()
        self.tty = self.stream.isatty()

    def update(self, run_name: str, state: str, detail: str = "") -> None:
        self.counts[state] += 1
        if self.tty:
            self._bar()
        else:
            finished = sum(self.counts.values())
            self.stream.write(f"[{finished}/{self.total}] {state:<11} {run_name} {detail}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _bar(self, width: int = 30) -> None:
        finished = sum(self.counts.values())
        filled = int(width * finished / max(self.total, 1))
        states = " ".join(f"{state} {n}" for state, n in sorted(self.counts.items()))
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {finished}/{self.total}  {states}"
                          f"  {elapsed:.0f}s ")
        self.stream.flush()
