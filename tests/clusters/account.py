"""A second Unix account as a login node's user, for the remote tests (shared/CLUSTERS.md).

The account `neurocluster` (made once: a bash shell, a password field that lets keys in under
`UsePAM no`) gets a folder of its own under /tmp and a Python environment it can run, with neuro
installed as a lab installs it on a cluster: a venv of the system's Python 3.11 whose site-packages are
hard links to this environment's (this interpreter lives under /root, which that account cannot enter),
and this checkout's neuro package beside them. Raises Unavailable where any step cannot be done.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.clusters.daemons import Unavailable

NAME = "neurocluster"
SYSTEM_PYTHON = Path("/usr/bin/python3.11")
CHECKOUT = Path(__file__).resolve().parents[2]


@dataclass
class Account:
    name: str
    uid: int
    folder: Path        # what this test session made for it (root's)
    projects: Path      # the account's own folder in it: remote projects go under it
    python: Path        # a Python with neuro's dependencies that the account can run

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def second_account() -> Account:
    """The account, its folder and its Python (the account stays; the folder goes with `remove`)."""
    if os.geteuid() != 0:
        raise Unavailable("a second account needs root")
    if not SYSTEM_PYTHON.exists() or not shutil.which("useradd"):
        raise Unavailable(f"{SYSTEM_PYTHON} or useradd missing")
    try:
        pwd.getpwnam(NAME)
    except KeyError:
        _root(["useradd", "--create-home", "--shell", "/bin/bash", NAME])
    _root(["usermod", "-p", "*", NAME])               # `!` is a locked account, even for keys
    user = pwd.getpwnam(NAME)
    home = Path(tempfile.mkdtemp(prefix="neuro-account-"))
    home.chmod(0o755)
    _root([str(SYSTEM_PYTHON), "-m", "venv", "--without-pip", str(home / "venv")])
    site = home / "site-packages"
    linked = subprocess.run(["cp", "-al", sysconfig.get_paths()["purelib"], str(site)], capture_output=True, text=True)
    if linked.returncode != 0:
        shutil.rmtree(home, ignore_errors=True)
        raise Unavailable(f"could not link this environment's packages for {NAME}: {linked.stderr.strip()}")
    package = home / "package"
    for part in ("cli", "utils", "experiments", "configs"):
        shutil.copytree(CHECKOUT / part, package / "neuro" / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(CHECKOUT / "utils" / "api" / "__init__.py", package / "neuro" / "__init__.py")   # as pyproject maps it
    venv_site = next((home / "venv" / "lib").glob("python3*/site-packages"))
    (venv_site / "neuro.pth").write_text(f"{package}\n{site}\n")
    projects = home / "projects"
    projects.mkdir()
    shutil.chown(projects, user.pw_uid, user.pw_gid)
    return Account(NAME, user.pw_uid, home, projects, home / "venv" / "bin" / "python")


def _root(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise Unavailable(f"{' '.join(command)} failed: {done.stderr.strip()}")
