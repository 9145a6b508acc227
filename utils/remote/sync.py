"""Send the project to a remote: rsync over the remote's ssh connection, only what changed.

What travels: the files git tracks and the untracked ones it does not ignore (everything, outside
git), never training_data/ or Data/ (results and data sets live where they are made), and the
experiment and task files even when they sit outside the project: those go to `.outside/<their
absolute path>` there, so that relative references between them still hold.
"""
from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from neuro.utils.errors import NeuroError
from neuro.utils.layout import OUTSIDE
from neuro.utils.remote.remotes import Remote
from neuro.utils.remote.ssh import SET_PATH, failure, run_script, ssh_command

NEVER_SENT = ("training_data", "Data", ".git", ".venv", "__pycache__", ".pytest_cache", "build")

# $1: the project's path there. Makes it and prints it absolute.
MAKE_FOLDER = SET_PATH + r'''
mkdir -p "$p" && cd "$p" && pwd
'''


@dataclass
class Sent:
    folder: str            # the project's absolute path on the remote
    files: int             # how many files the project has
    transferred: int       # how many of them travelled (new or changed)


def project_files(root: Path) -> list[str]:
    """The project's files, relative to `root`: git's tracked and unignored ones, or every file."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                            capture_output=True)
    if listed.returncode == 0:
        names = [name for name in listed.stdout.decode().split("\0") if name]
    else:
        names = []
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = [d for d in subfolders if d not in NEVER_SENT]
            names += [str((Path(folder) / f).relative_to(root)) for f in files]
    return sorted(name for name in names if not _never_sent(name) and (root / name).exists())


def remote_name(root: Path, path: Path) -> str:
    """Where `path` (a local file) is on the remote, relative to the project's folder there."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(root))
    except ValueError:
        return f"{OUTSIDE}{resolved}"


def send(remote: Remote, root: Path, extra: list[Path]) -> Sent:
    """Make the project's folder there and bring it up to date with `root` (and the `extra` files);
    returns what it sent."""
    made = run_script(remote, MAKE_FOLDER, [remote.path], timeout=120)
    if made.returncode == 255:
        raise failure(remote, made)
    if made.returncode != 0 or not made.stdout.strip():
        raise NeuroError(f"remote {remote.name}: cannot make {remote.path} there ({made.stderr.strip()[-200:]}); "
                         "set a path you can write (`path:` in the remotes file)")
    folder = made.stdout.strip().splitlines()[-1]
    files = project_files(root)
    outside = [p.resolve() for p in extra if remote_name(root, p).startswith(OUTSIDE)]
    transferred = _send(remote, root, files, f"{folder}/")
    if outside:
        transferred += _send(remote, Path("/"), [str(p)[1:] for p in outside], f"{folder}/{OUTSIDE}/")
    return Sent(folder, len(files) + len(outside), transferred)


def fetch(remote: Remote, source: str, target: Path, folder: bool = False, exclude: list[str] | None = None,
          optional: bool = False) -> int | None:
    """Bring the remote's `source` (a file; with `folder`, a folder's content) to `target` here, only
    what changed, each file written whole; how many files came (None: `optional` and not there)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    options = [f"--exclude={pattern}" for pattern in exclude or []]
    destination = f"{target}/" if folder else str(target)
    return _rsync(remote, [*options, f"{remote.host}:{source}", destination], missing_ok=optional)


def _send(remote: Remote, source: Path, names: list[str], target: str) -> int:
    """rsync `names` (relative to `source`) to `target` on the remote; how many files travelled."""
    sent = _rsync(remote, ["--files-from=-", "--from0", f"{source}/", f"{remote.host}:{target}"], "\0".join(names))
    return sent or 0


def _rsync(remote: Remote, args: list[str], names: str = "", missing_ok: bool = False) -> int | None:
    """rsync over the remote's ssh connection; how many files it wrote (None: the source is missing and
    that is fine)."""
    ssh = ssh_command(remote)[:-2]               # up to the host, which rsync adds itself
    command = ["rsync", "--archive", "--itemize-changes", "--out-format=%i %n", "-e", shlex.join(ssh), *args]
    try:
        result = subprocess.run(command, input=names, capture_output=True, text=True)
    except FileNotFoundError:
        raise NeuroError("rsync is not installed here; install it (e.g. apt install rsync)") from None
    said = " ".join(result.stderr.split())[-300:]
    if result.returncode == 23 and missing_ok and "No such file or directory" in said:
        return None
    if result.returncode != 0:
        if "command not found" in said or "rsync: not found" in said:
            raise NeuroError(f"remote {remote.name}: rsync is not installed on {remote.host}; ask its admins, or "
                             "install it in your home there")
        raise NeuroError(f"remote {remote.name}: rsync failed (exit {result.returncode}: {said}); check that "
                         f"`ssh {remote.host}` logs in and the paths there can be read and written")
    return sum(1 for line in result.stdout.splitlines() if line[:2] in ("<f", ">f"))


def _never_sent(name: str) -> bool:
    parts = Path(name).parts
    return parts[0] in NEVER_SENT or "__pycache__" in parts or name.endswith(".pyc")
