"""One row per run (`neuro results --runs`): its name, seed, state, every parameter and every metric, for
pandas and spreadsheets. Values that are not numbers or text (lists, mappings, booleans) are JSON."""
from __future__ import annotations

import json
from typing import Any

from neuro.utils.reporting.table import csv_table, markdown_table, text_table
from neuro.utils.sweeps.run_home import files_of
from neuro.utils.sweeps.states import State
from neuro.utils.sweeps.status import effective_state
from neuro.utils.sweeps.sweep import Sweep

PROVENANCE = ("environment", "data", "folder")      # the last columns, after every metric


def run_rows(sweep: Sweep) -> list[dict[str, Any]]:
    """Each run: name, key, seed, state, every parameter, every metric of a done run, then what made it
    (the environment's and the data's short hashes; neuro.utils.execution.provenance) and its folder."""
    latest = sweep.latest()
    rows = []
    for run in sweep.runs:
        event = latest.get(run.key) or {}
        rows.append({"run": run.name, "key": run.key, "seed": run.seed,
                     "state": effective_state(event) if event else State.PLANNED,
                     **{f"params.{k}": v for k, v in run.params.items()},
                     **((event.get("metrics") or {}) if event.get("state") == State.DONE else {}),
                     "environment": event.get("environment"), "data": event.get("data"),
                     "folder": str(files_of(sweep, run)) if event else None})
    return rows


def render_runs(rows: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, indent=2)
    headers = run_columns(rows)
    cells = [[_cell(row.get(name), exact=fmt == "csv") for name in headers] for row in rows]
    if fmt == "csv":
        return csv_table(headers, cells)
    return markdown_table(headers, cells) if fmt == "markdown" else text_table(headers, cells)


def run_columns(rows: list[dict[str, Any]]) -> list[str]:
    """Every column the rows have, in their order, what made each run last."""
    return list(dict.fromkeys(name for row in rows for name in row if name not in PROVENANCE)) + list(PROVENANCE)


def _cell(value: Any, exact: bool) -> str:
    """A value as text: numbers at full precision where a program reads them (`exact`), 6 digits where
    a person does."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, list, dict)):
        return json.dumps(value)
    if isinstance(value, float):
        return repr(value) if exact else f"{value:.6g}"
    return str(value)
