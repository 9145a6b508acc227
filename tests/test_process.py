"""pid_alive: running, ended and exited-but-not-collected processes."""
from __future__ import annotations

import subprocess
import sys
import time

from utils.process import pid_alive


def test_a_zombie_counts_as_ended_and_a_running_process_as_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert pid_alive(child.pid)
    finally:
        child.kill()
    deadline = time.monotonic() + 10
    while pid_alive(child.pid) and time.monotonic() < deadline:   # exited, not yet collected by wait()
        time.sleep(0.05)
    assert not pid_alive(child.pid) and child.poll() is not None
    assert not pid_alive(child.pid) and not pid_alive(None) and not pid_alive(0)
