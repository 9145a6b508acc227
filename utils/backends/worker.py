"""A local worker process: loads the sweep, then executes the runs it is sent.

Workers fork from one server process per `neuro run` that has imported torch, numpy and TensorBoard
once (multiprocessing's forkserver): a worker starts in milliseconds, and a worker that replaces one
killed with its run costs nothing. The server is a fresh process, so no thread of the caller is forked.
"""
from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import multiprocessing
import multiprocessing.forkserver
import os
import select
import signal
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path

from neuro.utils.execution import stopping
from neuro.utils.execution.descendants import become_subreaper
from neuro.utils.execution.execute import execute_run, started_by
from neuro.utils.sweeps.states import State
from neuro.utils.sweeps.sweep import load_sweep

PR_SET_PDEATHSIG = 1
PRELOAD = ["neuro.utils.backends.worker", "numpy", "torch", "torch.utils.tensorboard"]


THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def worker_context(cpus: int) -> multiprocessing.context.ForkServerContext:
    """Where workers come from: forks of a server that has imported what every run uses. The server
    starts (once per process) with `cpus` threads in its environment, as numpy's BLAS reads them only
    when it is imported."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    saved = {var: os.environ.get(var) for var in THREAD_VARS}
    os.environ.update({var: str(cpus) for var in THREAD_VARS})
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
    return context


def worker_main(conn: Connection, sweep_file: str, cpus: int, gpus: list[str], parent_pid: int,
                environment: dict[str, str]) -> None:
    """Serve ("run", run, fresh) messages until told to stop or the parent goes away. The worker's
    runs see only `gpus` (when it has any), as cuda:0, cuda:1, ..., and the `environment` of the
    `neuro run` that started it (not the server's)."""
    _die_with_parent(parent_pid)
    os.environ.clear()
    os.environ.update(environment)
    for var in THREAD_VARS:       # for whatever the task starts
        os.environ[var] = str(cpus)
    if gpus:
        os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(gpus)
    faulthandler.enable(all_threads=False)  # a segfault leaves the crashing stack in the run's stderr.log
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # so does a worker stuck past Ctrl-C's grace
    stopping.install()      # Ctrl-C and SIGTERM stop a run at its next checkpoint, or at once
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)    # a terminal's Ctrl-C reaches only `neuro run`, which asks each run once
    become_subreaper()      # what a run leaves running ends with it

    try:
        started_by(parent_pid)
        sweep = load_sweep(Path(sweep_file))
        _import_run_libraries()
        conn.send(("ready",))
        while (message := conn.recv()) is not None:
            _, run, fresh = message
            outcome = execute_run(sweep, run, fresh=fresh)
            conn.send(("finished", run.key, outcome))
            if outcome.state == State.INTERRUPTED:
                break  # Ctrl-C or a cancel: take no more work
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        pass
    except Exception as err:  # the worker cannot even start: tell the parent instead of dying silently
        conn.send(("broken", f"{type(err).__name__}: {err}"))
    sys.exit(0)


def _import_run_libraries() -> None:
    """Import what every run uses before taking one: a Ctrl-C that lands inside an import may be lost
    in the library's own error handling or leave the module half-loaded, so no run may start there."""
    import numpy  # noqa: F401
    import torch  # noqa: F401
    from torch.utils.tensorboard import SummaryWriter  # noqa: F401


def _die_with_parent(parent_pid: int) -> None:
    """When the `neuro run` that started this worker dies (even by kill -9), the worker dies at once
    with it (Linux: a pidfd watched by a thread); and so it does when the fork server dies."""
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    try:
        pidfd = os.pidfd_open(parent_pid)
    except ProcessLookupError:
        os._exit(1)
    except (OSError, AttributeError):
        return
    threading.Thread(target=_kill_self_when_ended, args=(pidfd,), daemon=True).start()


def _kill_self_when_ended(pidfd: int) -> None:
    select.select([pidfd], [], [])
    os.kill(os.getpid(), signal.SIGKILL)
