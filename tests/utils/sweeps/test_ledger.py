"""The ledger under concurrent appends and torn writes."""
from __future__ import annotations

import json
import multiprocessing
from collections import Counter
from pathlib import Path

from neuro.utils.sweeps.ledger import Ledger, batch


def _append_many(path: str, writer: int, count: int) -> None:
    ledger = Ledger(Path(path))
    for index in range(count):
        ledger.append({"experiment": "x/y", "key": f"w{writer}", "state": "running", "index": index,
                       "padding": "p" * (writer * 37 % 500)})


def test_64_processes_appending_at_once_leave_6400_whole_events(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_append_many, args=(str(path), w, 100)) for w in range(64)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
        assert process.exitcode == 0
    lines = path.read_text().splitlines()
    assert len(lines) == 6400
    events = [json.loads(line) for line in lines]
    assert Counter(e["key"] for e in events) == {f"w{w}": 100 for w in range(64)}
    for writer in range(64):  # each writer's events in its own order
        assert [e["index"] for e in events if e["key"] == f"w{writer}"] == list(range(100))


def test_a_torn_last_line_is_skipped_and_later_appends_stay_whole(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.append({"experiment": "a/b", "key": "k1", "state": "running"})
    with open(ledger.path, "ab") as handle:
        handle.write(b'{"experiment": "a/b", "key": "k1", "sta')  # a writer killed mid-line
    assert [e["state"] for e in ledger.events()] == ["running"]
    ledger.append({"experiment": "a/b", "key": "k1", "state": "done"})
    assert [e["state"] for e in ledger.events()] == ["running", "done"]
    assert ledger.latest("a/b")["k1"]["state"] == "done"


def test_events_filter_by_experiment_exactly(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.append({"experiment": "a/b", "key": "1", "state": "done"})
    ledger.append({"experiment": "a/bc", "key": "2", "state": "done"})
    ledger.append({"experiment": "x/y", "key": "3", "state": "done", "note": "a/b"})
    assert [e["key"] for e in ledger.events("a/b")] == ["1"]
    assert len(list(ledger.events())) == 3
    assert list(Ledger(tmp_path / "missing.jsonl").events()) == []


def test_a_batch_line_reads_as_one_event_per_run_and_an_older_one_too(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    runs = [("k1", "x=1__rep0"), ("k2", "x=2__rep0"), ("k3", "x=3__rep0")]
    ledger.append(batch({"experiment": "a/b", "state": "queued"}, runs, {"job_id": ["7_0", "7_1", "7_2"]}))
    line = json.loads(ledger.path.read_text())
    assert line["keys"] == "k1/k2/k3" and line["runs"] == "x=1__rep0/x=2__rep0/x=3__rep0"   # one string each
    older = {"experiment": "a/b", "state": "running", "keys": ["k3"], "runs": ["x=3__rep0"], "each": {}}
    with open(ledger.path, "a") as handle:    # a batch line as written before: lists of keys and names
        handle.write(json.dumps(older) + "\n")
    events = list(ledger.events("a/b"))
    assert [(e["key"], e["run"], e["state"], e.get("job_id")) for e in events] == [
        ("k1", "x=1__rep0", "queued", "7_0"), ("k2", "x=2__rep0", "queued", "7_1"),
        ("k3", "x=3__rep0", "queued", "7_2"), ("k3", "x=3__rep0", "running", None)]
    latest = ledger.latest("a/b")
    assert latest["k2"] == {**events[1], "time": latest["k2"]["time"], "host": latest["k2"]["host"]}
    assert latest.shared_each(["k1", "k2", "k3", "k4"])[:2] == [latest.shared("k1")] * 2
    assert [latest.state(k) for k in ("k1", "k3", "k4")] == ["queued", "running", None]
