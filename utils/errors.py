"""Errors that reach the user as one line on stderr (exit code 2)."""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class NeuroError(Exception):
    """Bad input or an impossible request: shown as one line, exit code 2."""


class SpecError(NeuroError):
    """A problem in an experiment file: names the file, line, key path and the fix."""

    def __init__(self, source: str | Path, key: str, problem: str, fix: str, line: int | None = None):
        self.source, self.key, self.problem, self.fix, self.line = str(source), key, problem, fix, line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.problem}; {self.fix}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or '' when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
