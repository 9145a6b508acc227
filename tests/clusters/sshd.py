"""A real OpenSSH server on 127.0.0.1 as a remote login node, for tests and benchmarks.

Follows shared/CLUSTERS.md: a private sshd on a free port with host and user keys made for the test,
and a client config (its own known_hosts, host keys checked) that `--ssh-option=-F --ssh-option=CFG`
hands to neuro. Raises Unavailable (tests skip with the reason) where sshd cannot start.
"""
from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.clusters.daemons import Unavailable, free_port

SSHD = Path("/usr/sbin/sshd")

SERVER_CONFIG = """\
ListenAddress 127.0.0.1
Port {port}
HostKey {dir}/host_key
PidFile {dir}/sshd.pid
AuthorizedKeysFile {dir}/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowUsers {user}
{set_env}"""

CLIENT_CONFIG = """\
Host {alias}
    HostName 127.0.0.1
    Port {port}
    User {user}
    IdentityFile {dir}/user_key
    IdentitiesOnly yes
    UserKnownHostsFile {dir}/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
"""


@dataclass
class SshServer:
    dir: Path
    port: int
    process: subprocess.Popen
    alias: str = "neuro-test-login"

    @property
    def client_config(self) -> Path:
        return self.dir / "ssh_config"

    def ssh_options(self) -> list[str]:
        """The `--ssh-option` values that make neuro's ssh use this server's client config."""
        return ["-F", str(self.client_config)]

    def new_host_key(self) -> None:
        """Restart the server with a new host key (what a reinstalled login node looks like)."""
        self.stop()
        (self.dir / "host_key").unlink()
        (self.dir / "host_key.pub").unlink()
        _keygen(self.dir / "host_key")
        self.process = _serve(self.dir, self.port)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_sshd(workdir: Path, env: dict[str, str] | None = None, user: str | None = None) -> SshServer:
    """sshd on a free port of 127.0.0.1 letting `user` (default: this one) in with a key made here (its
    sessions get `env`: a scheduler's client settings), and a client config."""
    if os.geteuid() != 0:
        raise Unavailable("a private sshd needs root here")
    if not SSHD.exists() or not shutil.which("ssh") or not shutil.which("rsync"):
        raise Unavailable("openssh-server, ssh or rsync not installed (tests/clusters/install.sh installs them)")
    Path("/run/sshd").mkdir(exist_ok=True)          # sshd refuses to start without it
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o755)
    _keygen(workdir / "host_key")
    _keygen(workdir / "user_key")
    shutil.copy(workdir / "user_key.pub", workdir / "authorized_keys")
    port = free_port()
    user = user or getpass.getuser()
    set_env = f"SetEnv {' '.join(f'{key}={value}' for key, value in env.items())}\n" if env else ""   # one line
    (workdir / "sshd_config").write_text(SERVER_CONFIG.format(port=port, dir=workdir, user=user, set_env=set_env))
    server = SshServer(workdir, port, _serve(workdir, port))
    server.client_config.write_text(CLIENT_CONFIG.format(alias=server.alias, port=port, user=user, dir=workdir))
    host_key = (workdir / "host_key.pub").read_text().split()
    (workdir / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    return server


def _serve(workdir: Path, port: int) -> subprocess.Popen:
    config = workdir / "sshd_config"
    checked = subprocess.run([str(SSHD), "-t", "-f", str(config)], capture_output=True, text=True)
    if checked.returncode != 0:
        raise Unavailable(f"sshd refused its config: {checked.stderr.strip()}")
    process = subprocess.Popen([str(SSHD), "-f", str(config), "-D", "-e"], stdout=subprocess.DEVNULL,
                               stderr=open(workdir / "sshd.log", "ab"))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        if process.poll() is not None:
            raise Unavailable(f"sshd exited: {(workdir / 'sshd.log').read_text()[-300:]}")
        time.sleep(0.05)
    process.kill()
    raise Unavailable("sshd did not listen within 20 s")


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def serve_sshd(env: dict[str, str] | None = None, user: str | None = None) -> Iterator[SshServer]:
    """A fixture's body: a server in a folder of its own; at the end the connections neuro left open
    end, the server stops and its folder goes. Skips (fails in CI as root) where sshd cannot start."""
    workdir = Path(tempfile.mkdtemp(prefix="neuro-sshd-"))
    try:
        server = start_sshd(workdir, env, user)
    except Unavailable as reason:
        if os.environ.get("CI") == "true" and os.geteuid() == 0:
            pytest.fail(f"sshd should start in CI: {reason}")
        pytest.skip(f"sshd unavailable: {reason}")
    yield server
    close_connections(server)
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def close_connections(server: SshServer) -> None:
    """End the shared connection neuro's ssh keeps open to the server."""
    from neuro.utils.remote.remotes import Remote
    from neuro.utils.remote.ssh import close
    close(Remote("test", server.alias, "/", tuple(server.ssh_options())))


def add_remote(workspace: Path, server: SshServer, name: str, path: Path | str, *extra: str) -> None:
    """`neuro remote add NAME` for the server, with the project's folder at `path` there."""
    from tests.conftest import neuro
    options = [f"--ssh-option={option}" for option in server.ssh_options()]
    added = neuro("remote", "add", name, server.alias, f"--path={path}", *options, *extra, cwd=workspace)
    assert added.returncode == 0, added.stderr
