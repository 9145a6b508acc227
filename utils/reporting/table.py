"""Render rows as an aligned text table, a Markdown table or CSV."""
from __future__ import annotations

import csv
import io
import sys
from collections.abc import Sequence


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in [headers, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"
    return "\n".join([line(headers), line(["---"] * len(headers)), *[line(r) for r in rows]])


def csv_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().rstrip("\n")


def counted(n: int, noun: str) -> str:
    """'1 run', '2 runs'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], console=None, keep: int = 1) -> None:
    """On a terminal, a table that fits its width: the first `keep` columns (what names a row) are never
    cut, the others wrap rather than hide; elsewhere the plain text table, one line per row, for scripts
    and files."""
    if console is None and not sys.stdout.isatty():
        print(text_table(headers, rows))
        return
    from rich.console import Console
    from rich.table import Table
    table = Table(box=None, header_style="bold", pad_edge=False)
    for index, header in enumerate(headers):
        table.add_column(header, no_wrap=index < keep, overflow="fold")
    for row in rows:
        table.add_row(*map(str, row))
    (console or Console()).print(table)
