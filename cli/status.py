"""`neuro status` and `neuro ls`: read the ledger."""
from __future__ import annotations

import time
from collections import defaultdict

from cli.common import ExperimentArg, SetOption, load
from utils.ledger import Ledger
from utils.status import state_counts, sweep_status
from utils.table import text_table
from utils.workspace import Workspace


def status(experiment: ExperimentArg, set_: SetOption = None) -> None:
    """Counts per state and a table of the runs: state, duration, metric, job, last error."""
    sweep = load(experiment, set_)
    statuses = sweep_status(sweep)
    metric = sweep.spec.metric.name or "metric"
    rows = [[s.run.name, s.state, _duration(s.duration_s), "" if s.metric is None else f"{s.metric:.4g}",
             s.job_id or "", (s.error or "")[:80]] for s in statuses]
    print(text_table(["run", "state", "duration", metric, "job", "error"], rows))
    print(f"{sweep.spec.id}: {len(statuses)} runs: {state_counts(statuses)}")


def ls() -> None:
    """The experiments in the ledger, with their runs' states and last activity."""
    latest: dict[str, dict[str, dict]] = defaultdict(dict)
    for event in Ledger(Workspace.current().ledger_path).events():
        if "experiment" in event and "key" in event:
            latest[event["experiment"]][event["key"]] = event
    if not latest:
        print("no experiments yet: `neuro run configs/quickstart.yaml` starts one")
        return
    rows = []
    for experiment, runs in sorted(latest.items()):
        states = [e["state"] for e in runs.values()]
        last = max(e.get("time", 0) for e in runs.values())
        rows.append([experiment, str(len(runs)), *[str(states.count(s)) for s in ("done", "failed", "running")],
                     time.strftime("%Y-%m-%d %H:%M", time.localtime(last))])
    print(text_table(["experiment", "runs", "done", "failed", "running", "last activity"], rows))


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}" if minutes >= 60 else f"{minutes}:{secs:02d}"
