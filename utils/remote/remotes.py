"""Remotes: named login nodes in the user's own `$XDG_CONFIG_HOME/neuro/remotes.yaml`.

    hpc:
      host: ana@login.hpc.example.org   # anything ssh accepts, a Host alias of ~/.ssh/config too
      path: ~/neuro/vision-lab          # the project's folder there (created on first use)
      ssh: [-p, "2222"]                 # extra ssh options (optional)
      python: null                      # an environment there with neuro's dependencies; null: make builds one

neuro stores no password or key: ssh (the user's own client, config, keys and agent) does the logging in.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from neuro.utils.atomic import write_atomic
from neuro.utils.errors import NeuroError, SpecError, did_you_mean
from neuro.utils.experiment.yaml_source import load_yaml

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
FIELDS = ("host", "path", "ssh", "python")


@dataclass(frozen=True)
class Remote:
    name: str
    host: str
    path: str
    ssh: tuple[str, ...] = ()
    python: str | None = None

    def as_yaml(self) -> dict[str, Any]:
        return {"host": self.host, "path": self.path, "ssh": list(self.ssh), "python": self.python}


def remotes_file() -> Path:
    """`$XDG_CONFIG_HOME/neuro/remotes.yaml` (default `~/.config/neuro/remotes.yaml`)."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "neuro" / "remotes.yaml"


def load_remotes(path: Path | None = None) -> dict[str, Remote]:
    """Every remote of the file (none when it does not exist); a bad entry is a SpecError naming it."""
    path = path or remotes_file()
    if not path.exists():
        return {}
    data, source = load_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SpecError(path, "", "expected a mapping of remote names to their settings",
                        "write `NAME: {host: HOST, path: DIR}` entries, or `neuro remote add NAME HOST`")
    return {str(name): _remote(path, source.line(str(name)), str(name), entry) for name, entry in data.items()}


def find_remote(name: str) -> Remote:
    """The remote called `name`; an unknown one names the file and how to add it."""
    path = remotes_file()
    remotes = load_remotes(path)
    if name not in remotes:
        known = f" (known: {', '.join(sorted(remotes))})" if remotes else ""
        raise NeuroError(f"no remote called {name!r} in {path}{did_you_mean(name, remotes)}{known}; add it with "
                         f"`neuro remote add {name} USER@HOST`")
    return remotes[name]


def add_remote(remote: Remote) -> Path:
    """Append `remote` to the remotes file (what the file holds already, comments included, stays as it
    is); a name already there is refused."""
    path = remotes_file()
    remotes = load_remotes(path)
    if remote.name in remotes:
        raise NeuroError(f"{path}: a remote called {remote.name!r} exists already; choose another name, or edit "
                         "the file to change it")
    checked = _remote(path, None, remote.name, remote.as_yaml())
    before = path.read_bytes() if path.exists() else b""
    separator = b"" if not before or before.endswith(b"\n") else b"\n"
    entry = yaml.safe_dump({checked.name: checked.as_yaml()}, sort_keys=False, default_flow_style=None)
    content = before + separator + entry.encode()

    def write(handle: BinaryIO) -> None:
        handle.write(content)

    write_atomic(path, write)
    return path


def _remote(path: Path, line: int | None, name: str, entry: Any) -> Remote:
    def bad(key: str, problem: str, fix: str) -> SpecError:
        return SpecError(path, f"{name}.{key}" if key else name, problem, fix, line=line)

    if not NAME.fullmatch(name):
        raise bad("", "a remote's name is letters, digits, '_', '.' and '-'", "rename it, e.g. hpc")
    if not isinstance(entry, dict):
        raise bad("", "expected the remote's settings", "write `host: USER@HOST` (and path:, ssh:, python:) under it")
    if unknown := [k for k in entry if k not in FIELDS]:
        raise bad(str(unknown[0]), "not a remote setting" + did_you_mean(str(unknown[0]), FIELDS),
                  f"use {', '.join(FIELDS)}")
    host, where, ssh, python = entry.get("host"), entry.get("path"), entry.get("ssh") or [], entry.get("python")
    if not isinstance(host, str) or not host.strip() or host.startswith("-") or _unsafe(host):
        raise bad("host", f"expected what ssh accepts as a host (USER@HOST or a Host alias), got {host!r}",
                  "write e.g. host: ana@login.hpc.example.org")
    if not isinstance(where, str) or not where.strip() or _unsafe(where):
        raise bad("path", f"expected the project's folder on the remote, got {where!r}",
                  "write e.g. path: ~/neuro/my-project")
    if not isinstance(ssh, list) or not all(isinstance(o, (str, int)) for o in ssh):
        raise bad("ssh", f"expected a list of ssh options, got {ssh!r}", 'write e.g. ssh: [-p, "2222"]')
    if python is not None and (not isinstance(python, str) or not python.strip() or _unsafe(python)):
        raise bad("python", f"expected the path of a Python on the remote, got {python!r}",
                  "write e.g. python: /opt/envs/neuro/bin/python, or python: null (the project's set-up builds one)")
    return Remote(name, host.strip(), where.strip(), tuple(str(o) for o in ssh), python)


def _unsafe(text: str) -> bool:
    """Characters no host or path of ours holds: control characters (a newline above all)."""
    return any(ord(c) < 32 or ord(c) == 127 for c in text)
