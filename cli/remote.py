"""`neuro remote add|list|check`: the login nodes experiments can be sent to."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from neuro.cli.common import ExperimentArg, MaxRunsOption, SetOption, load
from neuro.cli.help import Command, Group
from neuro.utils.reporting.table import counted, print_table
from neuro.utils.sweeps.workspace import Workspace


def add(name: Annotated[str, typer.Argument(help="The remote's name, used as --remote NAME.")],
        host: Annotated[str, typer.Argument(help="What ssh accepts: USER@HOST, or a Host alias of ~/.ssh/config.")],
        path: Annotated[Optional[str], typer.Option(
            "--path", help="The project's folder on the remote (default: ~/neuro/<this project's folder name>).",
            show_default=False)] = None,
        ssh_option: Annotated[Optional[list[str]], typer.Option(
            "--ssh-option", help="An extra ssh argument, once per argument: --ssh-option=-p --ssh-option=2222.",
            show_default=False)] = None,
        python: Annotated[Optional[str], typer.Option(
            "--python", help="A Python there with neuro's dependencies (default: the project's set-up builds one).",
            show_default=False)] = None) -> None:
    """Add a remote to your remotes file (`$XDG_CONFIG_HOME/neuro/remotes.yaml`); nothing connects yet
    (`neuro remote check NAME` does)."""
    from neuro.utils.remote.remotes import Remote, add_remote
    folder = path if path is not None else f"~/neuro/{Workspace.current().root.name}"
    written = add_remote(Remote(name, host, folder, tuple(ssh_option or ()), python))
    print(f"{name}: {host}, project in {folder}; added to {written}. Next: `neuro remote check {name}`")


def list_() -> None:
    """The remotes of your remotes file."""
    from neuro.utils.remote.remotes import load_remotes, remotes_file
    remotes = load_remotes()
    if not remotes:
        print(f"no remotes yet in {remotes_file()}: `neuro remote add NAME USER@HOST` adds one")
        return
    print_table(["remote", "host", "path", "ssh options", "python"],
                [[r.name, r.host, r.path, " ".join(r.ssh), r.python or "(the project's set-up)"] for r in remotes.values()])


def check(name: Annotated[str, typer.Argument(help="The remote's name.")]) -> None:
    """Connect and report, one line each: ssh, the remote's Python and neuro, its schedulers, and the
    project's folder with its free space. Whatever is missing is one line with the fix (exit 2)."""
    from neuro.utils.remote.check import check as check_remote
    from neuro.utils.remote.remotes import find_remote
    for line in check_remote(find_remote(name)):
        print(line)


def pull(experiment: ExperimentArg,
         remote: Annotated[str, typer.Option("--remote", metavar="NAME", help="The remote it ran on.",
                                             show_default=False)],
         set_: SetOption = None, max_runs: MaxRunsOption = None,
         checkpoints: Annotated[bool, typer.Option("--checkpoints", help="Also bring the runs' checkpoints.")] = False
         ) -> None:
    """Bring an experiment home from a remote: every run folder's config, status, result, metrics,
    TensorBoard events and logs (checkpoints with --checkpoints) and its ledger events. Then status,
    results, tb, ls and --plot work here, offline; a second pull brings only what changed."""
    from neuro.utils.remote.pull import pull as pull_runs
    from neuro.utils.remote.remotes import find_remote
    from neuro.utils.sweeps.status import state_counts, sweep_status
    found = find_remote(remote)
    sweep = load(experiment, set_, max_runs=max_runs, import_code=False, writes="`neuro pull`")
    pulled = pull_runs(found, sweep, checkpoints)
    statuses = sweep_status(sweep)
    print(f"{sweep.spec.id}: pulled from {found.name}: {counted(pulled.files, 'file')}, "
          f"{counted(pulled.events, 'ledger event')} new; {counted(len(statuses), 'run')}: {state_counts(statuses.states)}")


def build() -> typer.Typer:
    app = typer.Typer(no_args_is_help=True, cls=Group, help="Login nodes to send experiments to, over ssh.")
    app.command("add", cls=Command)(add)
    app.command("list", cls=Command)(list_)
    app.command("check", cls=Command)(check)
    return app
