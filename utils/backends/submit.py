"""Send a sweep to a cluster backend, follow it, cancel it. The ledger is the record throughout:
status never asks the scheduler (sacct may be disabled), only whether jobs are still alive."""
from __future__ import annotations

import os
import signal
import time
from collections import Counter
from dataclasses import dataclass

from utils.backends.cluster import ArrayRequest, ClusterBackend, get_backend
from utils.execution.execute import reset_run
from utils.sweeps.plan import Plan
from utils.sweeps.process import is_neuro_process, process_alive
from utils.execution.progress import Progress
from utils.sweeps.runs import RunSpec
from utils.execution.snapshot import snapshot_code
from utils.sweeps.status import HOST, effective_state
from utils.sweeps.sweep import Sweep

END_STATES = ("done", "failed", "cancelled")
WAITING = ("queued", "running", "interrupted")   # a cluster run in these states may still have a live job (requeue)


@dataclass
class Submission:
    backend: str
    array_ids: list[str]
    runs: int


def prepare(sweep: Sweep, runs: list[RunSpec], backend: ClusterBackend, write: bool = True) -> list[ArrayRequest]:
    """Freeze code and sweep (only name the files when not `write`), and cut the jobs into arrays
    no larger than the scheduler allows."""
    code_dir = snapshot_code(sweep.workspace.training_data / ".code", write)
    sweep_file = sweep.freeze(code_dir, write)
    size = backend.max_array_size(sweep)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return [ArrayRequest(sweep, sweep_file, code_dir, runs[start:start + size],
                         sweep.dir / ".jobs" / f"{stamp}-{start // size}")
            for start in range(0, len(runs), size)]


def submit_sweep(sweep: Sweep, plan: Plan, backend_name: str) -> Submission:
    """Submit the plan's runs as array jobs and record each run queued, with its job id. Runs to
    start fresh are reset here, so that a requeued job resumes rather than starting over."""
    backend = get_backend(backend_name)
    for run, fresh in plan.to_run:
        if fresh:
            reset_run(sweep.run_dir(run))
    array_ids = []
    for request in prepare(sweep, [run for run, _ in plan.to_run], backend):
        with sweep.ledger.exclusive() as write:  # the jobs' own events come after these
            array_id = backend.submit(request)
            write([sweep.event(run, "queued", job_id=backend.task_job_id(array_id, position, len(request.runs)),
                               array_job=array_id, backend=backend.name)
                   for position, run in enumerate(request.runs)])
        array_ids.append(array_id)
    return Submission(backend.name, array_ids, len(plan.to_run))


def in_flight(latest: dict[str, dict]) -> set[str]:
    """Run keys (of `latest`, the ledger's last event per run) whose cluster job is still queued or
    running; asks each scheduler once."""
    active = [e for e in latest.values()
              if e["state"] in WAITING and e.get("array_job") and e.get("backend")]
    by_backend: dict[str, set[str]] = {}
    for event in active:
        by_backend.setdefault(event["backend"], set()).add(event["array_job"])
    alive = {name: get_backend(name).live_jobs(arrays) for name, arrays in by_backend.items()}
    return {e["key"] for e in active if e["array_job"] in alive[e["backend"]]}


def wait_for(sweep: Sweep, submission: Submission, keys: set[str], poll_s: float = 2.0) -> Counter:
    """Block until every run in `keys` ends (or its job vanishes); a progress bar meanwhile."""
    backend = get_backend(submission.backend)
    progress = Progress(len(keys))
    seen: dict[str, str] = {}
    try:
        while True:
            latest = sweep.latest()
            for key in keys - seen.keys():
                event = latest.get(key, {})
                if event.get("state") in END_STATES:
                    seen[key] = event["state"]
                    progress.update(event.get("run", key), event["state"], f"{event.get('duration_s') or 0:.1f}s")
            if len(seen) == len(keys):
                break
            if not backend.live_jobs(set(submission.array_ids)):
                time.sleep(poll_s)  # let the last events land
                if not any(latest.get(k, {}).get("state") in END_STATES for k in keys - seen.keys()):
                    for key in keys - seen.keys():
                        seen[key] = "lost"
                        progress.update(latest.get(key, {}).get("run", key), "lost", "its job left the queue")
                    break
            time.sleep(poll_s)
    finally:
        progress.close()
    return Counter(seen.values())


@dataclass
class Cancelled:
    """What `neuro cancel` did: runs cancelled per backend, and the runs it could not stop."""

    counts: Counter
    still_running: list[str]            # run names whose process did not stop within the grace period
    elsewhere: dict[str, list[str]]     # host -> run names a local `neuro run` there is running


def cancel_sweep(sweep: Sweep, grace_s: float = 45.0) -> Cancelled:
    """Cancel the sweep's queued and running runs: scancel/qdel their cluster jobs, Ctrl-C the local
    `neuro run` that holds them (verified by pid and start time), then record cancelled the runs that
    stopped. Runs held by a `neuro run` on another machine are reported, not touched."""
    active = [e for e in sweep.latest().values() if _active(e)]
    clusters: dict[str, set[str]] = {}
    runners: set[tuple[int, float | None]] = set()
    elsewhere: dict[str, list[str]] = {}
    for event in active:
        if event.get("backend"):
            clusters.setdefault(event["backend"], set()).add(event["array_job"])
        elif event.get("host") != HOST:
            elsewhere.setdefault(event["host"], []).append(event["run"])
        else:
            runners.add((event.get("runner"), event.get("runner_start")))
    for name, arrays in clusters.items():
        backend = get_backend(name)
        backend.cancel(backend.live_jobs(arrays))  # jobs that already left the queue need no cancelling
    live: dict[str, set[str]] = {}
    for name, arrays in clusters.items():  # running tasks record themselves interrupted as they go
        deadline = time.monotonic() + grace_s
        live[name] = get_backend(name).live_jobs(arrays)
        while live[name] and time.monotonic() < deadline:
            time.sleep(1.0)
            live[name] = get_backend(name).live_jobs(arrays)
    _stop_local_runners(runners, grace_s)
    latest = sweep.latest()
    away = {run for runs in elsewhere.values() for run in runs}
    still = [e for e in active if e["run"] not in away and _still_running(e, latest[e["key"]], live)]
    still_keys = {e["key"] for e in still}
    stopped = [e for e in active if e["run"] not in away and e["key"] not in still_keys
               and latest[e["key"]]["state"] in ("queued", "running", "interrupted")]
    sweep.ledger.append_many([{"experiment": sweep.spec.id, "key": e["key"], "run": e["run"], "state": "cancelled",
                               "job_id": e.get("job_id"), "array_job": e.get("array_job"),
                               "backend": e.get("backend")} for e in stopped])
    return Cancelled(Counter(e.get("backend") or "local" for e in stopped), [e["run"] for e in still], elsewhere)


def _still_running(before: dict, now: dict, live: dict[str, set[str]]) -> bool:
    """After cancelling: a cluster run whose array the scheduler still has, or a local run whose
    process is still alive."""
    if before.get("backend"):
        return before.get("array_job") in live.get(before["backend"], set())
    return _active(now)


def _active(event: dict) -> bool:
    """Queued or running (a local process alive, or a cluster job that may still run it)."""
    if event.get("backend"):
        return event["state"] in WAITING
    return effective_state(event) in ("queued", "running")


def _stop_local_runners(runners: set[tuple[int, float | None]], grace_s: float) -> None:
    """Ctrl-C each local `neuro run` (it records its runs interrupted) and wait for it to end. A pid is
    signalled only while it is the recorded neuro process (same start time)."""
    signalled = []
    for pid, start in runners:
        if is_neuro_process(pid, start):
            try:
                os.kill(pid, signal.SIGINT)
                signalled.append((pid, start))
            except ProcessLookupError:
                continue
    deadline = time.monotonic() + grace_s
    for pid, start in signalled:
        while time.monotonic() < deadline and process_alive(pid, start):
            time.sleep(0.1)
