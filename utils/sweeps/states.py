"""The states a run can be in: the values the ledger stores, and two that only reading it yields."""
from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    PLANNED = "planned"          # not started; also a run queued by a `neuro run` that has ended
    QUEUED = "queued"            # waiting for a worker or a cluster job
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"            # the task raised, its process died, or it overran resources.time_min
    INTERRUPTED = "interrupted"  # Ctrl-C, a cancel or the scheduler stopped it; resumes from its checkpoint
    CANCELLED = "cancelled"      # `neuro cancel`
    PRUNED = "pruned"            # a search stopped this trial's run early: its intermediate values were poor
    REMOVED = "removed"          # `neuro rm` took it out of view (planned again)
    LOST = "lost"                # read, not stored: running, but its process has gone without a word
    MISSING = "missing"          # read, not stored: done, but its folder was deleted


ORDER = (State.DONE, State.RUNNING, State.QUEUED, State.INTERRUPTED, State.LOST, State.FAILED, State.CANCELLED,
         State.PRUNED, State.MISSING, State.PLANNED)   # how status lists them
ACTIVE = (State.QUEUED, State.RUNNING)
ENDED = (State.DONE, State.FAILED, State.CANCELLED, State.PRUNED)
FINAL = (State.DONE, State.FAILED, State.PRUNED)     # ends that `neuro run` does not run again
