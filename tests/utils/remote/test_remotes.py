"""`neuro remote add|list|check`: the remotes file, and a real OpenSSH server on loopback as the login node."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from neuro.utils.remote.remotes import load_remotes, remotes_file
from tests.clusters.sshd import SshServer, add_remote, close_connections, serve_sshd
from tests.conftest import neuro

PYTHON = sys.executable          # a Python with neuro's dependencies, runnable by the login node's user


@pytest.fixture(scope="module")
def login_node():
    yield from serve_sshd()


def test_add_writes_the_users_file_and_keeps_what_it_held(config_home: Path, workspace: Path) -> None:
    path = config_home / "neuro" / "remotes.yaml"
    path.parent.mkdir()
    path.write_text("# my clusters\nold:\n  host: ana@old.example.org\n  path: /scratch/ana/lab\n")
    added = neuro("remote", "add", "hpc", "ana@login.example.org", "--ssh-option=-p", "--ssh-option=2222", cwd=workspace)
    assert added.returncode == 0, added.stderr
    assert remotes_file() == path and path.read_text().startswith("# my clusters\nold:\n")
    remotes = load_remotes()
    assert remotes["hpc"].host == "ana@login.example.org" and remotes["hpc"].ssh == ("-p", "2222")
    assert remotes["hpc"].path == f"~/neuro/{workspace.name}" and remotes["hpc"].python is None
    assert remotes["old"].path == "/scratch/ana/lab"
    listed = neuro("remote", "list", cwd=workspace).stdout
    assert "hpc" in listed and "-p 2222" in listed and "/scratch/ana/lab" in listed


@pytest.mark.parametrize("args, says", [
    (["hpc", "ana@other"], "a remote called 'hpc' exists already"),
    (["b;d", "ana@x"], "b;d: a remote's name is letters"),
    (["two", "--", "-oProxyCommand=touch /tmp/x"], "two.host: expected what ssh accepts"),
    (["two", "ana@x", "--path="], "two.path: expected the project's folder"),
])
def test_a_bad_remote_is_one_line_and_leaves_the_file_alone(config_home: Path, workspace: Path, args: list[str],
                                                            says: str) -> None:
    assert neuro("remote", "add", "hpc", "ana@login", cwd=workspace).returncode == 0
    before = remotes_file().read_bytes()
    refused = neuro("remote", "add", *args, cwd=workspace)
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1, refused.stderr
    assert says in refused.stderr and str(remotes_file()) in refused.stderr
    assert remotes_file().read_bytes() == before


def test_an_unknown_remote_names_the_file_and_how_to_add_it(config_home: Path, workspace: Path) -> None:
    assert neuro("remote", "add", "hpc", "ana@login", cwd=workspace).returncode == 0
    refused = neuro("remote", "check", "hcp", cwd=workspace)
    assert refused.returncode == 2
    assert "no remote called 'hcp'" in refused.stderr and "did you mean 'hpc'" in refused.stderr
    assert "neuro remote add hcp" in refused.stderr


def test_check_reports_what_the_login_node_has(login_node: SshServer, config_home: Path, workspace: Path,
                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    project = tmp_path_factory.mktemp("remote-home") / "lab"
    add_remote(workspace, login_node, "loop", project, f"--python={PYTHON}")
    checked = neuro("remote", "check", "loop", cwd=workspace)
    assert checked.returncode == 0, checked.stderr
    lines = checked.stdout.splitlines()
    assert lines[0].startswith(f"loop: ssh {login_node.alias}: reachable")
    version = subprocess.run([PYTHON, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                             capture_output=True, text=True).stdout.strip()
    assert lines[1].startswith(f"loop: python {version} ({PYTHON})")
    expected = [tool for tool in ("sbatch", "qsub") if shutil.which(tool)]
    assert lines[2] == (f"loop: schedulers: {', '.join(expected)}" if expected else
                        "loop: schedulers: none (runs there use the local backend)")
    free = shutil.disk_usage(project.parent).free / 2**30
    assert lines[3].startswith(f"loop: path {project}: does not exist yet (made on first use); ")
    assert abs(float(lines[3].split("; ")[1].split()[0]) - free) < 1.0
    assert not project.exists()                 # checking makes nothing


def test_a_missing_python_and_an_unwritable_path_are_one_line_each(login_node: SshServer, config_home: Path,
                                                                    workspace: Path) -> None:
    add_remote(workspace, login_node, "nopy", "/tmp/neuro-remote-x", "--python=/opt/none/bin/python")
    refused = neuro("remote", "check", "nopy", cwd=workspace)
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1
    assert "remote nopy: python /opt/none/bin/python is not there; set `python:`" in refused.stderr
    add_remote(workspace, login_node, "proc", "/proc/neuro/lab", f"--python={PYTHON}")
    refused = neuro("remote", "check", "proc", cwd=workspace)
    assert refused.returncode == 2 and "remote proc: /proc is not writable" in refused.stderr


def test_shell_metacharacters_in_a_path_stay_a_path(login_node: SshServer, config_home: Path, workspace: Path,
                                                    tmp_path: Path) -> None:
    witness = tmp_path / "pwned"
    path = f"/tmp/x; touch {witness}; echo $(touch {witness})`touch {witness}`"
    add_remote(workspace, login_node, "odd", path, f"--python={PYTHON}")
    checked = neuro("remote", "check", "odd", cwd=workspace)
    assert checked.returncode == 0, checked.stderr
    assert f"path {path}: does not exist yet" in checked.stdout
    assert not witness.exists()


def test_an_unreachable_remote_and_a_changed_host_key_are_refused(login_node: SshServer, config_home: Path,
                                                                   workspace: Path, tmp_path: Path) -> None:
    closed = tmp_path / "closed_config"     # the same client settings, a port nothing listens on
    port = login_node.port
    closed.write_text(login_node.client_config.read_text().replace(f"Port {port}", "Port 9"))
    added = neuro("remote", "add", "down", login_node.alias, "--ssh-option=-F", f"--ssh-option={closed}", cwd=workspace)
    assert added.returncode == 0
    refused = neuro("remote", "check", "down", cwd=workspace)
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1
    assert f"remote down: ssh {login_node.alias} failed:" in refused.stderr and "refused" in refused.stderr

    add_remote(workspace, login_node, "moved", "/tmp/neuro-moved", f"--python={PYTHON}")
    assert neuro("remote", "check", "moved", cwd=workspace).returncode == 0
    close_connections(login_node)           # a live connection would skip the key check
    login_node.new_host_key()
    refused = neuro("remote", "check", "moved", cwd=workspace)
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1
    assert "Host key verification failed" in refused.stderr and "ssh-keygen -R HOST" in refused.stderr
