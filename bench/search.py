"""Overhead of the search driver per trial: ask, the trial's runs, the ledger's queued events, the
tell (journal file storage and ledger, both on disk), with runs that end at once, up to N trials.

    python bench/search.py [--trials 1000]

Prints milliseconds per trial for the random sampler and for TPE, over the whole search and over its
last 100 trials, next to a reference measured in the same run: Optuna alone asking and telling as many
trials in memory with the same sampler (TPE's own modelling grows with the trials told). The driver's
overhead is the difference; target: under 20 ms a trial.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "tasks")]

from optimum import OptimumParams, score_of  # noqa: E402

from neuro.utils.experiment.spec import load_spec  # noqa: E402
from neuro.utils.search.driver import SearchDriver  # noqa: E402
from neuro.utils.search.space import SearchSpec  # noqa: E402
from neuro.utils.search.study import distributions, make_sampler, quiet_optuna, start_study  # noqa: E402
from neuro.utils.sweeps.states import State  # noqa: E402
from neuro.utils.sweeps.sweep import Sweep  # noqa: E402
from neuro.utils.sweeps.workspace import Workspace  # noqa: E402


def search(workdir: Path, method: str, trials: int) -> tuple[list[float], SearchSpec]:
    """Seconds of each driver step (a trial ended, the next asked), a run ending at once each time; and
    the search as the experiment file declared it."""
    experiment = workdir / f"{method}.yaml"
    experiment.write_text(f"name: {method}\ntask: {ROOT / 'tests/tasks/optimum.py'}:train\n"
                          "metric: {name: score, mode: max}\n"
                          f"search: {{method: {method}, trials: {trials}, parallel: 1, space: {{x: {{uniform: [-5, 5]}}, "
                          "lr: {log_uniform: [1.0e-6, 1.0]}, layers: {int: [1, 8]}, loss: {choice: [mse, poisson]}}}\n")
    sweep = Sweep.build(load_spec(experiment), Workspace(workdir))
    driver = SearchDriver(sweep, start_study(sweep.spec, sweep.dir)[0], slots=1)

    def queue(runs, write) -> None:
        write([sweep.event(run, State.QUEUED) for run in runs])

    steps = []
    while True:
        started = time.perf_counter()
        runs = driver.next_runs(queue)
        steps.append(time.perf_counter() - started)
        if not runs:
            return steps, sweep.spec.search
        sweep.ledger.append_many([sweep.event(run, State.DONE, metrics={"score": score_of(OptimumParams(**run.params))})
                                  for run in runs])


def in_memory(search: SearchSpec) -> list[float]:
    """The reference: Optuna alone, in memory, the same sampler and objective, seconds per trial."""
    import optuna
    quiet_optuna()
    study = optuna.create_study(direction="maximize")
    steps = []
    for number in range(search.trials):
        started = time.perf_counter()
        study.sampler = make_sampler(search, number)
        trial = study.ask(distributions(search))
        study.tell(trial, score_of(OptimumParams(**trial.params)))
        steps.append(time.perf_counter() - started)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=1000)
    args = parser.parse_args()
    print(f"search driver, {args.trials} trials of one run each ending at once (journal file + ledger on disk):")
    print(f"  {'':<6}  {'driver':>8}  {'last 100':>8}  {'Optuna alone':>12}  {'last 100':>8}  {'overhead':>8}  (ms/trial)")
    for method in ("random", "tpe"):
        with tempfile.TemporaryDirectory() as tmp:
            steps, declared = search(Path(tmp), method, args.trials)
        steps = steps[:-1]                                     # the last step ends the search
        reference = in_memory(declared)
        mean, ref = 1000 * sum(steps) / len(steps), 1000 * sum(reference) / len(reference)
        print(f"  {method:<6}  {mean:8.1f}  {1000 * sum(steps[-100:]) / 100:8.1f}  {ref:12.1f}  "
              f"{1000 * sum(reference[-100:]) / 100:8.1f}  {mean - ref:8.1f}")
    print("  overhead: the driver less Optuna alone (target < 20 ms a trial)")


if __name__ == "__main__":
    main()
