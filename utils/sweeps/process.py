"""Processes on this machine, known by identity: a pid together with its start time, so that a pid the
system has since given to another process is never mistaken for the one recorded."""
from __future__ import annotations

import os

import psutil

START_TOLERANCE_S = 1.0     # psutil's start times are derived from clock ticks since boot


def identity(pid: int | None = None) -> dict[str, float | int | None]:
    """{"pid", "start"} of this process (or of `pid`; start None when it has gone), as ledger events
    record them."""
    pid = os.getpid() if pid is None else pid
    try:
        return {"pid": pid, "start": round(psutil.Process(pid).create_time(), 2)}
    except psutil.Error:
        return {"pid": pid, "start": None}


def process_alive(pid: int | None, start: float | None = None) -> bool:
    """Whether the process `pid` still runs and, when `start` is known, is the one that started then.
    A zombie (exited, not yet collected by its parent) counts as ended."""
    if not pid:
        return False
    try:
        process = psutil.Process(pid)
        if start is not None and abs(process.create_time() - start) > START_TOLERANCE_S:
            return False
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def is_neuro_process(pid: int, start: float | None) -> bool:
    """Whether `pid` is still the neuro process recorded with that start time (without one, from an
    older ledger, its command line must name neuro)."""
    if not process_alive(pid, start):
        return False
    if start is not None:
        return True
    try:
        command = " ".join(psutil.Process(pid).cmdline())
    except psutil.Error:
        return False
    return "neuro" in command or "neuro.cli.main" in command
