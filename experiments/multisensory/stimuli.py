"""Two-channel event-rate stimuli. A channel is Gaussian background noise (sd 2 x background_mag,
cosine onset and offset ramps) over which a run of n events (n in 11..16) alternates with n + 1 gaps
of one or two event lengths: [gap, event, gap, ..., event, gap], the gaps shuffled and the run placed
at a random start. Events are sine bursts of amplitude 1; the run carries low noise. The rate label
is n, the decision label "fast" when n >= 13.5. Every row draws from its own seed, so any row can be
regenerated alone and chunks can be written in any order."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neuro.utils.errors import NeuroError

DIFFICULTIES = {"easy": 17, "medium": 27, "hard": 37, "very_hard": 70}
TYPES = {1: "left only", 2: "right only", 3: "matched synchronous", 4: "matched asynchronous",
         5: "unmatched asynchronous"}


@dataclass(frozen=True)
class StimulusSpec:
    difficulty: float = 17.0                    # background_mag = difficulty / 200
    fs: int = 500                               # samples per second
    duration_ms: float = 1300.0
    event_ms: float = 25.0
    gap_ms: tuple[float, float] = (25.0, 50.0)
    rates: tuple[int, ...] = (11, 12, 13, 14, 15, 16)
    duration_tol: float = 0.5                   # |run - duration| < tol * run, and the run fits
    event_freq_hz: float = 40.0                 # one cycle per 25 ms event
    low_noise: float = 0.02                     # sd of the noise carried by events and gaps
    ramp_ms: float = 20.0                       # cosine rise (and fall) of the background
    types: tuple[int, ...] = field(default=(1, 2, 3, 4, 5))

    @property
    def background_mag(self) -> float:
        return self.difficulty / 200

    @property
    def fast_threshold(self) -> float:
        return float(np.mean(self.rates))

    def samples(self, ms: float) -> int:
        return int(ms * self.fs / 1000)

    @property
    def length(self) -> int:
        return self.samples(self.duration_ms)


@dataclass(frozen=True)
class Run:
    """Where a channel's events are: their start samples, and the run's extent (gaps included)."""
    starts: np.ndarray
    begin: int
    end: int


@dataclass
class Stimulus:
    """One row: both channels, their event masks and labels."""
    x: np.ndarray            # (2, length) float32: left, right
    mask: np.ndarray         # (2, length) float32: 1 during events
    rate: np.ndarray         # (2,) events per channel (0 for a silent channel)
    agg_rate: float          # the rate the row stands for: the mean over channels with events
    type: int

    def describe(self, fast_threshold: float) -> str:
        channels = ", ".join(f"{name} {int(n)} events" if n else f"{name} silent"
                             for name, n in zip(("left", "right"), self.rate))
        decision = "fast" if self.agg_rate >= fast_threshold else "slow"
        return (f"type {self.type} ({TYPES[self.type]}): {channels}; rate {self.agg_rate:g} -> {decision} "
                f"(fast >= {fast_threshold:g})")


def parse_types(text: str, where: str) -> tuple[int, ...]:
    """'1,2,3' -> (1, 2, 3); anything else is a NeuroError naming `where`."""
    try:
        types = tuple(sorted({int(t) for t in text.split(",") if t.strip()}))
    except ValueError:
        types = ()
    if not types or not set(types) <= set(TYPES):
        raise NeuroError(f"{where}: {text!r} is not a list of stimulus types; use numbers from 1-5 separated by "
                         f"commas, e.g. 1,2,3,4,5")
    return types


class Generator:
    """Makes rows of one stimulus specification; precomputes what every row shares."""

    def __init__(self, spec: StimulusSpec):
        self.spec = spec
        self.event_len = spec.samples(spec.event_ms)
        self.gap_ms = np.array(spec.gap_ms)
        t = np.arange(self.event_len) / spec.fs
        self.event = np.sin(2 * np.pi * spec.event_freq_hz * t).astype(np.float32)
        ramp = spec.samples(spec.ramp_ms)
        envelope = np.ones(spec.length, np.float32)
        rise = 0.5 * (1 - np.cos(np.pi * np.arange(ramp) / ramp))
        envelope[:ramp], envelope[spec.length - ramp:] = rise, rise[::-1]
        self.envelope = envelope
        self.long_gaps = {n: self._valid_long_gaps(n) for n in spec.rates}

    def _valid_long_gaps(self, n: int) -> np.ndarray:
        """How many of the n + 1 gaps may be long so that the run is within tolerance and fits (in ms)."""
        spec = self.spec
        short, long = spec.gap_ms
        k = np.arange(n + 2)
        run = n * spec.event_ms + (n + 1 - k) * short + k * long
        ok = (np.abs(run - spec.duration_ms) < spec.duration_tol * run) & (run < spec.duration_ms)
        if not ok.any():
            raise ValueError(f"no run of {n} events fits {spec.duration_ms} ms within tolerance {spec.duration_tol}")
        return k[ok]

    def events(self, n: int, rng: np.random.Generator) -> Run:
        """n events: the gaps shuffled, the run at a random start."""
        spec = self.spec
        options = self.long_gaps[n]
        k = options[rng.integers(len(options))]
        gaps = np.repeat(self.gap_ms, [n + 1 - k, k])
        rng.shuffle(gaps)
        length = n * spec.event_ms + gaps.sum()
        begin = rng.integers(0, int(spec.duration_ms - length) + 1)
        starts = begin + np.cumsum(gaps[:n]) + np.arange(n) * spec.event_ms
        to_samples = spec.fs / 1000
        return Run((starts * to_samples).astype(int), int(begin * to_samples), int((begin + length) * to_samples))

    def channel(self, run: Run | None, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Background noise, plus the run's events and low noise over the run (None: a silent channel)."""
        spec = self.spec
        x = (2 * spec.background_mag) * rng.standard_normal(spec.length).astype(np.float32) * self.envelope
        mask = np.zeros(spec.length, np.float32)
        if run is not None:
            index = (run.starts[:, None] + np.arange(self.event_len)).ravel()
            x[index] += np.tile(self.event, len(run.starts))
            mask[index] = 1.0
            x[run.begin:run.end] += spec.low_noise * rng.standard_normal(run.end - run.begin).astype(np.float32)
        return x, mask

    def row(self, seed: int, type_: int) -> Stimulus:
        """Row of a given type from its own seed."""
        rng = np.random.default_rng(seed)
        rates = self.spec.rates
        n_left = n_right = rates[rng.integers(len(rates))]
        if type_ == 5:                                   # any other rate
            n_right = rates[(rates.index(n_left) + rng.integers(1, len(rates))) % len(rates)]
        left = self.events(n_left, rng) if type_ != 2 else None
        if type_ == 3:
            right = left
        elif type_ == 1:
            right = None
        else:
            right = self.events(n_right, rng)
            while type_ == 4 and np.array_equal(right.starts, left.starts):
                right = self.events(n_right, rng)
        x_left, m_left = self.channel(left, rng)
        x_right, m_right = self.channel(right, rng)
        rate = np.array([n_left if left is not None else 0, n_right if right is not None else 0], np.float32)
        agg = float(rate[rate > 0].mean())
        return Stimulus(np.stack([x_left, x_right]), np.stack([m_left, m_right]), rate, agg, type_)
