"""Malformed experiment files: one line on stderr naming file, line, key and fix; exit 2; nothing written."""
from __future__ import annotations

from pathlib import Path

import pytest

from neuro.cli.main import main
from tests.conftest import TOY

GOOD = """\
name: exp
task: sound_localisation
repetitions: 2
params: {epochs: 2}
grid:
  ie_ratio: [0.1, 0.5]
"""

# (file content, [text the message must contain]); a content of None means "no such file"
CASES = {
    "yaml_syntax": ("name: exp\ntask: sound_localisation\ngrid:\n  ie_ratio: [0.1, 0.5\n", ["exp.yaml:", "YAML syntax"]),
    "yaml_tab_indent": ("name: exp\ntask: sound_localisation\nparams:\n\tepochs: 2\n", ["exp.yaml:4", "YAML"]),
    "not_a_mapping": ("- name\n- task\n", ["exp.yaml", "mapping"]),
    "empty_file": ("", ["exp.yaml", "empty"]),
    "unknown_top_key": (GOOD + "repetition: 3\n", ["exp.yaml:7", "repetition", "did you mean 'repetitions'"]),
    "duplicate_key": (GOOD + "name: again\n", ["exp.yaml:7", "name", "duplicate"]),
    "wrong_type_repetitions": (GOOD.replace("repetitions: 2", "repetitions: three"), ["exp.yaml:3", "repetitions", "integer"]),
    "repetitions_zero": (GOOD.replace("repetitions: 2", "repetitions: 0"), ["exp.yaml:3", "repetitions", ">= 1"]),
    "seeds_and_repetitions": (GOOD + "seeds: [1, 2]\n", ["exp.yaml:7", "seeds", "keep one"]),
    "duplicate_seeds": (GOOD.replace("repetitions: 2", "seeds: [1, 1]"), ["exp.yaml:3", "seeds", "duplicate"]),
    "empty_grid_list": (GOOD.replace("[0.1, 0.5]", "[]"), ["exp.yaml:6", "grid.ie_ratio", "empty list"]),
    "grid_not_a_list": (GOOD.replace("[0.1, 0.5]", "0.1"), ["exp.yaml:6", "grid.ie_ratio", "list"]),
    "grid_key_not_param": (GOOD.replace("ie_ratio:", "ie_ration:"), ["exp.yaml:6", "grid.ie_ration",
                                                                       "did you mean 'ie_ratio'"]),
    "grid_value_wrong_type": (GOOD.replace("[0.1, 0.5]", "[0.1, high]"), ["exp.yaml:6", "grid.ie_ratio[1]", "float"]),
    "param_unknown": (GOOD.replace("{epochs: 2}", "{epoch: 2}"), ["exp.yaml:4", "params.epoch",
                                                                  "did you mean 'epochs'"]),
    "param_wrong_type": (GOOD.replace("{epochs: 2}", "{epochs: 2.5}"), ["exp.yaml:4", "params.epochs", "int"]),
    "param_in_grid_and_params": (GOOD.replace("{epochs: 2}", "{ie_ratio: 0.2}"), ["grid.ie_ratio", "also set in params"]),
    "zip_unequal": (GOOD + "zip:\n  w1_positive: [true, false]\n  w2_positive: [false]\n",
                    ["exp.yaml:7", "zip", "unequal length", "same length"]),
    "unknown_task": (GOOD.replace("task: sound_localisation", "task: sound_localization"),
                     ["exp.yaml:2", "task", "did you mean 'sound_localisation'"]),
    "task_file_missing": (GOOD.replace("task: sound_localisation", "task: experiments/my_lab/nothere.py:train"),
                          ["exp.yaml:2", "task", "nothere.py", "not found"]),
    "task_function_missing": (GOOD.replace("task: sound_localisation", f"task: {TOY}:trian").replace("ie_ratio", "x"),
                              ["exp.yaml:2", "task", "no function 'trian'", "did you mean 'train'"]),
    "task_module_missing": (GOOD.replace("task: sound_localisation", "task: nosuchpkg.models:train"),
                            ["exp.yaml:2", "task", "nosuchpkg"]),
    "name_with_slash": (GOOD.replace("name: exp", "name: a/b"), ["exp.yaml:1", "name", "lowercase"]),
    "name_with_dotdot": (GOOD.replace("name: exp", "name: ..exp"), ["exp.yaml:1", "name"]),
    "name_with_space": (GOOD.replace("name: exp", "name: my exp"), ["exp.yaml:1", "name"]),
    "name_missing": (GOOD.replace("name: exp\n", ""), ["exp.yaml", "name", "missing"]),
    "task_missing": (GOOD.replace("task: sound_localisation\n", ""), ["exp.yaml", "task", "missing"]),
    "unknown_backend": (GOOD + "backend: slurmm\n", ["exp.yaml:7", "backend", "did you mean 'slurm'"]),
    "resources_unknown_key": (GOOD + "resources: {cpu: 2}\n", ["exp.yaml:7", "resources.cpu", "did you mean 'cpus'"]),
    "resources_zero_cpus": (GOOD + "resources: {cpus: 0}\n", ["exp.yaml:7", "resources.cpus", ">= 1"]),
    "metric_bad_mode": (GOOD + "metric: {name: test_accuracy, mode: maximum}\n", ["exp.yaml:7", "metric.mode", "'max'"]),
    "local_workers_type": (GOOD + "local: {workers: many}\n", ["exp.yaml:7", "local.workers", "int"]),
    "missing_file": (None, ["exp.yaml", "no such file"]),
    "nan_param": (GOOD.replace("{epochs: 2}", "{epochs: 2, lr: .nan}"), ["exp.yaml:4", "params.lr", "nan is not a finite",
                                                                     "give a float > 0"]),
    "inf_in_grid": (GOOD.replace("[0.1, 0.5]", "[0.1, .inf]"), ["exp.yaml:6", "grid.ie_ratio[1]", "inf is not a finite"]),
    "ie_ratio_above_1": (GOOD.replace("[0.1, 0.5]", "[0.1, 1.5]"), ["exp.yaml:6", "grid.ie_ratio[1]",
                                                                   "1.5 is out of range: must be <= 1",
                                                                   "give a float in [0, 1]"]),
    "zero_epochs": (GOOD.replace("{epochs: 2}", "{epochs: 0}"), ["exp.yaml:4", "params.epochs", "0 is out of range",
                                                               "give an int >= 1"]),
    "metric_not_reported": (GOOD + "metric: {name: test_acuracy}\n", ["exp.yaml:7", "metric.name",
                                                                      "does not report 'test_acuracy'",
                                                                      "did you mean 'test_accuracy'"]),
    "untyped_task_nan": (f"name: exp\ntask: {TOY}:instant\ngrid: {{i: [1, .nan]}}\n",
                         ["exp.yaml:3", "grid.i[1]", "nan is not a finite number", "give a finite number"]),
    "name_too_long": (GOOD.replace("name: exp", "name: " + "e" * 101), ["exp.yaml:1", "name", "101 characters"]),
    # hostile input: refused before anything is built, run or written
    "alias_bomb": (GOOD + "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefgh", "bcdefghi")),
        ["exp.yaml:", "expands to more than 200,000 values", "aliases"]),
    "self_referencing_alias": (GOOD + "a: &a [*a]\n", ["exp.yaml:7", "nested more than 100 levels",
                                                      "self-referencing alias"]),
    "nested_too_deep": (GOOD + "zip: " + "[" * 150 + "]" * 150 + "\n", ["exp.yaml:7", "nested more than 100 levels"]),
    "nul_byte": (GOOD.replace("task: sound", "task: sou\0nd"), ["exp.yaml:2", "unprintable character '\\x00'",
                                                              "column 10"]),
    "task_not_python": (GOOD.replace("task: sound_localisation", "task: /etc/passwd:train"),
                        ["exp.yaml:2", "task", "'/etc/passwd' is not a Python file", ".py"]),
    "task_not_a_task": (GOOD.replace("task: sound_localisation", "task: os.path:exists"),
                        ["exp.yaml:2", "task", "'os.path:exists' is not a task", "takes (path), not (params, ctx)",
                         "def train(params, ctx)"]),
    "task_a_builtin": (GOOD.replace("task: sound_localisation", "task: os:system"),
                       ["exp.yaml:2", "task", "'os:system' is not a task", "built-in"]),
    "seed_above_2_to_the_32": (GOOD.replace("repetitions: 2", "seeds: [9223372036854775808]"),
                               ["exp.yaml:3", "seeds", "from 0 to 4294967295"]),
    "grid_of_a_million": (GOOD.replace("grid:\n  ie_ratio: [0.1, 0.5]", "grid: {ie_ratio: [" + ", ".join(
        str(i / 1000) for i in range(1000)) + "], num_hidden: [" + ", ".join(str(i) for i in range(1, 1001)) + "]}"),
        ["exp.yaml:", "grid", "2,000,000 runs (1,000,000 grid points x 2 repetitions), more than max_runs (100,000)",
         "--max-runs"]),
    "a_billion_repetitions": (GOOD.replace("repetitions: 2", "repetitions: 1e9"),
                              ["exp.yaml:3", "repetitions", "2,000,000,000 runs"]),
    "max_runs_not_a_number": (GOOD + "max_runs: lots\n", ["exp.yaml:7", "max_runs", "integer >= 1"]),
    "integral_float_stays_checked": (GOOD.replace("{epochs: 2}", "{epochs: 0.0}"), ["exp.yaml:4", "params.epochs",
                                                                                   "0 is out of range"]),
}


def _run(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    return exit_info.value.code, capsys.readouterr().err


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["run", "plan"])
def test_bad_file_is_one_line_exit_2_nothing_written(case: str, command: str, workspace: Path, capsys) -> None:
    content, expected = CASES[case]
    path = workspace / "exp.yaml"
    if content is not None:
        path.write_text(content)
    code, err = _run([command, str(path)], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for text in expected:
        assert text in lines[0], f"{text!r} not in {lines[0]!r}"
    assert "; " in lines[0], "the message gives a fix after '; '"
    assert not (workspace / "training_data").exists()


def test_set_override_errors_name_the_flag(workspace: Path, capsys) -> None:
    path = workspace / "exp.yaml"
    path.write_text(GOOD)
    code, err = _run(["run", str(path), "--set", "params.epochs=many"], capsys)
    assert code == 2
    assert "--set params.epochs=many" in err and "params.epochs" in err and "int" in err
    code, err = _run(["run", str(path), "--set", "noequals"], capsys)
    assert code == 2 and "key=value" in err
    assert not (workspace / "training_data").exists()


@pytest.mark.parametrize("args", [["--debug", "run"], ["run", "--debug"]])
def test_debug_shows_the_traceback_and_keeps_the_exit_code(args: list[str], workspace: Path, capsys) -> None:
    path = workspace / "exp.yaml"
    path.write_text(GOOD.replace("repetitions: 2", "repetitions: 0"))
    code, err = _run([*args, str(path)], capsys)
    assert code == 2
    assert "Traceback" in err and "SpecError" in err
    assert err.strip().splitlines()[-1].startswith("neuro: error: ") and "repetitions" in err.splitlines()[-1]


def test_good_file_passes(workspace: Path, capsys) -> None:
    path = workspace / "exp.yaml"
    path.write_text(GOOD)
    with pytest.raises(SystemExit) as exit_info:
        main(["plan", str(path)])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "ie_ratio=0.5__rep1" in out and "4 runs" in out
    assert not (workspace / "training_data").exists()


@pytest.mark.parametrize("written", ["1e-4", "1.0e-4", "1E-4", "0.0001"])
def test_floats_in_every_common_notation(written: str, workspace: Path, capsys) -> None:
    path = workspace / "exp.yaml"
    path.write_text(GOOD + f"zip: {{lr: [{written}]}}\n")
    from neuro.utils.experiment.spec import load_spec
    assert load_spec(path).zip["lr"] == [0.0001]
    assert load_spec(workspace / "exp.yaml", [f"params.surrogate_beta={written}"]).params["surrogate_beta"] == 0.0001


def test_a_task_may_allow_non_finite_values(workspace: Path) -> None:
    (workspace / "task.py").write_text(
        "from dataclasses import dataclass\nfrom typing import Annotated\nfrom pydantic import AllowInfNan\n\n"
        "@dataclass\nclass P:\n    bound: Annotated[float, AllowInfNan()] = 1.0\n\n"
        "def train(p: P, ctx):\n    return {}\n")
    path = workspace / "exp.yaml"
    path.write_text("name: exp\ntask: task.py:train\ngrid: {bound: [1.0, .inf]}\n")
    from neuro.utils.experiment.spec import load_spec
    assert load_spec(path).grid["bound"] == [1.0, float("inf")]


def test_a_user_task_missing_its_metric_is_warned_after_the_first_run(workspace: Path) -> None:
    from tests.conftest import neuro
    path = workspace / "exp.yaml"
    path.write_text(f"name: exp\ntask: {TOY}:train\ngrid: {{x: [1.0]}}\nmetric: {{name: scor}}\n")
    result = neuro("run", str(path), cwd=workspace)
    assert result.returncode == 0
    assert "metric.name: the first finished run did not report 'scor' (did you mean 'score'?)" in result.stderr
    assert "no run reported 'scor'" in neuro("results", str(path), cwd=workspace).stderr


def test_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20


def test_version(capsys) -> None:
    from importlib.metadata import version
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out == f"neuro {version('neuro')}\n"


@pytest.mark.parametrize("args,expected", [
    (["data", "make", "nope"], "neuro: error: neuro data make: No such command 'nope'; see `neuro data make --help`"),
    (["status", "--bogus"], "neuro: error: neuro status: No such option: --bogus; see `neuro status --help`"),
    (["run"], "neuro: error: neuro run: Missing argument 'FILE'; see `neuro run --help`"),
    (["results", "x.yaml", "--format", "xml"], "neuro: error: neuro results: Invalid value for '--format'"),
])
def test_usage_errors_are_one_line_exit_2(args: list[str], expected: str, capsys) -> None:
    code, err = _run(args, capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith(expected)
