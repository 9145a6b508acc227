"""Read a YAML file into plain data while remembering the line of every key, for error messages."""
from __future__ import annotations

import re
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


def parse_value(text: str) -> Any:
    """One YAML value (a `--set` flag's), read as experiment files are."""
    return yaml.load(text, Loader=SafeLoader)


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
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise SpecError(path, "", "no such file", "check the path (relative to the current directory)") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as err:
        raise SpecError(path, "", f"cannot read the file ({type(err).__name__})", "give a readable YAML file") from None
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, source
        _record_lines(node, "", source)
        return loader.construct_document(node), source
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        raise SpecError(path, "", f"YAML syntax error: {err.problem}", "fix the YAML at this line", line=line) from None
    except yaml.YAMLError as err:
        raise SpecError(path, "", f"YAML error: {err}", "fix the YAML syntax") from None
    finally:
        loader.dispose()


def _record_lines(node: yaml.Node, prefix: str, source: Source) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = f"{prefix}{key_node.value}"
            if key in seen:
                raise SpecError(source.name, key, "duplicate key", "keep only one of them",
                                line=key_node.start_mark.line + 1)
            seen.add(key)
            source.lines[key] = key_node.start_mark.line + 1
            _record_lines(value_node, f"{key}.", source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            key = f"{prefix.rstrip('.')}[{index}]"
            source.lines[key] = item.start_mark.line + 1
            _record_lines(item, f"{key}.", source)
