"""Start and stop real Slurm and Son of Grid Engine daemons on this machine, for tests and benchmarks.

Follows the recipes of shared/CLUSTERS.md. Each start function returns a handle with the environment
clients need and the pids it started; stop() ends only those. When a scheduler cannot start (not
root, not installed) the functions raise Unavailable with the reason, and tests skip with it.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SGE_ROOT = Path("/var/lib/gridengine")
SGE_SPOOL = Path("/var/spool/gridengine")


class Unavailable(RuntimeError):
    """This machine cannot run the scheduler; the message says why."""


@dataclass
class Scheduler:
    name: str
    env: dict[str, str]
    pids: list[int] = field(default_factory=list)
    workdir: Path | None = None

    def stop(self) -> None:
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 15
        for pid in self.pids:
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def start_slurm(workdir: Path, cpus: int | None = None) -> Scheduler:
    """munged, slurmctld and slurmd with a one-node cluster configured under `workdir`, listening on
    free ports of their own (another Slurm on the machine is left alone), with no more CPUs than the
    machine has."""
    _require_root()
    for tool in ("munged", "slurmctld", "slurmd", "sbatch"):
        if not shutil.which(tool):
            raise Unavailable(f"{tool} not installed (tests/clusters/install.sh installs slurm-wlm, munge)")
    host = socket.gethostname().split(".")[0]
    _start_munge()
    for sub in ("state", "spool", "log"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    for sub in ("state", "log"):
        shutil.chown(workdir / sub, "slurm", "slurm")
    conf = workdir / "slurm.conf"
    machine = os.cpu_count() or 1       # a node declaring more CPUs than it has is set INVAL
    conf.write_text(SLURM_CONF.format(host=host, dir=workdir, cpus=min(cpus or machine, machine),
                                      controller_port=free_port(), node_port=free_port()))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    pids = []
    for daemon in ("slurmctld", "slurmd"):
        subprocess.run([daemon], env=env, check=True, capture_output=True, timeout=30)
        pids.append(_read_pid(workdir / f"{daemon}.pid"))
    scheduler = Scheduler("slurm", {"SLURM_CONF": str(conf)}, pids, workdir)
    _wait_until(lambda: "idle" in _output(["sinfo", "-h", "-o", "%t"], env), "the Slurm node to be idle",
                scheduler)
    return scheduler


SLURM_CONF = """\
ClusterName=local
SlurmctldHost={host}
SlurmctldPort={controller_port}
SlurmdPort={node_port}
SlurmUser=slurm
AuthType=auth/munge
AuthInfo=cred_expire=5
StateSaveLocation={dir}/state
SlurmdSpoolDir={dir}/spool
SlurmctldPidFile={dir}/slurmctld.pid
SlurmdPidFile={dir}/slurmd.pid
SlurmctldLogFile={dir}/log/slurmctld.log
SlurmdLogFile={dir}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MaxArraySize=1001
MinJobAge=600
KillWait=10
SchedulerParameters=bf_interval=1,sched_interval=2
NodeName={host} CPUs={cpus} RealMemory=20000 State=UNKNOWN
PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


def _start_munge() -> None:
    if subprocess.run(["bash", "-c", "munge -n | unmunge"], capture_output=True).returncode == 0:
        return
    Path("/run/munge").mkdir(parents=True, exist_ok=True)
    shutil.chown("/run/munge", "munge", "munge")
    subprocess.run(["munged", "--force"], capture_output=True, timeout=30)
    _wait_until(lambda: subprocess.run(["bash", "-c", "munge -n | unmunge"], capture_output=True).returncode == 0,
                "munge to answer")


def start_sge(workdir: Path, slots: int | None = None) -> Scheduler:
    """sge_qmaster and sge_execd with a queue all.q and a parallel environment smp."""
    _require_root()
    if not (SGE_ROOT / "default").exists() or not shutil.which("qconf"):
        raise Unavailable("Grid Engine not installed (tests/clusters/install.sh installs gridengine-*)")
    host = socket.gethostname().split(".")[0]
    client = {"SGE_ROOT": str(SGE_ROOT), "SGE_CELL": "default", "SGE_QMASTER_PORT": str(free_port()),
              "SGE_EXECD_PORT": str(free_port())}     # ports of their own, not the machine-wide 6444/6445
    env = {**os.environ, **client}
    (SGE_ROOT / "default" / "common" / "host_aliases").write_text(f"{host} localhost\n")
    scheduler = Scheduler("sge", client, [], workdir)
    if subprocess.run(["qstat"], env=env, capture_output=True).returncode != 0:
        for daemon, pid_files in (("sge_qmaster", "qmaster/qmaster.pid"), ("sge_execd", "execd/*/execd.pid")):
            for stale in SGE_SPOOL.glob(pid_files):
                stale.unlink()
            subprocess.run([f"/usr/lib/gridengine/{daemon}"], env=env, check=True, capture_output=True, timeout=60)
            _wait_until(lambda pid_files=pid_files: list(SGE_SPOOL.glob(pid_files)), f"{daemon} to write its pid", scheduler)
            scheduler.pids.append(_read_pid(next(SGE_SPOOL.glob(pid_files))))
            _wait_until(lambda: subprocess.run(["qstat"], env=env, capture_output=True).returncode == 0,
                        "qmaster to answer", scheduler)
    _configure_sge(env, host, slots or os.cpu_count() or 1, workdir)
    _wait_until(lambda: _sge_queue_ready(env), "the SGE queue to accept jobs", scheduler)
    _wait_until(lambda: _sge_runs_a_root_job(env, workdir), "an SGE job of root to run", scheduler)
    return scheduler


def _configure_sge(env: dict, host: str, slots: int, workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["qconf", "-as", host], env=env, capture_output=True)
    pe = workdir / "smp.pe"
    pe.write_text(SGE_PE)
    subprocess.run(["qconf", "-Ap", str(pe)], env=env, capture_output=True)
    queues = _output(["qconf", "-sql"], env)
    if "all.q" not in queues.split():
        queue = workdir / "all.q"
        queue.write_text(SGE_QUEUE.format(host=host, slots=slots))
        subprocess.run(["qconf", "-Aq", str(queue)], env=env, check=True, capture_output=True)
    subprocess.run(["qconf", "-mattr", "queue", "pe_list", "smp", "all.q"], env=env, capture_output=True)
    config = workdir / "global"
    text = _output(["qconf", "-sconf", "global"], env)
    lines = [line for line in text.splitlines() if not line.startswith(("min_uid", "min_gid"))]
    config.write_text("\n".join(lines + ["min_uid                      0", "min_gid                      0"]) + "\n")
    subprocess.run(["qconf", "-Mconf", "global"], env=env, cwd=workdir, capture_output=True)
    scheduler_config = workdir / "scheduler"
    fast = {"schedule_interval": "0:0:1", "flush_submit_sec": "1", "flush_finish_sec": "1"}
    lines = [f"{key} {fast[key]}" if (key := line.split(" ", 1)[0]) in fast else line
             for line in _output(["qconf", "-ssconf"], env).splitlines()]
    scheduler_config.write_text("\n".join(lines) + "\n")
    subprocess.run(["qconf", "-Msconf", str(scheduler_config)], env=env, capture_output=True)
    subprocess.run(["qmod", "-c", "*"], env=env, capture_output=True)  # clear error states of earlier sessions


def _sge_runs_a_root_job(env: dict, workdir: Path) -> bool:
    """On a machine's first start, sge_execd may get the new min_uid/min_gid only after a first job has
    failed on them and put the queue in error: run a probe job until one succeeds, clearing errors."""
    try:
        probe = subprocess.run(["qsub", "-sync", "y", "-b", "y", "-o", "/dev/null", "-e", "/dev/null", "/bin/true"],
                               env=env, cwd=workdir, capture_output=True, text=True, timeout=20)
        if probe.returncode == 0:
            return True
    except subprocess.TimeoutExpired:      # the job waits on a queue in error
        pass
    subprocess.run(["qdel", "-f", "-u", "root"], env=env, capture_output=True)
    subprocess.run(["qmod", "-c", "*"], env=env, capture_output=True)
    return False


def _sge_queue_ready(env: dict) -> bool:
    out = _output(["qstat", "-f", "-q", "all.q"], env)
    return "all.q@" in out and not any(flag in out.split("all.q@", 1)[1].splitlines()[0] for flag in (" au", " E"))


SGE_PE = """\
pe_name            smp
slots              999
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    $pe_slots
control_slaves     FALSE
job_is_first_task  TRUE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
"""

SGE_QUEUE = """\
qname                 all.q
hostlist              {host}
seq_no                0
load_thresholds       NONE
suspend_thresholds    NONE
nsuspend              1
suspend_interval      00:05:00
priority              0
min_cpu_interval      00:05:00
processors            UNDEFINED
qtype                 BATCH INTERACTIVE
ckpt_list             NONE
pe_list               smp
rerun                 FALSE
slots                 {slots}
tmpdir                /tmp
shell                 /bin/bash
prolog                NONE
epilog                NONE
shell_start_mode      unix_behavior
starter_method        NONE
suspend_method        NONE
resume_method         NONE
terminate_method      NONE
notify                00:00:60
owner_list            NONE
user_lists            NONE
xuser_lists           NONE
subordinate_list      NONE
complex_values        NONE
projects              NONE
xprojects             NONE
calendar              NONE
initial_state         default
s_rt                  INFINITY
h_rt                  INFINITY
s_cpu                 INFINITY
h_cpu                 INFINITY
s_fsize               INFINITY
h_fsize               INFINITY
s_data                INFINITY
h_data                INFINITY
s_stack               INFINITY
h_stack               INFINITY
s_core                INFINITY
h_core                INFINITY
s_rss                 INFINITY
h_rss                 INFINITY
s_vmem                INFINITY
h_vmem                INFINITY
"""


def free_port() -> int:
    """A TCP port nothing listens on now (the daemons' own, not the machine-wide defaults)."""
    with socket.socket() as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]


def _require_root() -> None:
    if os.geteuid() != 0:
        raise Unavailable("starting scheduler daemons needs root")


def _output(command: list[str], env: dict) -> str:
    try:
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _read_pid(path: Path) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            return int(path.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            time.sleep(0.2)
    raise Unavailable(f"no pid file {path}")


def _wait_until(condition, what: str, scheduler: Scheduler | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            if scheduler:
                scheduler.stop()
            raise Unavailable(f"timed out waiting for {what}")
        time.sleep(0.5)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
