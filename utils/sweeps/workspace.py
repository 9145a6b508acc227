"""Where neuro keeps its outputs and looks for data: ./training_data and ./Data by default."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from neuro.utils.errors import NeuroError


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def current(cls) -> Workspace:
        """$NEURO_WORKSPACE, else the current directory; a path that is not a folder is refused."""
        given = os.environ.get("NEURO_WORKSPACE")
        root = Path(given or Path.cwd()).resolve()
        if given and root.exists() and not root.is_dir():
            raise NeuroError(f"NEURO_WORKSPACE: {given} is a file, not a folder; set NEURO_WORKSPACE to the "
                             "folder that holds (or will hold) training_data/, or unset it to use the current one")
        return cls(root)

    def check_writable(self, what: str) -> None:
        """Refuse, before anything is written, a workspace whose training_data/ cannot be written
        (a read-only file system or folder); `what` names the command's purpose in the message."""
        folder = self.training_data
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not os.access(folder, os.W_OK | os.X_OK):
            raise NeuroError(f"{folder}: cannot write here (read-only file system or folder), and {what} needs to; "
                             "make it writable, or set NEURO_WORKSPACE to a writable copy of the workspace")

    @property
    def training_data(self) -> Path:
        return self.root / "training_data"

    @property
    def data(self) -> Path:
        return self.root / "Data"

    @property
    def ledger_path(self) -> Path:
        return self.training_data / "ledger.jsonl"
