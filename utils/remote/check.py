"""`neuro remote check`: what a remote has, read in one ssh call."""
from __future__ import annotations

import time

from neuro.utils.errors import NeuroError
from neuro.utils.remote.remotes import Remote
from neuro.utils.remote.ssh import SET_PATH, failure, run_script

MIN_PYTHON = (3, 10)
DEPENDENCIES = ("torch", "numpy", "yaml", "typer", "h5py", "submitit", "optuna", "tensorboard")

# $1: the project's path there; $2: the remote's python (empty: the project's own .venv)
SCRIPT = SET_PATH + r'''
py=$2; [ -n "$py" ] || py="$p/.venv/bin/python"
echo "python_path=$py"
if [ -d "$p" ]; then echo "path=exists"; else echo "path=absent"; fi
d=$p; while [ ! -d "$d" ]; do d=$(dirname "$d"); done
if t=$(mktemp -d "$d/.neuro-check.XXXXXX" 2>/dev/null); then rmdir "$t"; echo "writable=$d"; else echo "readonly=$d"; fi
df -Pk "$d" 2>/dev/null | awk 'NR==2 {print "free_kb=" $4}'
for tool in sbatch qsub; do command -v "$tool" >/dev/null 2>&1 && echo "scheduler=$tool"; done
if command -v "$py" >/dev/null 2>&1; then
"$py" - DEPENDENCIES <<'PY'
import importlib.metadata, importlib.util, sys
print("python=" + ".".join(map(str, sys.version_info[:3])))
try:
    print("neuro=" + importlib.metadata.version("neuro"))
except importlib.metadata.PackageNotFoundError:
    print("neuro=")
print("missing=" + ",".join(n for n in sys.argv[1:] if importlib.util.find_spec(n) is None))
PY
else echo "python=absent"; fi
'''.replace("DEPENDENCIES", " ".join(DEPENDENCIES))


def check(remote: Remote) -> list[str]:
    """One line each: ssh, Python and neuro, schedulers, the project's folder and its free space. What is
    missing raises NeuroError naming the remote and the fix."""
    started = time.perf_counter()
    result = run_script(remote, SCRIPT, [remote.path, remote.python or ""], timeout=120)
    if result.returncode == 255:
        raise failure(remote, result)
    seconds = time.perf_counter() - started
    facts: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition("=")
        facts.setdefault(name, []).append(value)
    one = {name: values[-1] for name, values in facts.items()}
    if "python_path" not in one:
        raise NeuroError(f"remote {remote.name}: the check did not run on {remote.host} (exit {result.returncode}: "
                         f"{(result.stderr or '').strip()[-200:]}); check that its login shell starts sh")
    lines = [f"{remote.name}: ssh {remote.host}: reachable ({seconds:.2f} s)"]
    lines.append(_python_line(remote, one))
    schedulers = facts.get("scheduler", [])
    lines.append(f"{remote.name}: schedulers: {', '.join(schedulers)}" if schedulers else
                 f"{remote.name}: schedulers: none (runs there use the local backend)")
    if "readonly" in one:
        raise NeuroError(f"remote {remote.name}: {one['readonly']} is not writable, so path {remote.path} cannot be "
                         f"made there; set a path you can write (`path:` in the remotes file)")
    free = int(one.get("free_kb") or 0) / 2**20
    state = "exists" if one.get("path") == "exists" else "does not exist yet (made on first use)"
    lines.append(f"{remote.name}: path {remote.path}: {state}; {free:.1f} GB free")
    return lines


def _python_line(remote: Remote, one: dict[str, str]) -> str:
    where = one.get("python_path", "")
    if one.get("python") in (None, "absent"):
        if remote.python:
            raise NeuroError(f"remote {remote.name}: python {remote.python} is not there; set `python:` to a Python "
                             f"{MIN_PYTHON[0]}.{MIN_PYTHON[1]}+ with neuro's dependencies, or null (the project's "
                             "set-up builds one)")
        return (f"{remote.name}: environment: none yet ({where}); the first `neuro run FILE --remote {remote.name}` "
                "builds it with the project's set-up (make)")
    version = tuple(int(part) for part in one["python"].split("."))
    if version < MIN_PYTHON:
        raise NeuroError(f"remote {remote.name}: {where} is Python {one['python']}, neuro needs "
                         f"{MIN_PYTHON[0]}.{MIN_PYTHON[1]}+; set `python:` to a newer one")
    if missing := one.get("missing"):
        raise NeuroError(f"remote {remote.name}: {where} lacks {missing.replace(',', ', ')}; install neuro's "
                         "requirements there (pip install -r requirements.txt), or set python: null (the project's "
                         "set-up builds an environment)")
    if one.get("neuro"):
        neuro = f"neuro {one['neuro']}"
    elif remote.python:
        neuro = ("neuro not installed in it: a project that is a neuro checkout runs with its own copy (sent with "
                 "it); for any other, install neuro there")
    else:
        neuro = "neuro not installed yet: the first command there sets it up"
    return f"{remote.name}: python {one['python']} ({where}); {neuro}"
