"""A run's processes end with it. Whatever a task started (a simulator, a data loader's workers, a
daemon that forked twice to get away) is ended before the run's end is recorded, so that a run recorded
done has nothing left running and nothing holding its files; and its memory is the memory of the whole
tree it started.

The process that executes runs (a local worker, a cluster job) makes itself the subreaper of its tree:
an orphaned grandchild is handed to it rather than to init, so it is still found and ended.
"""
from __future__ import annotations

import ctypes

import psutil

PR_SET_CHILD_SUBREAPER = 36
GRACE_S = 3.0
_executes_runs = False       # only a process that executes runs ends its descendants (never a caller's)


def become_subreaper() -> None:
    """This process executes runs: adopt the orphans of its descendants (Linux; elsewhere they go to
    init), and end its descendants after each run."""
    global _executes_runs
    _executes_runs = True
    try:
        ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1)
    except (OSError, AttributeError):
        pass


def end_descendants(grace_s: float = GRACE_S) -> list[str]:
    """SIGTERM every process this one started (and theirs), SIGKILL those still there after `grace_s`;
    returns them described as 'pid (command)'. Only in a process that executes runs (become_subreaper)."""
    if not _executes_runs:
        return []
    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return []
    described = []
    for child in children:
        try:
            described.append(f"{child.pid} ({' '.join(child.cmdline())[:80] or child.name()})")
            child.terminate()
        except psutil.Error:
            continue
    _, alive = psutil.wait_procs(children, timeout=grace_s)
    for child in alive:
        try:
            child.kill()
        except psutil.Error:
            continue
    psutil.wait_procs(alive, timeout=grace_s)
    return described


def kill_tree(pid: int) -> None:
    """SIGKILL a process (a worker past its run's limits) and every process it started."""
    try:
        root = psutil.Process(pid)
        tree = [*root.children(recursive=True), root]
    except psutil.Error:
        return
    for process in tree:
        try:
            process.kill()
        except psutil.Error:
            continue


def tree_memory_bytes(pid: int) -> int:
    """The memory of a process and all its descendants: each one's proportional share of the pages it
    uses (PSS; RSS where PSS cannot be read), so pages shared with the fork server count once."""
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for process in tree:
        try:
            total += getattr(process.memory_full_info(), "pss", 0) or process.memory_info().rss
        except psutil.AccessDenied:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                continue
        except psutil.Error:
            continue
    return total
