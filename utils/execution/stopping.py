"""How a run is asked to stop, and how it tells a stop from its own failure.

A signal during a run (Ctrl-C, SIGTERM from `neuro cancel` or a scheduler, Slurm's warning before its
time limit) asks the run to stop. When the run has progress that no checkpoint holds yet, and its next
checkpoint is near (within GRACE_S, judged from how often it checkpoints), it is left to reach it: that
checkpoint is written at once, and the run stops there, interrupted, to resume exactly from it. Otherwise,
or at a second signal, it stops at once. A KeyboardInterrupt that no signal caused is the task's own
failure, not a stop.
"""
from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable

GRACE_S = 10.0

_reason: str | None = None          # why the scheduler is taking the run away (preemption, timeout)
_signalled = False                  # a signal asked this process to stop
_asked = False                      # the run is to stop at its next checkpoint
_checkpoint_near: Callable[[float], bool] | None = None   # the running run's: is a checkpoint due within s?
_timer: threading.Timer | None = None                    # stops the run anyway once the grace has passed


def request_stop(reason: str) -> None:
    """Mark the run in progress as interrupted rather than failed when its process is made to exit."""
    global _reason
    _reason = reason


def stop_requested() -> bool:
    return _reason is not None


def stop_reason() -> str | None:
    return _reason


def signalled() -> bool:
    """Whether a signal (not the task itself) is what is stopping the run."""
    return _signalled or _reason is not None


def asked_to_stop() -> bool:
    """Whether the run is to stop at its next checkpoint (written first)."""
    return _asked


def begin_run(checkpoint_near: Callable[[float], bool]) -> None:
    """A run starts in this process: nothing has asked it to stop yet."""
    global _signalled, _asked, _checkpoint_near
    _signalled = _asked = False
    _checkpoint_near = checkpoint_near


def end_run() -> None:
    """The run has ended: a pending stop of it is called off."""
    global _checkpoint_near, _asked, _timer
    if _timer is not None:
        _timer.cancel()
    _checkpoint_near, _asked, _timer = None, False, None


def on_signal(signum: int, frame: object = None) -> None:
    """The handler of SIGINT and SIGTERM in a process that executes runs."""
    global _signalled, _asked, _timer
    _signalled = True
    if not _asked and _checkpoint_near is not None and _checkpoint_near(GRACE_S):
        _asked = True
        _timer = threading.Timer(GRACE_S, os.kill, (os.getpid(), signum))   # then stop whatever it is doing
        _timer.daemon = True
        _timer.start()
        return
    raise KeyboardInterrupt


def install() -> None:
    """Handle SIGINT and SIGTERM with on_signal (even where the process started with them ignored)."""
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
