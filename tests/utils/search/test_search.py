"""Searches: the `search:` section checked before anything runs, Optuna's samplers as configured,
trials run as ordinary runs on the local pool (no waiting for batches), a study that survives kill -9
and concurrent drivers, pruning, and `neuro results` on a search."""
from __future__ import annotations

import json
import os
import signal
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from neuro.cli.main import main
from tests.conftest import ROOT, ledger_events, neuro, neuro_popen, write_experiment

OPTIMUM = ROOT / "tests" / "tasks" / "optimum.py"
sys.path.insert(0, str(OPTIMUM.parent))
from optimum import OptimumParams, score_of  # noqa: E402

SPACE = """
    x: {uniform: [-5, 5]}
    lr: {log_uniform: [1.0e-6, 1.0]}
    layers: {int: [1, 8]}
    loss: {choice: [mse, poisson]}
"""


def search_file(directory: Path, name: str = "opt", method: str = "tpe", trials: int = 8, parallel: int = 1,
                extra: str = "", params: str = "{epochs: 2}", space: str = SPACE, repetitions: int = 1) -> Path:
    indented = "\n".join("    " + line.strip() for line in space.strip().splitlines())
    return write_experiment(directory, f"""
name: {name}
task: {OPTIMUM}:train
repetitions: {repetitions}
params: {params}
metric: {{name: score, mode: max}}
search:
  method: {method}
  trials: {trials}
  parallel: {parallel}
  startup_trials: 6
{extra}  space:
{indented}
""", name=f"{name}.yaml")


def study_of(workspace: Path, name: str = "opt"):
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    from neuro.utils.search.study import quiet_optuna
    quiet_optuna()
    path = workspace / "training_data" / "tasks" / name / "study.journal"
    return optuna.load_study(study_name=f"tasks/{name}", storage=JournalStorage(JournalFileBackend(str(path))))


def _events(workspace: Path, name: str = "opt") -> list[dict]:
    """The state events of the search's runs, oldest first ([] before the ledger exists)."""
    if not (workspace / "training_data" / "ledger.jsonl").exists():
        return []
    return [e for e in ledger_events(workspace) if e.get("experiment") == f"tasks/{name}" and "state" in e]


def done_per_key(workspace: Path, name: str = "opt") -> Counter:
    return Counter(e["key"] for e in _events(workspace, name) if e["state"] == "done")


def _wait_for(condition, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# --- the section, checked before anything runs ------------------------------------------------------

BAD_SPACES = {
    "unknown_kind": ("x: {normal: [0, 1]}", ["search.space.x", "log_uniform, uniform, int, choice"]),
    "not_a_parameter": ("xx: {uniform: [0, 1]}", ["search.space.xx", "not a parameter", "did you mean 'x'"]),
    "low_above_high": ("x: {uniform: [2, 1]}", ["search.space.x.uniform", "low 2 is not below high 1"]),
    "out_of_range": ("x: {uniform: [0, 9]}", ["search.space.x.uniform[1]", "out of range", "<= 5"]),
    "log_of_zero": ("lr: {log_uniform: [0, 1]}", ["search.space.lr.log_uniform", "not positive", "low > 0"]),
    "uniform_on_an_int": ("layers: {uniform: [1, 8]}", ["search.space.layers.uniform", "whole numbers",
                                                        "layers: {int: [1, 8]}"]),
    "int_bounds_floats": ("layers: {int: [1.5, 8]}", ["search.space.layers.int", "two integers"]),
    "choice_not_allowed": ("loss: {choice: [mse, l1]}", ["search.space.loss.choice[1]", "'mse', 'poisson'"]),
    "choice_empty": ("loss: {choice: []}", ["search.space.loss.choice", "non-empty"]),
    "one_bound": ("x: {uniform: [1]}", ["search.space.x.uniform", "[low, high]"]),
}


@pytest.mark.parametrize("case", sorted(BAD_SPACES))
def test_an_invalid_space_is_one_line_exit_2_nothing_written(case: str, workspace: Path, capsys) -> None:
    entry, expected = BAD_SPACES[case]
    path = search_file(workspace, space=entry)
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(path)])
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2
    assert len(err.splitlines()) == 1 and "opt.yaml:" in err and "; " in err, err
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"
    assert not (workspace / "training_data").exists()


@pytest.mark.parametrize("written, expected", [
    ("method: grid", ["search.method", "random, tpe"]),
    ("trials: 0", ["search.trials", ">= 1"]),
    ("pruner: hyperband", ["search.pruner", "median, successive_halving"]),
    ("paralel: 2", ["search.paralel", "valid keys"]),
])
def test_invalid_search_keys(written: str, expected: list[str], workspace: Path, capsys) -> None:
    path = search_file(workspace)
    key = written.split(":")[0]
    text = path.read_text()
    path.write_text(text.replace(f"  {key}: ", f"  {written}\n  old_{key}: ") if f"  {key}: " in text
                    else text.replace("  space:", f"  {written}\n  space:"))
    path.write_text("\n".join(line for line in path.read_text().splitlines() if "old_" not in line) + "\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["plan", str(path)])
    err = capsys.readouterr().err.strip()
    assert exit_info.value.code == 2 and len(err.splitlines()) == 1
    assert all(text in err for text in expected), err


def test_a_searched_parameter_cannot_also_be_fixed(workspace: Path, capsys) -> None:
    path = search_file(workspace, params="{epochs: 2, x: 1.0}")
    with pytest.raises(SystemExit):
        main(["run", str(path)])
    assert "search.space.x: also set in params; remove it from params or from search.space" in capsys.readouterr().err


def test_plan_of_a_search_shows_one_trials_job_script_and_writes_nothing(workspace: Path) -> None:
    path = search_file(workspace, repetitions=2)
    shown = neuro("plan", str(path), "--backend", "sge", cwd=workspace)
    assert shown.returncode == 0, shown.stderr
    assert "search (tpe) of 8 trials, 1 in flight, each 2 runs (1 grid point x 2 repetitions); 0 asked so far" in shown.stdout
    assert "# sge job script of one trial (trial 0 as an example" in shown.stdout and "#$ -t 1-2" in shown.stdout
    assert not (workspace / "training_data" / "tasks").exists()


# --- the samplers, as the search configures them ------------------------------------------------------

def test_tpe_finds_the_optimum_clearly_better_than_random_over_seeds() -> None:
    """Best-found regret (1 - best score) at 30 trials, six seeds each, through the project's samplers."""
    import optuna

    from neuro.utils.search.space import Dimension, SearchSpec
    from neuro.utils.search.study import distributions, make_sampler, quiet_optuna
    quiet_optuna()
    space = {"x": Dimension("uniform", [-5.0, 5.0]), "lr": Dimension("log_uniform", [1e-6, 1.0]),
             "layers": Dimension("int", [1, 8]), "loss": Dimension("choice", ["mse", "poisson"])}
    regret = {}
    for method in ("random", "tpe"):
        regret[method] = []
        for seed in range(6):
            search = SearchSpec(trials=30, space=space, method=method, seed=seed)
            study = optuna.create_study(direction="maximize", sampler=make_sampler(search))
            for number in range(30):
                study.sampler = make_sampler(search, number)      # as the driver asks
                trial = study.ask(distributions(search))
                study.tell(trial, score_of(OptimumParams(**trial.params)))
            regret[method].append(1 - study.best_value)
    assert statistics.fmean(regret["tpe"]) < 0.25
    assert statistics.fmean(regret["tpe"]) < 0.5 * statistics.fmean(regret["random"])


@pytest.mark.parametrize("pruner", ["median", "successive_halving"])
def test_each_pruner_stops_poor_trials_but_never_before_the_warmup(pruner: str) -> None:
    """The pruners as the search configures them, on trials whose curves rise to their final score."""
    import optuna

    from neuro.utils.search.space import Dimension, SearchSpec
    from neuro.utils.search.study import distributions, make_pruner, make_sampler, quiet_optuna
    quiet_optuna()
    search = SearchSpec(trials=20, space={"x": Dimension("uniform", [-5.0, 5.0])}, method="random", pruner=pruner,
                        prune_warmup=3)
    study = optuna.create_study(direction="maximize", pruner=make_pruner(search))
    stopped_at, pruned_finals = [], []
    for number in range(20):
        study.sampler = make_sampler(search, number)
        trial = study.ask(distributions(search))
        final = score_of(OptimumParams(x=trial.params["x"]))
        for step in range(10):
            trial.report(final - 1 / (step + 1), step)
            if trial.should_prune():
                stopped_at.append(step)
                pruned_finals.append(final)
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                break
        else:
            study.tell(trial, final)
    assert len(stopped_at) >= 4 and min(stopped_at) >= 3
    assert study.best_value > max(pruned_finals)                   # the best trial ran to the end


# --- end to end on the local pool ----------------------------------------------------------------------

def test_a_local_search_runs_every_trial_as_runs_and_finds_the_optimum(workspace: Path) -> None:
    path = search_file(workspace, trials=24, repetitions=2, space="x: {uniform: [-2, 4]}\nlr: {log_uniform: [1.0e-5, 0.1]}")
    first = neuro("run", str(path), cwd=workspace)
    assert first.returncode == 0, first.stderr
    assert "24 of 24 trials: 24 complete" in first.stdout
    study = study_of(workspace)
    assert [t.number for t in study.trials] == list(range(24))
    assert 1 - study.best_value < 0.1                       # the optimum is 1.0 at x = 1.3, lr = 1e-3
    assert abs(study.best_params["x"] - 1.3) < 0.3
    # every trial is two ordinary runs (seeds 0 and 1), each done once; the objective is their mean
    done = done_per_key(workspace)
    assert len(done) == 48 and set(done.values()) == {1}
    run_dir = workspace / "training_data" / "tasks" / "opt" / f"trial{study.best_trial.number:04d}__rep1"
    result = json.loads((run_dir / "result.json").read_text())
    assert result["seed"] == 1 and result["params"]["x"] == study.best_params["x"]
    assert (run_dir / "config.yaml").exists() and list((run_dir / "tb").iterdir())
    assert study.best_value == pytest.approx(result["metrics"]["score"])
    # again: nothing to do; a larger budget continues the same study
    again = neuro("run", str(path), "--set", "search.trials=26", cwd=workspace)
    assert again.returncode == 0 and "26 of 26 trials: 26 complete" in again.stdout
    assert len(done_per_key(workspace)) == 52


def test_trials_do_not_wait_for_a_batch(workspace: Path) -> None:
    """With two slots, the next trial starts when either trial in flight ends, not when both have."""
    path = search_file(workspace, method="random", trials=6, parallel=2, params="{epochs: 1}",
                       space="x: {uniform: [0, 3]}\nsleep_s: {uniform: [0.0, 1.5]}")
    assert neuro("run", str(path), "--workers", "2", cwd=workspace).returncode == 0
    events = _events(workspace)
    queued = {e["run"]: e["time"] for e in events if e["state"] == "queued"}
    ended = {e["run"]: e["time"] for e in events if e["state"] == "done"}
    trial = lambda n: f"trial{n:04d}__rep0"  # noqa: E731
    overlapping = [n for n in range(2, 6) if queued[trial(n)] < max(ended[trial(m)] for m in range(n))]
    assert overlapping, "every trial waited for all earlier ones: batches"


def test_kill_9_of_the_driver_then_run_again_loses_and_repeats_nothing(workspace: Path) -> None:
    path = search_file(workspace, trials=6, parallel=2, repetitions=2, params="{epochs: 4, sleep_s: 0.15}")
    driver = neuro_popen("run", str(path), "--workers", "2", cwd=workspace)
    _wait_for(lambda: len(done_per_key(workspace)) >= 4)
    _wait_for(lambda: _events(workspace)[-1]["state"] == "running")
    time.sleep(0.25)                                       # mid-way through a run (each takes 0.6 s)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    cut = study_of(workspace)
    assert 0 < len([t for t in cut.trials if t.state.name == "COMPLETE"]) < 6
    again = neuro("run", str(path), cwd=workspace)
    assert again.returncode == 0, again.stderr
    study = study_of(workspace)
    assert [t.number for t in study.trials] == list(range(6))
    assert all(t.state.name == "COMPLETE" for t in study.trials)
    done = done_per_key(workspace)
    assert len(done) == 12 and set(done.values()) == {1}, "a run lost or run twice"
    assert any(e["state"] == "interrupted" for e in _events(workspace)), "kill -9 cut a run off mid-way"


def test_two_drivers_share_one_study(workspace: Path) -> None:
    path = search_file(workspace, trials=10, parallel=2, params="{epochs: 2, sleep_s: 0.05}")
    drivers = [neuro_popen("run", str(path), "--workers", "1", cwd=workspace) for _ in range(2)]
    for driver in drivers:
        out, err = driver.communicate(timeout=240)
        assert driver.returncode == 0, err
    study = study_of(workspace)
    assert [t.number for t in study.trials] == list(range(10))
    assert all(t.state.name == "COMPLETE" for t in study.trials)
    done = done_per_key(workspace)
    assert len(done) == 10 and set(done.values()) == {1}
    runners = {e["runner"] for e in ledger_events(workspace) if e.get("state") == "queued"}
    assert len(runners) == 2, "both drivers ran trials"


def test_poor_trials_are_pruned_not_failed_and_all_their_runs_stop(workspace: Path) -> None:
    path = search_file(workspace, method="random", trials=12, params="{epochs: 6, sleep_s: 0.02}",
                       extra="  pruner: median\n", space="x: {uniform: [-5, 5]}", repetitions=2)
    result = neuro("run", str(path), cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "trials in flight: 1 at a time, not" not in result.stdout and "trials in flight: 1 at a time" in result.stdout
    study = study_of(workspace)
    states = Counter(t.state.name for t in study.trials)
    assert states["PRUNED"] >= 2 and states["COMPLETE"] >= 5 and not states["FAIL"]
    pruned = [t for t in study.trials if t.state.name == "PRUNED"]
    assert all(len(t.intermediate_values) < 6 for t in pruned)            # stopped before the last epoch
    events = {e["run"]: e for e in _events(workspace)}
    both = 0
    for trial in pruned:
        first, second = events[f"trial{trial.number:04d}__rep0"], events[f"trial{trial.number:04d}__rep1"]
        assert first["state"] == "pruned" and "median pruner" in first["error"]
        if second["state"] == "done":      # only a seed that had finished before its trial was pruned
            assert second["time"] <= first["time"], second
        else:                              # the trial's other seed stops too, never runs on to the end
            assert second["state"] == "pruned", second
            assert "pruner" in second["error"] or f"trial {trial.number} was pruned" in second["error"]
            both += 1
    assert both >= 1
    for trial in study.trials:
        if trial.state.name == "COMPLETE":
            assert {events[f"trial{trial.number:04d}__rep{k}"]["state"] for k in (0, 1)} == {"done"}
    status = neuro("status", str(path), cwd=workspace).stdout
    assert f"{states['PRUNED'] + both} pruned" in status
    assert f"search (random): 12 of 12 trials: {states['COMPLETE']} complete, {states['PRUNED']} pruned" in status
    table = neuro("results", str(path), cwd=workspace).stdout
    assert table.count(" pruned ") == states["PRUNED"]


def test_results_on_a_search(workspace: Path) -> None:
    path = search_file(workspace, trials=8, space="x: {uniform: [-5, 5]}\nloss: {choice: [mse, poisson]}")
    assert neuro("results", str(path), cwd=workspace).returncode == 2       # not started: one line, exit 2
    assert neuro("run", str(path), cwd=workspace).returncode == 0
    study = study_of(workspace)
    shown = neuro("results", str(path), "--plot", cwd=workspace)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["trial", "state", "x", "loss", "score"]
    assert lines[2].split()[0] == str(study.best_trial.number)               # best first
    best = study.best_params
    assert (f"best configuration (trial {study.best_trial.number}): neuro run {path} --set search=null --set "
            f"name=opt-best --set params.x={best['x']!r} --set params.loss={best['loss']}") in shown.stdout
    assert "importance (PED-ANOVA): x " in shown.stdout
    plots = workspace / "training_data" / "tasks" / "opt" / "plots"
    for name in ("search_history", "search_slice_x", "search_slice_loss", "search_parallel_coordinates"):
        assert (plots / f"{name}.png").stat().st_size > 10_000
    import io

    import pandas

    import neuro as api
    table = api.results(path, workspace=workspace)           # a notebook's table: the csv's, one row per trial
    printed = neuro("results", str(path), "-f", "csv", cwd=workspace).stdout
    pandas.testing.assert_frame_equal(table, pandas.read_csv(io.StringIO(printed)), check_dtype=False)
    rows = json.loads(neuro("results", str(path), "-f", "json", cwd=workspace).stdout)
    assert [r["trial"] for r in rows][0] == study.best_trial.number and len(rows) == 8
    assert rows[0]["score"]["mean"] == pytest.approx(study.best_value)
    # the best configuration runs as an experiment of its own, to the same score
    command = next(line for line in lines if line.startswith("best configuration")).split(": ", 1)[1].split()[2:]
    rerun = neuro("run", *command, cwd=workspace)
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads((workspace / "training_data" / "tasks" / "opt-best" / "rep0" / "result.json").read_text())
    assert result["metrics"]["score"] == study.best_value                  # exactly: the values at full precision
    assert result["params"]["x"] == best["x"]


def test_a_changed_search_is_a_new_study_and_the_old_one_is_kept(workspace: Path) -> None:
    path = search_file(workspace, method="random", trials=3, space="x: {uniform: [-5, 5]}")
    assert neuro("run", str(path), cwd=workspace).returncode == 0
    old_values = [t.params["x"] for t in study_of(workspace).trials]
    assert neuro("run", str(path), "--set", "search.trials=4", cwd=workspace).stdout.count("trial 3: complete") == 1
    path.write_text(path.read_text().replace("{epochs: 2}", "{epochs: 3}"))        # a fixed parameter changed
    planned = neuro("plan", str(path), cwd=workspace)
    assert planned.returncode == 0 and "the search changed (params) since its study of 4 trial(s)" in planned.stdout
    status = neuro("status", str(path), cwd=workspace).stdout
    assert "0 runs" in status and "search (random): the search changed (params)" in status
    results = neuro("results", str(path), cwd=workspace)
    assert results.returncode == 2 and "no results of this search yet: the search changed (params)" in results.stderr
    ran = neuro("run", str(path), cwd=workspace)
    assert ran.returncode == 0, ran.stderr
    assert "the search changed (params): its study of 4 trials is kept in" in ran.stdout
    assert "3 of 3 trials: 3 complete" in ran.stdout
    study = study_of(workspace)
    assert len(study.trials) == 3 and all(t.state.name == "COMPLETE" for t in study.trials)
    experiment = workspace / "training_data" / "tasks" / "opt"
    kept = list((experiment / ".superseded").glob("study.*.journal"))
    assert len(kept) == 1 and kept[0].stat().st_size > 0
    assert [t.params["x"] for t in study.trials] == old_values          # the same seeded draws, run again
    runs = json.loads(neuro("results", str(path), "-f", "json", cwd=workspace).stdout)
    assert len(runs) == 3 and all(r["runs"] == {"done": 1} for r in runs)
    assert len(list((experiment / ".superseded").iterdir())) == 1 + 3        # the old study, and its 3 runs' files
    assert "3 runs: 3 done" in neuro("status", str(path), cwd=workspace).stdout
