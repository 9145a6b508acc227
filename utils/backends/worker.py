"""A local worker process: loads the sweep and imports torch once, then executes runs it is sent."""
from __future__ import annotations

import ctypes
import faulthandler
import os
import signal
import sys
from multiprocessing.connection import Connection
from pathlib import Path

PR_SET_PDEATHSIG = 1


def worker_main(conn: Connection, sweep_file: str, cpus: int, gpus: list[str], parent_pid: int) -> None:
    """Serve ("run", run, fresh) messages until told to stop or the parent goes away. The worker's
    runs see only `gpus` (when it has any), as cuda:0, cuda:1, ..."""
    _die_with_parent(parent_pid)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(cpus)
    if gpus:
        os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(gpus)
    faulthandler.enable()  # a segfault leaves a traceback in the run's stderr.log
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # so does a worker stuck past Ctrl-C's grace
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when the runner started with it ignored
    from utils.execution.execute import execute_run
    from utils.sweeps.states import State
    from utils.sweeps.sweep import load_sweep

    try:
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
    """If the parent dies (even by kill -9), the kernel kills this worker too (Linux)."""
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent_pid:
        os._exit(1)
