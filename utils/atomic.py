"""Write files so that readers see the old content or the new, never half of either."""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO


def write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Call `write(file)` on a temporary file beside `path`, fsync it, then rename it over `path`. The
    file gets the permissions the umask gives new files (lab-mates on shared storage can read it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replace_with(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` to make a file or folder at a temporary path beside `path`, then rename it to
    `path`: readers never see it half made. What a failed `write` left is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        if partial.is_dir():
            shutil.rmtree(partial, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file `path` (made if missing) for the block; other processes asking
    for it wait."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def create_once(path: Path, write: Callable[[Path], None]) -> bool:
    """Make `path` with replace_with unless it exists. Processes asking at once wait on a lock file
    beside it and only the first writes; True when this call wrote it."""
    with file_lock(path.with_name(f".{path.name}.lock")):
        if path.exists():
            return False
        replace_with(path, write)
    return True


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_json(path: Path, data: Any) -> None:
    text = json.dumps(data, indent=2, default=str).encode() + b"\n"
    write_atomic(path, lambda handle: None if handle.write(text) else None)


def read_json(path: Path) -> Any | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def free_path(path: Path) -> Path:
    """`path`, or `path.2`, `path.3`, ... whichever does not exist yet (where a kept file goes)."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate
