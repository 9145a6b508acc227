"""Freeze neuro's code for queued jobs: they run the code as it was at submission."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from neuro.utils.layout import PACKAGE_ROOT

PACKAGES = ("cli", "utils", "experiments")      # neuro.cli, neuro.utils, neuro.experiments
INIT = "neuro/__init__.py"                      # makes the copy a regular package, which shadows any other neuro
TOP_LEVEL = "utils/api/__init__.py"             # where the top-level package's file lives (pyproject.toml)


def snapshot_code(store: Path, write: bool = True) -> Path:
    """Copy neuro's packages (experiments/ holds the users' task code too, in neuro's own layout) into
    store/<digest>/neuro/; reused when nothing changed. Put the returned folder first on PYTHONPATH to
    run that code (`python -m neuro...`)."""
    files = sorted(p for package in PACKAGES for p in (PACKAGE_ROOT / package).rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".yaml", ".json", ".txt"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(PACKAGE_ROOT)).encode() + b"\0" + path.read_bytes())
    target = store / digest.hexdigest()[:12]
    if write and not target.exists():
        partial = store / f".{target.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        for path in files:
            destination = partial / "neuro" / path.relative_to(PACKAGE_ROOT)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        shutil.copy2(PACKAGE_ROOT / TOP_LEVEL, partial / INIT)
        partial.rename(target)
    return target


def snapshot_path(code_dir: Path, file: Path) -> Path | None:
    """Where a file of neuro's packages (a task file in experiments/, say) lies in the snapshot
    `code_dir`; None for a file outside them."""
    if not file.is_relative_to(PACKAGE_ROOT) or file.relative_to(PACKAGE_ROOT).parts[0] not in PACKAGES:
        return None
    return code_dir / "neuro" / file.relative_to(PACKAGE_ROOT)
