"""qsub backends: Son of Grid Engine, PBS Pro and Torque. One array job per sweep chunk, from a job
script whose every value is shell-quoted. Paths (-o, -e, the script) go to qsub as arguments, never
through a directive line: schedulers parse quotes in directives differently."""
from __future__ import annotations

import dataclasses
import re
import shlex
from pathlib import Path

from neuro.utils.backends.cluster import ArrayRequest, ClusterExecutor, SubmissionError, run_command, walltime
from neuro.utils.backends.options import QsubOptions
from neuro.utils.experiment.sections import Resources
from neuro.utils.sweeps.sweep import Sweep

BODY = """\
set -u
cd {workspace}
keys=({keys})
dirs=({dirs})
i={first}
mkdir -p "${{dirs[$i]}}"
exec >>"${{dirs[$i]}}/scheduler.log" 2>&1
export PYTHONPATH={code}"${{PYTHONPATH:+:$PYTHONPATH}}"
export OMP_NUM_THREADS={cpus} MKL_NUM_THREADS={cpus}
exec {python} -m neuro.utils.backends.job_entry {sweep_file} {task_keys} --backend {backend} --job-id "{job_id}"
"""


class QsubExecutor(ClusterExecutor):
    submit_program = "qsub"
    status_program = "qstat"
    prefix = "#PBS"
    index = ""            # bash: the 0-based position in the array
    job_id = ""           # bash: this task's job id

    def max_array_size(self, sweep: Sweep) -> int:
        return _options(sweep).max_array_size

    def packing(self, sweep: Sweep) -> tuple[int, int | None]:
        options = _options(sweep)
        return options.runs_per_task, options.max_jobs

    def directives(self, request: ArrayRequest) -> list[str]:
        """Name, array, queue and resources, in the dialect's words (paths go to qsub as arguments)."""
        queue = _options(request.sweep).queue
        resources = request.sweep.spec.resources
        per_task = dataclasses.replace(resources, time_min=resources.time_min * request.per_task)
        return [f"-N {request.job_name}", *self.array(len(request.tasks)), *([f"-q {queue}"] if queue else []),
                *self.resources(per_task, _options(request.sweep).parallel_env)]

    def array(self, size: int) -> list[str]:
        raise NotImplementedError

    def resources(self, res: Resources, parallel_env: str) -> list[str]:
        raise NotImplementedError

    def render(self, request: ArrayRequest) -> str:
        q = shlex.quote
        extra = _options(request.sweep).additional
        if any("\n" in line or "\r" in line for line in extra):
            raise SubmissionError("qsub.additional: an entry holds a line break; give one directive per entry")
        directives = [f"{self.prefix} {d}" for d in [*self.directives(request), *extra]]
        body = BODY.format(workspace=q(str(request.sweep.workspace.root)),
                           keys=" ".join(run.key for run in request.runs),
                           dirs=" ".join(q(str(request.sweep.run_dir(run))) for run in request.runs),
                           first=self.index if request.per_task == 1 else f"$(( ({self.index}) * {request.per_task} ))",
                           task_keys='"${keys[$i]}"' if request.per_task == 1 else f'"${{keys[@]:$i:{request.per_task}}}"',
                           code=q(str(request.code_dir)),
                           cpus=request.sweep.spec.resources.cpus, job_id=self.job_id,
                           python=q(request.python), sweep_file=q(str(request.sweep_file)), backend=self.name)
        return "\n".join(["#!/bin/bash", *directives, "", body])

    def submit_command(self, script: Path, log_dir: Path) -> list[str]:
        return ["qsub", "-o", f"{log_dir}/", "-e", f"{log_dir}/", str(script)]

    def submit(self, request: ArrayRequest) -> str:
        request.log_dir.mkdir(parents=True, exist_ok=True)
        script = request.log_dir / "job.sh"
        script.write_text(self.render(request))
        return self.parse_job_id(run_command(self.submit_command(script, request.log_dir), "qsub"))

    @staticmethod
    def parse_job_id(output: str) -> str:
        """PBS Pro and Torque print the id: '1234[].server' for an array, '1234.server' otherwise."""
        match = re.search(r"^\s*(\d+(\[\])?(\.\S+)?)\s*$", output, flags=re.M)
        if not match:
            raise SubmissionError(f"qsub printed no job id: {output.strip()!r}")
        return match.group(1)

    def task_job_id(self, array_id: str, position: int, size: int) -> str:
        return array_id.replace("[]", f"[{position}]")

    def array_of(self, task_job_id: str) -> str:
        return re.sub(r"\[\d+\]", "[]", task_job_id)

    def live_jobs(self, array_ids: set[str]) -> set[str]:
        listed = {_base(job) for job in parse_qstat(run_command(["qstat"], "qstat"))}
        return {job for job in array_ids if _base(job) in listed}

    def cancel_jobs(self, array_ids: set[str]) -> None:
        if array_ids:
            run_command(["qdel", *sorted(array_ids)], "qdel")


class SGEExecutor(QsubExecutor):
    """Son of Grid Engine / Univa: -t 1-N, $SGE_TASK_ID (1-based), -pe for cores, h_vmem per slot."""

    name = "sge"
    prefix = "#$"
    index = "$(( SGE_TASK_ID - 1 ))"
    job_id = "${JOB_ID}.${SGE_TASK_ID}"

    def array(self, size: int) -> list[str]:
        return ["-S /bin/bash", f"-t 1-{size}"]

    def resources(self, res: Resources, parallel_env: str) -> list[str]:
        return [*([f"-pe {parallel_env} {res.cpus}"] if res.cpus > 1 else []),
                f"-l h_vmem={_mem(res.mem_gb / res.cpus, 'G', 'M')},h_rt={walltime(res.time_min)}",
                *([f"-l gpu={res.gpus}"] if res.gpus else [])]

    def submit_command(self, script: Path, log_dir: Path) -> list[str]:
        return ["qsub", "-terse", "-o", f"{log_dir}/", "-e", f"{log_dir}/", str(script)]

    @staticmethod
    def parse_job_id(output: str) -> str:
        """`qsub -terse` prints '123.1-4:1' for an array, '123' for a job; without -terse a sentence."""
        match = re.search(r"(?:^|job(?:-array)? )(\d+)", output.strip())
        if not match:
            raise SubmissionError(f"qsub printed no job id: {output.strip()!r}")
        return match.group(1)

    def task_job_id(self, array_id: str, position: int, size: int) -> str:
        return f"{array_id}.{position + 1}"

    def array_of(self, task_job_id: str) -> str:
        return task_job_id.split(".")[0]


class PBSProExecutor(QsubExecutor):
    """PBS Pro / OpenPBS: -J 0-N (only for 2 or more runs), $PBS_ARRAY_INDEX, select statements."""

    name = "pbs"
    index = "${PBS_ARRAY_INDEX:-0}"
    job_id = "${PBS_JOBID}"

    def array(self, size: int) -> list[str]:
        return [f"-J 0-{size - 1}"] if size > 1 else []  # PBS Pro refuses a one-element array

    def resources(self, res: Resources, parallel_env: str) -> list[str]:
        gpus = f":ngpus={res.gpus}" if res.gpus else ""
        return [f"-l select=1:ncpus={res.cpus}:mem={_mem(res.mem_gb, 'gb', 'mb')}{gpus}",
                f"-l walltime={walltime(res.time_min)}"]


class TorqueExecutor(QsubExecutor):
    """Torque / PBS classic: -t 0-N, $PBS_ARRAYID, nodes=1:ppn=N."""

    name = "torque"
    index = "${PBS_ARRAYID:-0}"
    job_id = "${PBS_JOBID}"

    def array(self, size: int) -> list[str]:
        return [f"-t 0-{size - 1}"]

    def resources(self, res: Resources, parallel_env: str) -> list[str]:
        gpus = f":gpus={res.gpus}" if res.gpus else ""
        return [f"-l nodes=1:ppn={res.cpus}{gpus}", f"-l mem={_mem(res.mem_gb, 'gb', 'mb')}",
                f"-l walltime={walltime(res.time_min)}"]


DIALECTS: dict[str, type[QsubExecutor]] = {"sge": SGEExecutor, "pbs": PBSProExecutor, "torque": TorqueExecutor}


def _options(sweep: Sweep) -> QsubOptions:
    return sweep.spec.options("qsub")


def parse_qstat(output: str) -> list[str]:
    """Job ids listed by plain `qstat` (SGE, PBS Pro and Torque all put them first, below a dashed rule)."""
    lines = output.splitlines()
    start = next((i + 1 for i, line in enumerate(lines) if line.startswith("---")), len(lines))
    return [line.split()[0] for line in lines[start:] if line.strip()]


def _base(job_id: str) -> str:
    """'1234[].server' and '1234[5].server' -> '1234'; SGE '123' -> '123'."""
    return re.split(r"[\[.]", job_id, maxsplit=1)[0]


def _mem(gb: float, big: str, small: str) -> str:
    return f"{int(gb)}{big}" if float(gb).is_integer() else f"{int(round(gb * 1024))}{small}"
