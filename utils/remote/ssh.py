"""Commands on a remote through the user's own OpenSSH client.

One multiplexed connection serves every ssh and rsync a command makes (ControlMaster; it persists a
minute, so that a login node with two-factor authentication asks once). Host keys are checked as ssh
checks them. A remote command is always a fixed script read by `sh -s` from standard input, with the
user's values passed as its quoted arguments: a name or path never becomes a shell command there.
"""
from __future__ import annotations

import os
import shlex
import stat
import subprocess
import tempfile
from pathlib import Path

from neuro.utils.errors import NeuroError
from neuro.utils.remote.remotes import Remote

CONNECT_TIMEOUT_S = 20
PERSIST_S = 60


def control_dir() -> Path:
    """A folder only this user can enter, for the connections' sockets (short: a socket path is at most
    about 100 characters)."""
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    folder = base / f"neuro-ssh-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise NeuroError(f"{folder} is not a private folder of yours; remove it (neuro keeps its ssh connections "
                         "there)")
    return folder


def ssh_command(remote: Remote) -> list[str]:
    """`ssh` with the remote's own options and a shared connection, up to the host (a command follows)."""
    return ["ssh", *remote.ssh, "-o", "ControlMaster=auto", "-o", f"ControlPersist={PERSIST_S}",
            "-o", f"ControlPath={control_dir()}/%C", "-o", f"ConnectTimeout={CONNECT_TIMEOUT_S}", "--", remote.host]


def script_command(remote: Remote, args: list[str]) -> list[str]:
    """The ssh command that runs a script read from standard input on the remote with `args` as $1, $2,
    ...: only `sh -s -- ARGS` (each argument quoted) reaches the remote's shell, never the script."""
    return [*ssh_command(remote), shlex.join(["sh", "-s", "--", *args])]


def run_script(remote: Remote, script: str, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run the POSIX shell `script` on the remote with `args` (script_command); its output captured."""
    try:
        return subprocess.run(script_command(remote, args), input=script, text=True, timeout=timeout,
                              capture_output=True)
    except FileNotFoundError:
        raise NeuroError("ssh is not installed here; install OpenSSH's client (e.g. apt install openssh-client)") from None
    except subprocess.TimeoutExpired:
        raise NeuroError(f"remote {remote.name}: {remote.host} did not answer within {timeout:.0f} s; check "
                         f"that `ssh {remote.host}` logs in") from None


def failure(remote: Remote, result: subprocess.CompletedProcess[str]) -> NeuroError:
    """ssh's own failure (exit 255) as one line naming the remote and the fix."""
    said = [line for line in (result.stderr or "").splitlines() if line.strip()]
    last = said[-1].strip() if said else f"ssh exited {result.returncode}"
    text = " ".join(said).lower()
    if "host key verification failed" in text or "remote host identification has changed" in text:
        fix = (f"the host's key is not the one your known_hosts holds for it: ask the cluster's admins whether it "
               f"changed, then `ssh-keygen -R HOST` and `ssh {remote.host}` once to accept the new key")
    elif "permission denied" in text:
        fix = f"ssh could not log in: check that `ssh {remote.host}` logs in with your key or agent"
    else:
        fix = f"check the host, the network and that `ssh {remote.host}` logs in"
    return NeuroError(f"remote {remote.name}: ssh {remote.host} failed: {last}; {fix}")


def close(remote: Remote) -> None:
    """End the shared connection to the remote, if one is open."""
    subprocess.run([*ssh_command(remote)[:-2], "-O", "exit", "--", remote.host], capture_output=True, timeout=30)


# Shell code that sets $p to the remote path given as $1, a leading ~/ being the home folder there.
SET_PATH = 'p=$1; case "$p" in "~") p=$HOME ;; "~/"*) p="$HOME/${p#"~/"}" ;; esac'
