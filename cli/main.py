"""The `neuro` command: experiment files in, runs, ledger, TensorBoard and results tables out."""
from __future__ import annotations

import errno
import signal
import sys
import traceback
from typing import Annotated, Any, NoReturn

import typer

from neuro.cli import common, data, project, remote, results, run, status, tasks, tb
from neuro.cli.help import Command, Group
from neuro.utils.errors import NeuroError
from neuro.utils.execution.streams import protect_standard_streams

UsageError: type[Exception] = typer.BadParameter.__mro__[1]   # click's UsageError: typer re-exports only its subclasses

STORAGE_ERRORS = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT}

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, cls=Group,
                  rich_markup_mode="markdown",  # docstrings' wrapped lines join into one help paragraph
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Run computational-neuroscience experiments declared in YAML: locally, on Slurm or with qsub.")


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version
        print(f"neuro {version('neuro')}")
        raise typer.Exit()


@app.callback()
def _options(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors (also after the "
                                                                 "command: neuro run x.yaml --debug).")] = False,
             version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                   help="Print neuro's version and exit.")] = False) -> None:
    """Run computational-neuroscience experiments declared in YAML: locally, on Slurm or with qsub."""


app.command(cls=Command)(run.run)
app.command(cls=Command)(run.plan)
app.command(cls=Command)(run.cancel)
app.command(cls=Command)(run.rm)
app.command(cls=Command)(status.status)
app.command(cls=Command)(results.results)
app.command(cls=Command)(status.ls)
app.command(cls=Command)(remote.pull)
app.command(cls=Command)(status.doctor)
app.command(cls=Command)(tb.tb)
app.command(cls=Command)(tasks.tasks)
app.command(cls=Command)(project.configs)
app.command(cls=Command)(project.init)
app.add_typer(data.build(), name="data")
app.add_typer(remote.build(), name="remote")


def main(argv: list[str] | None = None) -> None:
    """Entry point: bad input is one line on stderr and exit code 2 (a traceback with --debug)."""
    args = sys.argv[1:] if argv is None else argv
    if "--debug" in args:  # accepted anywhere: it is the whole command's option
        args = ["--debug", *[a for a in args if a != "--debug"]]
    # Started from a script's background job (`neuro run x.yaml &`), SIGINT arrives ignored; restore
    # Ctrl-C so that `neuro cancel` (which sends it) and a terminal can always stop a run.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    common.INVOCATION[:] = args
    protect_standard_streams()  # a closed pipe (`neuro run x.yaml | head`) never stops a sweep
    try:
        code = app(args=args, prog_name="neuro", standalone_mode=False)
    except UsageError as error:            # an unknown command or option, a bad option value
        if type(error).__name__ == "NoArgsIsHelpError":   # a bare command group: its help
            if help_text := error.format_message().strip():  # type: ignore[attr-defined]  # (typer's rich help has printed itself)
                print(help_text)
        else:
            print(f"neuro: error: {_usage_line(error)}", file=sys.stderr)
        sys.exit(2)
    except NeuroError as error:
        _refuse(str(error), "--debug" in args)
    except OSError as error:               # the disk is full or read-only, a folder is not ours: no traceback
        if error.errno not in STORAGE_ERRORS:
            raise
        _refuse(f"{error.filename or 'a file'}: {error.strerror}; free space, or make the workspace writable "
                "(or set NEURO_WORKSPACE to a writable one)", "--debug" in args)
    except typer.Abort:                    # Ctrl-C in a command that does not handle it itself
        sys.exit(130)
    sys.exit(code or 0)


def _refuse(message: str, debug: bool) -> NoReturn:
    """Bad input or an impossible request: one line and exit code 2 (with --debug, the traceback first:
    the exit code does not depend on --debug)."""
    if debug:
        traceback.print_exc()
    print(f"neuro: error: {message}", file=sys.stderr)
    sys.exit(2)


def _usage_line(error: Any) -> str:
    """A usage error as one line naming the command and where its help is."""
    command = error.ctx.command_path if getattr(error, "ctx", None) else "neuro"
    message = " ".join(error.format_message().split()).rstrip(".")
    return f"{command}: {message}; see `{command} --help`"


if __name__ == "__main__":
    main()
