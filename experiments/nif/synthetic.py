"""Synthetic BRAINS-like data with a known ground truth (written in the BRAINS format by data.py).

Stimuli are letter-like 56x56 images of B, R, A, I, N, S drawn as strokes with varied position, size,
slant and stroke width (or given images, e.g. the genuine BRAINS stimuli). Voxels come from a known
NIF model: fixed random convolutions, and per voxel a rank-1 Gaussian spatial field (a known centre
and size), channel weights and a gain; Gaussian noise sets each voxel's signal-to-noise ratio, and
every voxel is z-scored as the published data are.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIDE = 56
LETTERS = "BRAINS"
# Each letter as strokes in a unit box (x right, y down): straight segments and arcs approximated by points.
_ARC = [(0.0, 0.0), (0.35, 0.0), (0.5, 0.1), (0.55, 0.25), (0.5, 0.4), (0.35, 0.5), (0.0, 0.5)]
STROKES = {
    "B": [[(0, 0), (0, 1)], _ARC, [(x, y + 0.5) for x, y in _ARC]],
    "R": [[(0, 0), (0, 1)], _ARC, [(0.2, 0.5), (0.6, 1.0)]],
    "A": [[(0, 1), (0.3, 0), (0.6, 1)], [(0.13, 0.6), (0.47, 0.6)]],
    "I": [[(0.3, 0), (0.3, 1)], [(0.1, 0), (0.5, 0)], [(0.1, 1), (0.5, 1)]],
    "N": [[(0, 1), (0, 0), (0.6, 1), (0.6, 0)]],
    "S": [[(0.6, 0.1), (0.4, 0), (0.15, 0.02), (0.02, 0.2), (0.15, 0.42), (0.45, 0.55), (0.6, 0.75),
           (0.5, 0.95), (0.25, 1), (0.0, 0.9)]],
}


@dataclass
class SyntheticSpec:
    seed: int = 0
    images: int = 360
    v1: int = 800
    v2: int = 1500
    channels: int = 6
    snr: float = 1.0                  # signal variance over noise variance, the median voxel's


def letter(char: str, rng: np.random.Generator) -> np.ndarray:
    """One handwritten-like letter, 56x56 in [0, 1]: random size, position, slant and stroke width."""
    size = rng.uniform(22, 40)
    slant = rng.uniform(-0.35, 0.35)
    left, top = rng.uniform(2, SIDE - 2 - 0.65 * size), rng.uniform(2, SIDE - 2 - size)
    width = rng.uniform(1.2, 3.0)
    y, x = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64)
    distance = np.full((SIDE, SIDE), np.inf)
    for stroke in STROKES[char]:
        points = [(left + size * (px + slant * (1 - py)) + rng.normal(0, 0.6), top + size * py + rng.normal(0, 0.6))
                  for px, py in stroke]
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            dx, dy = x1 - x0, y1 - y0
            t = np.clip(((x - x0) * dx + (y - y0) * dy) / max(dx * dx + dy * dy, 1e-9), 0, 1)
            distance = np.minimum(distance, np.hypot(x - x0 - t * dx, y - y0 - t * dy))
    return np.clip(1.5 - distance / width, 0, 1)


def letters(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`count` images, the six letters in turn, as uint8 0..255 (the published format), and their letters."""
    chars = np.array([LETTERS[i % len(LETTERS)] for i in range(count)])
    return np.stack([np.round(255 * letter(c, rng)).astype(np.uint8) for c in chars]), chars


@dataclass
class GroundTruth:
    conv1: np.ndarray         # (C, 1, 3, 3) and its bias (C,)
    bias1: np.ndarray
    conv2: np.ndarray         # (C, C, 3, 3) and (C,)
    bias2: np.ndarray
    centres: dict             # area -> (V, 2) field centres (row, column) in image pixels
    sizes: dict               # area -> (V,) field standard deviations in image pixels
    fields: dict              # area -> (V, S, S) spatial fields (rows = image rows), each summing to 1
    channels: dict            # area -> (C, V) channel weights
    signal: dict              # area -> (n, V) noiseless responses, z-scored like the data


def ground_truth_model(spec: SyntheticSpec, rng: np.random.Generator) -> GroundTruth:
    """Random convolutions and, per voxel, a Gaussian field at a random centre with a random size."""
    c = spec.channels
    conv1, conv2 = rng.normal(0, 1.0, (c, 1, 3, 3)), rng.normal(0, 0.6, (c, c, 3, 3))
    fields, centres, sizes, channels = {}, {}, {}, {}
    for area, count, side in (("V1", spec.v1, SIDE // 2), ("V2", spec.v2, SIDE // 4)):
        pixel = SIDE / side                                           # image pixels per feature-map position
        centres[area] = rng.uniform(0.15 * SIDE, 0.85 * SIDE, (count, 2))
        sizes[area] = rng.uniform(2.0, 6.0, count) * (1 if area == "V1" else 1.6)
        grid = (np.arange(side) + 0.5) * pixel
        fy = np.exp(-0.5 * ((grid[None, :] - centres[area][:, :1]) / sizes[area][:, None]) ** 2)
        fx = np.exp(-0.5 * ((grid[None, :] - centres[area][:, 1:]) / sizes[area][:, None]) ** 2)
        field = fy[:, :, None] * fx[:, None, :]
        fields[area] = field / field.sum(axis=(1, 2), keepdims=True)
        channels[area] = rng.normal(0, 1, (c, count))
    return GroundTruth(conv1, rng.normal(0, 0.5, c), conv2, rng.normal(0, 0.5, c), centres, sizes, fields,
                       channels, {})


def respond(truth: GroundTruth, images: np.ndarray) -> dict[str, np.ndarray]:
    """The true model's responses (n, V) per area to images (n, 56, 56) in [0, 1]."""
    import torch
    import torch.nn.functional as F

    x = torch.from_numpy(images[:, None].astype(np.float64))
    v1 = F.avg_pool2d(torch.sigmoid(F.conv2d(x, torch.from_numpy(truth.conv1), torch.from_numpy(truth.bias1),
                                             padding=1)), 2)
    v2 = F.avg_pool2d(torch.sigmoid(F.conv2d(v1, torch.from_numpy(truth.conv2), torch.from_numpy(truth.bias2),
                                             padding=1)), 2)
    out = {}
    for area, maps in (("V1", v1), ("V2", v2)):
        pooled = maps.flatten(2) @ torch.from_numpy(truth.fields[area]).flatten(1).T        # (n, C, V)
        out[area] = (pooled * torch.from_numpy(truth.channels[area])).sum(dim=1).numpy()
    return out


def simulate(spec: SyntheticSpec, images: np.ndarray | None = None) -> tuple[np.ndarray, dict, GroundTruth]:
    """(stimuli uint8, voxels per area z-scored, the ground truth); `images` (uint8) replaces the letters."""
    rng = np.random.default_rng(spec.seed)
    stimuli = images if images is not None else letters(spec.images, rng)[0]
    truth = ground_truth_model(spec, rng)
    signal = respond(truth, stimuli / 255.0)
    voxels = {}
    for area, values in signal.items():
        values = (values - values.mean(axis=0)) / values.std(axis=0)
        snr = spec.snr * rng.lognormal(0, 0.5, values.shape[1])
        noisy = values + rng.normal(0, 1, values.shape) / np.sqrt(snr)
        voxels[area] = ((noisy - noisy.mean(axis=0)) / noisy.std(axis=0)).astype(np.float32)
        truth.signal[area] = values.astype(np.float32)
    return stimuli, voxels, truth
