"""Slurm through submitit: one job array per sweep chunk; preemption and timeouts requeue the run,
which then resumes from its last checkpoint."""
from __future__ import annotations

import math
import shlex
import signal
import sys
from pathlib import Path

from neuro.utils.backends.cluster import ArrayRequest, ClusterExecutor, SubmissionError, run_command
from neuro.utils.backends.job_entry import run_jobs, succeeded
from neuro.utils.execution.execute import JobRef
from neuro.utils.execution.stopping import asked_to_stop, on_signal, request_stop, stop_requested
from neuro.utils.sweeps.sweep import Sweep


class SlurmRun:
    """What submitit pickles for each array task: the job entry's runs (one after another), plus Slurm's
    requeue."""

    def __init__(self, sweep_file: str, keys: list[str]):
        self.sweep_file, self.keys = sweep_file, keys

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "keys" not in state:         # pickled for a job queued before tasks could run several runs
            self.keys = [state["key"]]

    def __call__(self) -> str:
        import submitit
        signal.signal(signal.SIGTERM, _terminated)
        requeue = _RequeueAtCheckpoint()
        job_id = submitit.JobEnvironment().job_id
        outcomes = run_jobs(Path(self.sweep_file), self.keys, JobRef("slurm", job_id.split("_")[0], job_id))
        requeue.now_if_warned()       # submitit's own handler: checkpoint() and requeue, then exit
        if stop_requested():
            sys.exit(-1)  # submitit's requeue in progress: leave without a result
        if failed := [f"run {key} ended {o.label}: {o.error}" for key, o in outcomes.items() if not succeeded(o)]:
            raise RuntimeError("; ".join(failed))
        return ", ".join(outcome.label for outcome in outcomes.values())

    def checkpoint(self, *args, **kwargs):
        """Called by submitit on preemption or timeout: requeue; the task's runs that are done are skipped
        then, and the one cut off resumes from its checkpoint."""
        import submitit
        request_stop("preempted or timed out: requeued")
        return submitit.helpers.DelayedSubmission(SlurmRun(self.sweep_file, self.keys))


def _planning_executor() -> type:
    """A SlurmExecutor that renders sbatch scripts where no `srun` is (a laptop, for `neuro plan`)."""
    import submitit

    class PlanningExecutor(submitit.SlurmExecutor):
        @classmethod
        def affinity(cls) -> int:
            return 1

    return PlanningExecutor


class _RequeueAtCheckpoint:
    """Slurm's warning before a time limit or a preemption (USR2) reaches submitit's handler, which
    requeues the job and exits at once. Put in front of it, this lets the run reach its next checkpoint
    first when that is near (stopping.on_signal), writing it, and hands over to submitit once the run has
    stopped."""

    def __init__(self) -> None:
        self.submitit_handler = signal.getsignal(signal.SIGUSR2)
        self.warned: int | None = None
        if callable(self.submitit_handler):
            signal.signal(signal.SIGUSR2, self._warned)

    def _warned(self, signum: int, frame) -> None:
        if self.warned is None:
            self.warned = signum
            request_stop("preempted or timed out: requeued")
        on_signal(signum, frame)     # stops at the next checkpoint when it is near, else (or the second time) now

    def now_if_warned(self) -> None:
        if self.warned is not None and callable(self.submitit_handler):
            self.submitit_handler(self.warned, None)


def _terminated(signum, frame) -> None:
    """Slurm's SIGTERM (requeue, preemption, time limit, scancel): record the run interrupted. When the
    run is already stopping (submitit's requeue after USR2 sends this too), let it finish recording."""
    if stop_requested() and not asked_to_stop():
        return
    if not stop_requested():
        request_stop("terminated by Slurm (requeue, preemption, time limit or scancel)")
    on_signal(signum, frame)   # stops at the next checkpoint when it is near, else (or the second time) at once


class SlurmExecutor(ClusterExecutor):
    name = "slurm"
    submit_program = "sbatch"
    status_program = "squeue"

    def max_array_size(self, sweep: Sweep) -> int:
        return sweep.spec.options("slurm").max_array_size

    def packing(self, sweep: Sweep) -> tuple[int, int | None]:
        options = sweep.spec.options("slurm")
        return options.runs_per_task, options.max_jobs

    def executor(self, request: ArrayRequest, planning: bool = False):
        """submitit's executor with the sweep's resources; `planning` only renders scripts, so it needs no
        Slurm on this machine."""
        import submitit
        spec = request.sweep.spec
        res, opts = spec.resources, spec.options("slurm")
        kind = _planning_executor() if planning else submitit.SlurmExecutor
        executor = kind(folder=request.log_dir / "%j", python=shlex.quote(request.python))
        parameters = dict(job_name=request.job_name, time=math.ceil(res.time_min * request.per_task), cpus_per_task=res.cpus,
                          mem=f"{int(res.mem_gb * 1024)}M", array_parallelism=opts.array_parallelism,
                          setup=[f"export PYTHONPATH={shlex.quote(str(request.code_dir))}${{PYTHONPATH:+:$PYTHONPATH}}",
                                 f"export OMP_NUM_THREADS={res.cpus} MKL_NUM_THREADS={res.cpus}"],
                          additional_parameters=dict(opts.additional))
        if res.gpus:
            parameters["gpus_per_node"] = res.gpus
        for key in ("partition", "account", "qos"):
            if getattr(opts, key):
                parameters[key] = getattr(opts, key)
        executor.update_parameters(**parameters)
        return executor

    def render(self, request: ArrayRequest) -> str:
        executor = self.executor(request, planning=True)
        if len(request.tasks) > 1:
            executor.parameters["map_count"] = len(request.tasks)
        return executor._make_submission_file_text(executor._submitit_command_str, "plan")  # submitit pinned

    def submit(self, request: ArrayRequest) -> str:
        executor = self.executor(request)
        try:
            with executor.batch():
                jobs = [executor.submit(SlurmRun(str(request.sweep_file), [run.key for run in task]))
                        for task in request.tasks]
        except Exception as err:  # submitit wraps sbatch's refusal in its own errors
            raise SubmissionError(f"sbatch failed: {err}".replace("\n", " | ")) from None
        return jobs[0].job_id.split("_")[0]

    def task_job_id(self, array_id: str, position: int, size: int) -> str:
        return f"{array_id}_{position}" if size > 1 else array_id

    def array_of(self, task_job_id: str) -> str:
        return task_job_id.split("_")[0]

    def live_jobs(self, array_ids: set[str]) -> set[str]:
        listed = set(run_command(["squeue", "-h", "-o", "%F"], "squeue").split())
        return array_ids & listed

    def cancel_jobs(self, array_ids: set[str]) -> None:
        if array_ids:
            run_command(["scancel", *sorted(array_ids)], "scancel")
