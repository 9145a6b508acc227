"""What made a run, beside the git commit it records: the Python environment it ran in, and the data
files its task read.

An environment (Python's version and every installed distribution's version) is stored once, as
`training_data/.environments/<hash>.json`, and a run names it by that short hash: a 1,000-run sweep made
in one environment stores one list. A data fingerprint is a short hash over each file a task read: its
path in the data folder, its size, and its first and last MiB (cheap for large data sets; a change to a
file's head, tail or length shows)."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from neuro.utils.atomic import write_json

ENVIRONMENTS = ".environments"      # under training_data/
EDGE_BYTES = 1 << 20                # of each data file, the first and last MiB are read


@functools.lru_cache(maxsize=1)
def environment() -> tuple[str, dict[str, Any]]:
    """This process's environment and its short hash (computed once per process, from the names of the
    installed distributions' metadata folders, `<name>-<version>.dist-info`: a listing of each folder on
    the import path, not a read of every distribution's metadata)."""
    packages: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:          # a zip file, or a folder that is not there
            continue
        for name in names:
            stem, dot, kind = name.rpartition(".")
            if dot and kind in ("dist-info", "egg-info") and "-" in stem:
                distribution, _, version = stem.partition("-")
                packages.setdefault(distribution.lower().replace("_", "-"), version)   # the first on the path wins
    described = {"python": platform.python_version(), "implementation": sys.implementation.name,
                 "platform": f"{platform.system()} {platform.machine()}", "packages": dict(sorted(packages.items()))}
    text = json.dumps(described, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12], described


def record_environment(training_data: Path) -> str:
    """This environment's hash, its description written under training_data/.environments/ if it is not
    there yet."""
    digest, described = environment()
    path = training_data / ENVIRONMENTS / f"{digest}.json"
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_json(path, described)
        except OSError as err:        # the run goes on; its record names the environment all the same
            print(f"neuro: could not record the environment in {path}: {err}", file=sys.stderr)
    return digest


def data_files(paths: list[Path]) -> list[Path]:
    """The files under `paths` (files, or folders walked), hidden ones left out, in a stable order."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found |= {f for f in path.rglob("*") if f.is_file() and not any(p.startswith(".") for p in
                                                                               f.relative_to(path).parts)}
        elif path.is_file():
            found.add(path)
    return sorted(found)


def fingerprint(files: list[Path], root: Path) -> tuple[str, list[dict[str, Any]]]:
    """A short hash of the files (each by its path relative to `root`, size, first and last MiB), and
    what went into it."""
    digest, listed = hashlib.sha256(), []
    for file in files:
        name = str(file.relative_to(root)) if file.is_relative_to(root) else str(file)
        size = file.stat().st_size
        digest.update(json.dumps([name, size]).encode())
        with open(file, "rb") as handle:
            digest.update(handle.read(EDGE_BYTES))
            if size > 2 * EDGE_BYTES:
                handle.seek(size - EDGE_BYTES)
                digest.update(handle.read(EDGE_BYTES))
        listed.append({"path": name, "bytes": size})
    return digest.hexdigest()[:12], listed
