"""Progress of a sweep: on a terminal a live bar (rich) with the count of each end state, the rate and
the time left; elsewhere one plain line per finished run, for logs and pipes."""
from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TextIO


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None, console=None):
        self.total, self.counts = total, Counter[str]()
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.bar = None
        if console is not None or self.stream.isatty():
            self.bar = _live_bar(total, console or _console(self.stream))

    def update(self, run_name: str, state: str, detail: str = "") -> None:
        self.counts[state] += 1
        finished = sum(self.counts.values())
        if self.bar is not None:
            bar, task = self.bar
            minutes = max(time.monotonic() - self.started, 1e-9) / 60
            bar.update(task, completed=finished, rate=f"{finished / minutes:.3g} runs/min",
                       states=", ".join(f"{n} {s}" for s, n in sorted(self.counts.items())))
        else:
            self.stream.write(f"[{finished}/{self.total}] {state:<11} {run_name} {detail}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar[0].stop()


def _console(stream: TextIO):
    from rich.console import Console
    return Console(file=stream)


def _live_bar(total: int, console):
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar
    bar = Bar(BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[states]}"), TextColumn("{task.fields[rate]}"),
              TimeElapsedColumn(), TextColumn("elapsed,"), TimeRemainingColumn(), TextColumn("left"), console=console)
    task = bar.add_task("runs", total=total, states="", rate="")
    bar.start()
    return bar, task
