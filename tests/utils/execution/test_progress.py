"""The sweep's progress: a live bar with counts per state, rate and time left on a terminal; one plain
line per finished run elsewhere."""
from __future__ import annotations

import io

from rich.console import Console

from neuro.utils.execution.progress import Progress


def test_a_terminal_gets_counts_per_state_rate_and_time_left() -> None:
    console = Console(record=True, force_terminal=True, width=120)
    progress = Progress(4, console=console)
    progress.update("x=1__rep0", "done")
    progress.update("x=2__rep0", "failed", "boom")
    progress.close()
    text = console.export_text()
    assert "2/4" in text and "1 done, 1 failed" in text and "runs/min" in text and "elapsed," in text and " left" in text


def test_elsewhere_one_plain_line_per_run() -> None:
    stream = io.StringIO()
    progress = Progress(2, stream=stream)
    progress.update("x=1__rep0", "done", "1.2s")
    progress.update("x=2__rep0", "failed", "boom")
    progress.close()
    assert stream.getvalue().splitlines() == ["[1/2] done        x=1__rep0 1.2s", "[2/2] failed      x=2__rep0 boom"]
