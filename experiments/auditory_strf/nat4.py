"""The NAT4 format (Pennington & David 2023), one recording folder: <site>.resp.csv (time x neurons),
<site>.stim.csv (time x 18 bands), <site>.resp.json (chans, fs) and <site>.resp.epoch.csv (name, start,
end in s): estimation sounds 'STIM_cat...' (train) and validation sounds 'STIM_00...' (test), each
row a presentation (a repeat)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from neuro.experiments.auditory_strf.recordings import StrfData, format_error
from neuro.utils.errors import NeuroError


def load_nat4(folder: Path) -> StrfData:
    site = _one(folder, "*.resp.csv").name[:-len(".resp.csv")]
    meta_path = folder / f"{site}.resp.json"
    try:
        meta = json.loads(meta_path.read_text())
        chans, fs = list(meta["chans"]), float(meta["fs"])
    except FileNotFoundError:
        raise format_error(meta_path, "file", "missing", "a NAT4 recording has <site>.resp.json with chans and fs") from None
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise format_error(meta_path, "chans/fs", f"unreadable ({err})", "expected {\"chans\": [...], \"fs\": 100}") from None
    resp = _csv(folder / f"{site}.resp.csv")
    stim = _csv(folder / f"{site}.stim.csv")
    if resp.shape[1] != len(chans):
        raise format_error(folder / f"{site}.resp.csv", "columns", f"{resp.shape[1]}", f"expected {len(chans)} (resp.json chans)")
    if len(stim) != len(resp):
        raise format_error(folder / f"{site}.stim.csv", "rows", f"{len(stim)}", f"expected {len(resp)} (as resp.csv)")
    epochs = _epochs(folder / f"{site}.resp.epoch.csv")
    names = list(dict.fromkeys(name for name, _, _ in epochs if name.startswith("STIM_")))
    if not names:
        raise format_error(folder / f"{site}.resp.epoch.csv", "name", "no STIM_ epochs", "expected STIM_cat... and STIM_00...")
    stim = np.log((stim + 0.1) / 0.1)
    stim = (stim - np.nanmin(stim)) / max(np.nanmax(stim) - np.nanmin(stim), 1e-12)
    spectrograms, responses = [], []
    for name in names:
        rows = [(round(start * fs), round(end * fs)) for n, start, end in epochs if n == name]
        length = min(end - start for start, end in rows)
        spectrograms.append(stim[rows[0][0]:rows[0][0] + length].T)
        responses.append(np.stack([resp[start:start + length].T for start, _ in rows]).astype(np.float32))
    lengths = {s.shape[1] for s in spectrograms}
    if len(lengths) > 1:
        raise format_error(folder / f"{site}.resp.epoch.csv", "start/end", f"sounds of {sorted(lengths)} bins",
                     "expected every STIM_ epoch of one length")
    test = np.array([name.startswith("STIM_00") for name in names])
    return StrfData(np.stack(spectrograms).astype(np.float32), responses, names, chans, 1000.0 / fs, test)


def _epochs(path: Path) -> list[tuple[str, float, float]]:
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        raise format_error(path, "file", "missing", "a NAT4 recording has <site>.resp.epoch.csv (name,start,end)") from None
    if not lines or [c.strip() for c in lines[0].split(",")] != ["name", "start", "end"]:
        raise format_error(path, "header", repr(lines[0] if lines else ""), "expected 'name,start,end'")
    out = []
    for number, line in enumerate(lines[1:], 2):
        try:
            name, start, end = line.rsplit(",", 2)
            out.append((name.strip().strip('"'), float(start), float(end)))
        except ValueError:
            raise format_error(path, f"line {number}", repr(line), "expected name,start,end with times in s") from None
    return out


def _csv(path: Path) -> np.ndarray:
    try:
        values = np.loadtxt(path, delimiter=",", ndmin=2)
    except FileNotFoundError:
        raise format_error(path, "file", "missing", "a NAT4 recording has <site>.resp.csv and <site>.stim.csv") from None
    except ValueError as err:
        raise format_error(path, "values", str(err).splitlines()[0], "expected comma-separated numbers, no header") from None
    return values


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        raise NeuroError(f"{folder}: {len(found)} files match {pattern}; a NAT4 recording folder holds one site")
    return found[0]
