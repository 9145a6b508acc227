"""Freeze the project's code for queued jobs: they run the code as it was at submission."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PACKAGES = ("cli", "utils", "experiments")


def snapshot_code(store: Path, write: bool = True) -> Path:
    """Copy neuro's packages (experiments/ holds the users' task code too) into store/<digest>/; reused
    when nothing changed. Put the returned folder first on PYTHONPATH to run that code."""
    files = sorted(p for package in PACKAGES for p in (PROJECT / package).rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".yaml", ".json", ".txt"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(PROJECT)).encode() + b"\0" + path.read_bytes())
    target = store / digest.hexdigest()[:12]
    if write and not target.exists():
        partial = store / f".{target.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        for path in files:
            destination = partial / path.relative_to(PROJECT)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        partial.rename(target)
    return target
