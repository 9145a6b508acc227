"""Execute one run of a sweep: the call every backend ends in.

Claims the run (a lock file, so two processes never run it at once), makes its folder hold this
run's files only (another key's move aside: utils/sweeps/run_home.py), resumes from its checkpoint when it
has one, sends stdout/stderr to the run's logs, records every state change in status.json
and the ledger, and turns any failure of the task into a failed run rather than a crash.
"""
from __future__ import annotations

import contextlib
import faulthandler
import functools
import os
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from neuro.utils.atomic import free_path, read_json, write_json
from neuro.utils.errors import NeuroError
from neuro.utils.execution import stopping
from neuro.utils.execution.capped_log import CappedLog, assemble
from neuro.utils.execution.context import RunContext, RunPruned, apply_seed, clean_metrics, tensorboard_hparams
from neuro.utils.execution.descendants import end_descendants
from neuro.utils.execution.provenance import record_environment
from neuro.utils.search.pruning import pruning_hook
from neuro.utils.sweeps.process import identity
from neuro.utils.sweeps.run_home import SUPERSEDED, claim, make_home, move_entries, run_files
from neuro.utils.sweeps.runs import RunSpec
from neuro.utils.sweeps.states import FINAL, State
from neuro.utils.sweeps.sweep import Sweep

ERROR_LINES = 12
_runner_pid: int | None = None    # the `neuro run` whose worker this process is


@dataclass
class Outcome:
    """What one call did with a run: the state the run is in after it, and whether another process (not
    this call) ran it: running there now, or ended there before. A run stopped before it began is planned."""

    state: State
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    duration_s: float = 0.0
    elsewhere: bool = False

    @property
    def label(self) -> str:
        """For people: 'done', 'running elsewhere', 'not started', ..."""
        if self.elsewhere:
            return "running elsewhere" if self.state == State.RUNNING else "ended elsewhere"
        return "not started" if self.state == State.PLANNED else str(self.state)


@dataclass(frozen=True)
class JobRef:
    """The cluster job a run executes in (recorded with every event, for status and cancel)."""

    backend: str
    array_job: str
    job_id: str


def execute_run(sweep: Sweep, run: RunSpec, fresh: bool = False, job: JobRef | None = None) -> Outcome:
    """Run `run` to an end state; `fresh` discards its previous attempt (checkpoints, logs, TensorBoard)."""
    run_dir = sweep.run_dir(run)
    with claim(run_dir) as claimed:
        if not claimed:
            return Outcome(State.RUNNING, elsewhere=True)
        make_home(sweep, run)
        previous = read_json(run_dir / "status.json") or {}
        if previous.get("state") in FINAL and not fresh:
            return Outcome(State(previous["state"]), elsewhere=True)
        before = ran_before(previous) if previous.get("key") == run.key and not fresh else 0.0
        if previous.get("state") == State.RUNNING:
            _record(sweep, run, run_dir, State.INTERRUPTED, job, error="lost: the process running it ended",
                    duration_s=round(before, 3))
        if fresh:
            reset_run(sweep, run)
        return _attempt(sweep, run, run_dir, job, before)


def ran_before(status: dict[str, Any]) -> float:
    """Seconds a run has run in its legs so far, from its status: the duration recorded when its last
    leg ended, or, for a leg whose process vanished, until that leg last wrote its status."""
    if status.get("state") == State.RUNNING and status.get("started"):
        return (status.get("before_s") or 0.0) + max((status.get("updated") or status["started"]) - status["started"], 0.0)
    return status.get("duration_s") or 0.0


def _attempt(sweep: Sweep, run: RunSpec, run_dir: Path, job: JobRef | None, before: float = 0.0) -> Outcome:
    """One leg of the run; `before`: seconds its earlier legs ran (its duration is the sum of its legs)."""
    (run_dir / "config.yaml").write_text(yaml.safe_dump(_config(sweep, run), sort_keys=False))
    started = time.time()
    environment = record_environment(sweep.workspace.training_data)
    _record(sweep, run, run_dir, State.RUNNING, job, started=started, before_s=round(before, 3) or None,
            environment=environment)
    outcome = Outcome(State.FAILED)
    ctx: RunContext | None = None
    with _output_to(run_dir, sweep.spec.outputs.log_mb):
        try:
            ctx = _context(sweep, run, run_dir, job, started, before)
            ctx.log.info("run %s of %s (key %s, seed %d, pid %d)", run.name, sweep.spec.id, run.key, run.seed,
                         os.getpid())
            function = sweep.spec.task.load_function()
            stopping.begin_run(ctx.checkpoint_near)
            metrics = clean_metrics(function(sweep.spec.task.make_params(run.params), ctx))
            ctx.finish(metrics)
            outcome = Outcome(State.DONE, metrics)
        except RunPruned as pruned:
            outcome = Outcome(State.PRUNED, error=str(pruned))
        except KeyboardInterrupt as err:   # a signal's (a stop), or the task's own (its failure)
            outcome = Outcome(State.INTERRUPTED, error=stopping.stop_reason() or "interrupted (Ctrl-C or termination "
                              "signal)") if stopping.signalled() else _failure(err, "the task raised KeyboardInterrupt "
                                                                               "itself (no signal stopped it)")
        except BaseException as err:  # the task's failure is the run's, never the sweep's
            outcome = _failure(err)
        finally:
            stopping.end_run()
            if left := end_descendants():
                print(f"neuro: ended {len(left)} process(es) the task left running: {', '.join(left)}", file=sys.stderr)
            if ctx is not None:
                _close_quietly(ctx)
    outcome.duration_s = round(before + time.time() - started, 3)
    data = ctx.data_fingerprint if ctx is not None else None
    if outcome.state == State.DONE:
        write_json(run_dir / "result.json", {"key": run.key, "name": run.name, "seed": run.seed,
                                             "params": run.params, "metrics": outcome.metrics,
                                             "duration_s": outcome.duration_s, "environment": environment,
                                             "data": data})
    _record(sweep, run, run_dir, outcome.state, job, started=started, duration_s=outcome.duration_s,
            metrics=outcome.metrics or None, error=outcome.error, environment=environment, data=data)
    return outcome


def _failure(err: BaseException, note: str | None = None) -> Outcome:
    if stopping.stop_requested():
        return Outcome(State.INTERRUPTED, error=stopping.stop_reason())
    lines = "".join(traceback.format_exception(err)) + (f"{note}\n" if note else "")
    print(lines, file=sys.stderr)
    return Outcome(State.FAILED, error=_tail(lines))


def _close_quietly(ctx: RunContext) -> None:
    """Write what the run logged and close TensorBoard; a failure here must not hide the run's end."""
    try:
        ctx.close()
    except Exception as err:
        print(f"closing the run's logs failed: {type(err).__name__}: {err}", file=sys.stderr)


def _context(sweep: Sweep, run: RunSpec, run_dir: Path, job: JobRef | None, started: float,
             before: float) -> RunContext:
    import torch

    apply_seed(run.seed, sweep.spec.resources.cpus)
    device = "cuda" if sweep.spec.resources.gpus > 0 and torch.cuda.is_available() else "cpu"
    if sweep.spec.resources.gpus > 0 and device == "cpu" and not sweep.spec.resources.cpu_fallback:
        raise NeuroError(f"resources.gpus is {sweep.spec.resources.gpus} but this run sees no GPU "
                         f"(CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES')!r}); set "
                         "resources.cpu_fallback: true to let it run on the CPU")

    prune = pruning_hook(sweep, run)
    every_s, written = sweep.spec.outputs.metrics_s, [time.monotonic()]

    def on_metrics(step: int, metrics: dict[str, float]) -> None:
        if time.monotonic() - written[0] >= every_s:     # status.json: the latest step, now and then
            _write_status(run_dir, run, State.RUNNING, job, started=started, before_s=round(before, 3) or None,
                          step=step, last_metrics=metrics)
            written[0] = time.monotonic()
        if prune is not None:
            prune(step, metrics)

    return RunContext(run_dir, sweep.workspace.data, run.seed, device,
                      tensorboard_hparams(run.params), on_metrics, sweep.spec.outputs)


def _record(sweep: Sweep, run: RunSpec, run_dir: Path, state: str, job: JobRef | None, by_runner: bool = False,
            **fields: Any) -> None:
    """One state change: status.json (atomic) and a ledger event (written by the run's own process, or
    `by_runner`, the `neuro run` that saw its process end)."""
    fields = {k: v for k, v in fields.items() if v is not None}
    _write_status(run_dir, run, state, job, **fields)
    sweep.ledger.append(sweep.event(run, state, **_job_fields(job), **process_fields(by_runner), **fields))


def process_fields(runner: bool = False) -> dict[str, Any]:
    """Who records an event: this process (the one running the run) and the `neuro run` that started
    it (a local worker's runner, else its parent; with `runner`, this process is that `neuro run`),
    each by pid and start time."""
    me = _identity_of(os.getpid())
    parent = me if runner else _identity_of(_runner_pid or os.getppid())
    return {"pid": me["pid"], "pid_start": me["start"], "runner": parent["pid"], "runner_start": parent["start"]}


def started_by(runner_pid: int) -> None:
    """Record `runner_pid` (a local worker's `neuro run`, not its parent the fork server) as the runner
    of this process's runs."""
    global _runner_pid
    _runner_pid = runner_pid


@functools.lru_cache(maxsize=4)
def _identity_of(pid: int) -> dict[str, float | int | None]:
    """A process's identity never changes: read it once."""
    return identity(pid)


def _write_status(run_dir: Path, run: RunSpec, state: str, job: JobRef | None, **fields: Any) -> None:
    fields = {k: v for k, v in fields.items() if v is not None}
    write_json(run_dir / "status.json", {"key": run.key, "name": run.name, "state": state, **_job_fields(job),
                                         "pid": os.getpid(), "updated": round(time.time(), 3), **fields})


def _job_fields(job: JobRef | None) -> dict[str, str | None]:
    return vars(job).copy() if job else {"job_id": None}


def _config(sweep: Sweep, run: RunSpec) -> dict[str, Any]:
    return {"experiment": sweep.spec.id, "task": sweep.spec.task.identity, "run": run.name, "key": run.key,
            "seed": run.seed, "params": run.params}


@contextlib.contextmanager
def _output_to(run_dir: Path, log_mb: float) -> Iterator[None]:
    """Send this process's stdout and stderr (file descriptors 1 and 2, so the task's subprocesses and C
    code too) to the run's logs, each capped at `log_mb` (its head and tail kept). A fatal error's stack
    goes straight to stderr.log, as the copying threads die with the process."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    cap = int(log_mb * 2**20)
    logs = [CappedLog(run_dir / "stdout.log", cap), CappedLog(run_dir / "stderr.log", cap)]
    crash = open(run_dir / "stderr.log", "ab", buffering=0)
    faulthandler.enable(file=crash, all_threads=False)
    os.dup2(logs[0].write_fd, 1)
    os.dup2(logs[1].write_fd, 2)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
        for log in logs:
            log.close()
        faulthandler.enable(all_threads=False)      # back to the process's own stderr
        crash.close()


def reset_run(sweep: Sweep, run: RunSpec) -> None:
    """Start the run afresh: its earlier attempt's files (checkpoints, TensorBoard, result, logs, status)
    move to `.superseded/<key>.<time>/` and are recorded in the ledger; nothing is deleted."""
    run_dir = sweep.run_dir(run)
    if not run_files(run_dir):
        return
    kept = free_path(sweep.dir / SUPERSEDED / f"{run.key}.{time.strftime('%Y%m%d-%H%M%S')}")
    move_entries(run_dir, kept)
    sweep.ledger.append({"experiment": sweep.spec.id, "key": run.key, "run": run.name, "files": "replaced",
                         "path": str(kept.relative_to(sweep.dir))})


def _tail(text: str, lines: int = ERROR_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _crash_report(stderr: str) -> str:
    """What a dead process left in its stderr.log: a fatal error's heading and its innermost frames (the
    stack is printed most recent call first), else the log's last lines."""
    lines = stderr.rstrip().splitlines()
    fatal = max((i for i, line in enumerate(lines) if line.startswith("Fatal Python error")), default=None)
    if fatal is None:
        return _tail(stderr, ERROR_LINES - 1)
    frames = [line for line in lines[fatal:] if line.strip() and not line.startswith("Extension modules")]
    return "\n".join(frames[:ERROR_LINES - 1])


def record_abandoned(sweep: Sweep, run: RunSpec, state: State, reason: str) -> Outcome:
    """End a run whose process vanished (crash, kill, Ctrl-C): `reason` plus the tail of its stderr.log.
    A run that had not started yet is left as it is."""
    run_dir = sweep.run_dir(run)
    previous = read_json(run_dir / "status.json") or {}
    if previous.get("key") != run.key or previous.get("state") != State.RUNNING:
        return Outcome(State.PLANNED)  # it stays queued by a runner that has gone: planned again
    for log in ("stdout.log", "stderr.log"):
        assemble(run_dir / log)          # the tail its process was writing when it died
    try:
        stderr = (run_dir / "stderr.log").read_text(errors="replace")
    except FileNotFoundError:
        stderr = ""
    error = _crash_report(stderr) + "\n" + reason if stderr.strip() else reason
    started = previous.get("started")
    duration = round((previous.get("before_s") or 0.0) + time.time() - started, 3) if started else None
    _record(sweep, run, run_dir, state, None, by_runner=True, started=started, duration_s=duration, error=error)
    return Outcome(state, error=error, duration_s=duration or 0.0)
