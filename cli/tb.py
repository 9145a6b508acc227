"""`neuro tb`: TensorBoard on an experiment's runs."""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
from typing import Annotated

import typer

from neuro.cli.common import ExperimentArg, MaxRunsOption, SetOption, load
from neuro.utils.errors import NeuroError


def tb(experiment: ExperimentArg, set_: SetOption = None, max_runs: MaxRunsOption = None,
       port: Annotated[int, typer.Option(help="Port to serve on.")] = 6006,
       host: Annotated[str, typer.Option(help="Address to bind (0.0.0.0 to reach it from elsewhere).")] = "localhost",
       ) -> None:
    """Start TensorBoard on the experiment's folder (scalars, images, HParams); Ctrl-C stops it."""
    sweep = load(experiment, set_, max_runs=max_runs, import_code=False)
    if not sweep.dir.is_dir():
        raise NeuroError(f"{experiment}: no runs yet in {sweep.dir}; `neuro run {experiment}` first")
    if not _free(host, port):
        raise NeuroError(f"--port {port}: the port is in use on {host} (another TensorBoard?); choose another, "
                         f"e.g. `neuro tb {experiment} --port {_free_port(host)}`")
    print(f"TensorBoard for {sweep.spec.id} on http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    command = [sys.executable, "-m", "tensorboard.main", "--logdir", str(sweep.dir), "--port", str(port),
               "--host", host]
    server = subprocess.Popen(command)
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops it like Ctrl-C
    try:
        code = server.wait()
    except KeyboardInterrupt:
        code = 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop(server)
    raise typer.Exit(code)


def _stop(server: subprocess.Popen, grace_s: float = 10.0) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(grace_s)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _free(host: str, port: int) -> bool:
    """Whether a server may listen on `port` of `host` now."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)    # a port just let go counts as free
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
