"""`neuro status` and `neuro ls`: read the ledger."""
from __future__ import annotations

import itertools
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Optional

import typer

from neuro.cli.common import ExperimentArg, MaxRunsOption, RemoteOption, SetOption, check_ledger, load, on_remote, warn_stale_card
from neuro.utils.layout import quickstart
from neuro.utils.reporting.table import counted, print_table
from neuro.utils.sweeps.ledger import RUN_SEPARATOR, LatestEvents, Ledger
from neuro.utils.sweeps.states import ORDER, State
from neuro.utils.sweeps.status import effective_state, state_counts, sweep_status
from neuro.utils.sweeps.workspace import Workspace

STATUS_ROWS = 50      # a larger sweep lists the runs that are not done or planned, this many at most


def status(experiment: ExperimentArg, set_: SetOption = None, max_runs: MaxRunsOption = None, remote: RemoteOption = None,
           all_: Annotated[bool, typer.Option("--all", help=f"List every run (a sweep of more than {STATUS_ROWS} "
                                                            "lists those neither done nor planned).")] = False) -> None:
    """Counts per state and a table of the runs: state, duration, metric, job, last error."""
    on_remote(remote, experiment)
    sweep = load(experiment, set_, max_runs=max_runs, import_code=False)
    warn_stale_card(sweep, experiment)
    statuses = sweep_status(sweep)
    shown: Sequence[int] = range(len(statuses))
    if not all_ and len(statuses) > STATUS_ROWS:
        notable = (i for i, state in enumerate(statuses.states) if state not in (State.DONE, State.PLANNED))
        shown = list(itertools.islice(notable, STATUS_ROWS))
    metric = sweep.spec.metric.name or "metric"
    rows = [[s.run.name, s.state, _duration(s.duration_s), "" if s.metric is None else f"{s.metric:.4g}",
             s.job_id or "", (s.error or "")[:80]] for s in map(statuses.row, shown)]
    if rows:
        print_table(["run", "state", "duration", metric, "job", "error"], rows)
    if len(shown) < len(statuses):
        print(f"({len(statuses) - len(shown):,} more runs not listed; --all lists every run)")
    print(f"{sweep.spec.id}: {counted(len(statuses), 'run')}: {state_counts(statuses.states)}")
    if sweep.spec.search is not None:
        from neuro.utils.search.report import study_summary
        from neuro.utils.search.study import open_study, study_change
        study = open_study(sweep.spec, sweep.dir)
        change = study_change(sweep.spec, sweep.dir) if study is None else None
        print(f"search ({sweep.spec.search.method}): " + (
            study_summary(study, sweep.spec) if study else change.describe() if change else
            f"not started; `neuro run {experiment}` starts it"))


def ls() -> None:
    """The experiments in the ledger: their current runs by state, as `neuro status` counts them (a run
    folder holds one run, the one last run or restored in it: runs of other parameters that had it before,
    superseded, and runs taken out of view with `neuro rm` are left out) and last activity."""
    workspace = Workspace.current()
    check_ledger(workspace)
    latest: dict[str, LatestEvents] = defaultdict(LatestEvents)
    in_folder: dict[str, dict[str, str]] = defaultdict(dict)      # experiment -> run name -> the key it holds
    last: dict[str, float] = defaultdict(float)
    for event, keys in Ledger(workspace.ledger_path).records():
        if "experiment" not in event:
            continue
        experiment = event["experiment"]
        latest[experiment].note(event, keys)
        if keys is not None:
            names = event.get("runs") or []
            in_folder[experiment].update(zip(names.split(RUN_SEPARATOR) if isinstance(names, str) else names, keys))
        elif "run" in event and "key" in event and ("state" in event or event.get("files") == "restored"):
            in_folder[experiment][event["run"]] = event["key"]
        last[experiment] = max(last[experiment], event.get("time", 0))
    latest = {experiment: runs for experiment, runs in latest.items() if len(runs)}
    if not latest:
        print(f"no experiments yet: `neuro run {quickstart()}` starts one")
        return
    rows = []
    for experiment, runs in sorted(latest.items()):
        counts = Counter(effective_state(last_event) for key in in_folder[experiment].values()
                         if (last_event := runs.shared(key)) is not None
                         and last_event.get("files") != "superseded" and last_event["state"] != State.REMOVED)
        rows.append([experiment, str(sum(counts.values())), *[str(counts[s]) for s in ORDER],
                     time.strftime("%Y-%m-%d %H:%M", time.localtime(last[experiment]))])
    print_table(["experiment", "runs", *ORDER, "last activity"], rows)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}" if minutes >= 60 else f"{minutes}:{secs:02d}"


def doctor(experiment: Annotated[Optional[Path], typer.Argument(
        metavar="[FILE]", help="Only this experiment (default: the whole workspace).", show_default=False)] = None,
           set_: SetOption = None) -> None:
    """Check the workspace against its run folders and repair what can be repaired, losing nothing: a
    missing or unreadable ledger (rebuilt from the folders), runs that ended unknown to the ledger,
    runs held by a process or job that has gone, half-written files; report what takes space."""
    from neuro.utils.sweeps.doctor import examine
    workspace = Workspace.current()
    workspace.check_writable("`neuro doctor`")
    sweep = load(experiment, set_, import_code=False) if experiment is not None else None
    report = examine(workspace.training_data, sweep)
    where = sweep.spec.id if sweep is not None else str(workspace.training_data)
    for line in report.repaired:
        print(f"repaired: {line}")
    for line in report.found:
        print(f"found: {line}")
    if report.healthy:
        print(f"{where}: healthy: the ledger agrees with the run folders")
