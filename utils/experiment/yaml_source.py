"""Read a YAML file into plain data while remembering the line of every key, for error messages."""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from neuro.utils.errors import SpecError

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: 10x faster


class SafeLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """YAML's safe loader, reading floats in any common notation (1e-4, 1.0e-4, 1E5 as YAML 1.2 does;
    YAML 1.1 reads those as text)."""


SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


MAX_FILE_BYTES = 4 * 2**20      # an experiment file is a page of text; more is not one
MAX_VALUES = 200_000            # values in a document once its aliases are expanded (an alias bomb has billions)
MAX_DEPTH = 100                 # levels of nesting
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def parse_value(text: str, flag: str = "--set") -> Any:
    """One YAML value (a `--set` flag's), read as experiment files are, within the same bounds."""
    value, _ = _parse(text, Source(flag))
    return value


@dataclass
class Source:
    """Where a piece of configuration came from: a file (with key -> line) or a command-line flag."""

    name: str
    lines: dict[str, int] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)  # key -> the `--set key=value` that set it

    def line(self, key: str) -> int | None:
        """The line of `key`, or of its nearest enclosing key."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = re.sub(r"(\.[^.\[]*|\[\d+\])$", "", key) if re.search(r"[.\[]", key) else ""
        return None

    def error(self, key: str, problem: str, fix: str) -> SpecError:
        for set_key, flag in self.overrides.items():
            if key == set_key or key.startswith((f"{set_key}.", f"{set_key}[")) or set_key.startswith(f"{key}."):
                return SpecError(f"{self.name} ({flag})", key, problem, fix)
        return SpecError(self.name, key, problem, fix, line=self.line(key))


def load_yaml(path: Path) -> tuple[Any, Source]:
    """Parse `path`; duplicate keys and syntax errors raise SpecError with the line."""
    source = Source(str(path))
    text = _read_text(path)
    return _parse(text, source)


def _read_text(path: Path) -> str:
    """The file's text; a file that is missing, not a regular file, too large or not text is a SpecError."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):   # a folder, a pipe, a device: never opened
            raise SpecError(path, "", "not a regular file", "give the path of a YAML file")
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise SpecError(path, "", "no such file", "check the path (relative to the current directory)") from None
    except OSError as err:          # a directory, no permission, a symlink loop, an I/O error
        raise SpecError(path, "", f"cannot read the file ({err.strerror or type(err).__name__})",
                        "give a readable YAML file") from None
    if len(data) > MAX_FILE_BYTES:
        raise SpecError(path, "", f"larger than {MAX_FILE_BYTES // 2**20} MB", "an experiment file is a page of "
                        "YAML; keep data in Data/ and name it in params")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise SpecError(path, "", f"not UTF-8 text (byte {data[err.start]:#04x})", "save the file as UTF-8 text",
                        line=line) from None


def _parse(text: str, source: Source) -> tuple[Any, Source]:
    """Parse one document, recording each key's line; bad characters, syntax, duplicate keys and
    documents past the bounds (MAX_VALUES, MAX_DEPTH) raise SpecError."""
    if bad := _UNPRINTABLE.search(text):
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise SpecError(source.name, "", f"unprintable character {bad.group()!r} at column {column}",
                        "remove it (was the file saved as text?)", line=line)
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, source
        _record_lines(node, "", source, _Budget(source))
        return loader.construct_document(node), source
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        at = mark.line + 1 if mark else None
        raise SpecError(source.name, "", f"YAML syntax error: {err.problem}", "fix the YAML at this line",
                        line=at) from None
    except yaml.YAMLError as err:
        raise SpecError(source.name, "", f"YAML error: {' '.join(str(err).split())}", "fix the YAML syntax") from None
    finally:
        loader.dispose()


@dataclass
class _Budget:
    """Counts the values met while walking a document: aliases are walked as often as they are used, so
    a document that expands past MAX_VALUES (an alias bomb) is refused before anything builds it."""

    source: Source
    values: int = 0

    def spend(self, node: yaml.Node, depth: int) -> None:
        self.values += 1
        if self.values > MAX_VALUES:
            raise SpecError(self.source.name, "", f"the document expands to more than {MAX_VALUES:,} values "
                            "(nested YAML aliases?)", "write the values out, or use fewer aliases",
                            line=node.start_mark.line + 1)
        if depth > MAX_DEPTH:
            raise SpecError(self.source.name, "", f"nested more than {MAX_DEPTH} levels deep",
                            "flatten the structure (or remove a self-referencing alias)",
                            line=node.start_mark.line + 1)


def _record_lines(node: yaml.Node, prefix: str, source: Source, budget: _Budget, depth: int = 0) -> None:
    budget.spend(node, depth)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = f"{prefix}{key_node.value}"
            if key in seen:
                raise SpecError(source.name, key, "duplicate key", "keep only one of them",
                                line=key_node.start_mark.line + 1)
            seen.add(key)
            source.lines[key] = key_node.start_mark.line + 1
            _record_lines(value_node, f"{key}.", source, budget, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            key = f"{prefix.rstrip('.')}[{index}]"
            source.lines[key] = item.start_mark.line + 1
            _record_lines(item, f"{key}.", source, budget, depth + 1)
