"""Process identity: running, ended, exited-but-not-collected, and a pid that now names another process."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from neuro.utils.sweeps.process import identity, is_neuro_process, process_alive


def test_a_zombie_counts_as_ended_and_a_running_process_as_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert process_alive(child.pid)
        assert process_alive(child.pid, identity(child.pid)["start"])
    finally:
        child.kill()
    deadline = time.monotonic() + 10
    while process_alive(child.pid) and time.monotonic() < deadline:   # exited, not yet collected by wait()
        time.sleep(0.05)
    assert not process_alive(child.pid) and child.poll() is not None
    assert not process_alive(child.pid) and not process_alive(None) and not process_alive(0)


def test_a_pid_with_another_start_time_is_another_process() -> None:
    me = identity()
    assert me["pid"] == os.getpid() and process_alive(me["pid"], me["start"])
    assert not process_alive(me["pid"], me["start"] - 3600)     # the pid was recycled: not the recorded one
    assert not is_neuro_process(me["pid"], me["start"] - 3600)
    assert is_neuro_process(me["pid"], me["start"])


def test_without_a_start_time_only_a_neuro_command_line_counts() -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert process_alive(sleeper.pid) and not is_neuro_process(sleeper.pid, None)
    finally:
        sleeper.kill()
        sleeper.wait()
