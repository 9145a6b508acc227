"""`neuro run|plan|status|results|cancel FILE --remote NAME`: the project sent to the remote, then the
same command run there, its output printed here as it comes and its exit code returned."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from neuro.utils.errors import NeuroError
from neuro.utils.experiment.tasks import locate_file
from neuro.utils.experiment.yaml_source import load_yaml
from neuro.utils.remote.remotes import Remote, find_remote
from neuro.utils.remote.ssh import SET_PATH, failure, script_command
from neuro.utils.remote.sync import remote_name, send
from neuro.utils.sweeps.workspace import Workspace

# $1: the project's path there, $2: the remote's python (empty: the project's .venv, built by make).
# A given Python imports the project's own copy of neuro (when the project is a neuro checkout).
RUN_THERE = SET_PATH + r'''
py=$2; shift 2
cd "$p" || exit 2
export NEURO_WORKSPACE="$p"
if [ -z "$py" ]; then
    py="$p/.venv/bin/python"
    if ! make -q .venv/.installed 2>/dev/null; then
        command -v make >/dev/null 2>&1 || {
            echo "neuro: error: make is not installed there; set python: to an environment with neuro's dependencies" >&2
            exit 2; }
        echo "setting up the environment in $p/.venv (the first time takes minutes) ..." >&2
        make .venv/.installed >&2 || { echo "neuro: error: the project's set-up (make) failed there; see above" >&2; exit 2; }
    fi
elif [ -d cli ] && [ -d utils ]; then
    mkdir -p .neuro-import/neuro
    for d in cli utils experiments configs; do
        [ -d "$d" ] && [ ! -e ".neuro-import/neuro/$d" ] && ln -s "../../$d" ".neuro-import/neuro/$d"
    done
    [ -f utils/api/__init__.py ] && [ ! -e .neuro-import/neuro/__init__.py ] &&
        ln -s ../../utils/api/__init__.py .neuro-import/neuro/__init__.py
    export PYTHONPATH="$p/.neuro-import${PYTHONPATH:+:$PYTHONPATH}"
fi
if ! "$py" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("neuro.cli") is None)' 2>/dev/null; then
    echo "neuro: error: $py there cannot import neuro (the project is no neuro checkout); install neuro in that" \
         "environment (pip install neuro's checkout), or set python: to one that has it" >&2
    exit 2
fi
exec "$py" -m neuro.cli.main "$@"
'''


def forward(name: str, args: list[str], experiment: Path) -> int:
    """Send the project to remote `name` and run `neuro ARGS` there (ARGS without --remote, the
    experiment file named as it is there); its exit code."""
    remote = find_remote(name)
    if not experiment.is_file():
        raise NeuroError(f"{experiment}: no such file; give the experiment file as it is here (it is sent to "
                         f"remote {remote.name} with the project)")
    root = Workspace.current().root
    sent = send(remote, root, [experiment, *_task_file(experiment)])
    print(f"{remote.name}: project in {remote.host}:{sent.folder} ({sent.transferred} of {sent.files} files sent)",
          file=sys.stderr, flush=True)
    args = _without_remote(args)
    at = next(i for i, arg in enumerate(args) if not arg.startswith("-") and Path(arg) == experiment)
    there = [*args[:at], remote_name(root, experiment), *args[at + 1:]]
    code = run_there(remote, sent.folder, there)
    if next(arg for arg in args if not arg.startswith("-")) == "run":      # its hints name commands run there
        print(f"{remote.name}: the runs are there: `neuro status {experiment} --remote {remote.name}` follows them, "
              f"`neuro pull {experiment} --remote {remote.name}` brings them here", file=sys.stderr)
    return code


def run_there(remote: Remote, folder: str, args: list[str]) -> int:
    """`neuro ARGS` in the project's `folder` on the remote, its output copied here line by line."""
    command = script_command(remote, [folder, remote.python or "", *args])
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, bufsize=1)
    assert process.stdin and process.stdout and process.stderr
    process.stdin.write(RUN_THERE)
    process.stdin.close()
    said: list[str] = []
    copiers = [threading.Thread(target=_copy, args=(process.stdout, sys.stdout, [])),
               threading.Thread(target=_copy, args=(process.stderr, sys.stderr, said))]
    for copier in copiers:
        copier.start()
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.terminate()
        raise
    finally:
        for copier in copiers:
            copier.join()
    if code == 255:
        raise failure(remote, subprocess.CompletedProcess(command, code, "", "".join(said)))
    return code


def _copy(source: IO[str], target: IO[str], kept: list[str]) -> None:
    for line in source:
        target.write(line)
        target.flush()
        kept.append(line)
        del kept[:-20]


def _without_remote(args: list[str]) -> list[str]:
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--remote":
            skip = True
        elif not arg.startswith("--remote="):
            out.append(arg)
    return out


def _task_file(experiment: Path) -> list[Path]:
    """The experiment's task file, when it names one that exists (where `neuro run` looks for it)."""
    try:
        raw, source = load_yaml(experiment)
        task = raw.get("task") if isinstance(raw, dict) else None
        if not isinstance(task, str) or ":" not in task or not task.rsplit(":", 1)[0].endswith(".py"):
            return []
        return [locate_file(task.rsplit(":", 1)[0], source, [experiment.resolve().parent, Path.cwd()])]
    except NeuroError:      # the command there says what is wrong with the file
        return []
