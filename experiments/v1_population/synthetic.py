"""A synthetic V1 data set from a known ground-truth HSM (written in the published format by data.py).

Images are 1/f ("pink") noise patches, like natural images in their spectrum. A layer of
difference-of-Gaussians filters feeds a softplus hidden layer and softplus outputs (the HSM of
Antolik et al. 2016); responses are Poisson. Validation images are shown `repeats` times
(raw_validation_set.npy) and averaged (validation_set.npy). The ground truth is saved beside the
data (ground_truth.npz) with its own validation correlation, the noise ceiling a fitted model can
approach (ground_truth.json).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from neuro.experiments.v1_population.params import IMAGE_SIDE
from neuro.utils.execution.correlation import pearson_per_column


@dataclass
class SyntheticSpec:
    seed: int = 0
    neurons: int = 103
    images: int = 1800
    validation_images: int = 50
    repeats: int = 8
    dog_filters: int = 9
    hidden_fraction: float = 0.2
    mean_rate: float = 2.0        # mean response per image, like the published spike counts
    gain: float = 1.0             # how strongly the images drive the neurons (sets the noise ceiling)


def pink_noise_images(n: int, rng: np.random.Generator, side: int = IMAGE_SIDE) -> np.ndarray:
    """(n, side*side) images with a 1/f amplitude spectrum, mean 0.5, sd about 0.15 each."""
    freq = np.hypot(*np.meshgrid(np.fft.fftfreq(side), np.fft.fftfreq(side)))
    amplitude = 1.0 / np.maximum(freq, 1.0 / side)
    spectrum = np.fft.fft2(rng.standard_normal((n, side, side))) * amplitude
    images = np.real(np.fft.ifft2(spectrum))
    images = (images - images.mean(axis=(1, 2), keepdims=True)) / images.std(axis=(1, 2), keepdims=True)
    return (0.5 + 0.15 * images).reshape(n, side * side).astype(np.float32)


def dog_filters(count: int, rng: np.random.Generator, side: int = IMAGE_SIDE) -> np.ndarray:
    """(count, side*side) centre-surround filters at random places and sizes."""
    y, x = np.mgrid[0:side, 0:side].astype(np.float64)
    filters = []
    for _ in range(count):
        cx, cy = rng.uniform(side * 0.3, side * 0.7, 2)
        sigma1 = rng.uniform(1.0, 3.0)
        sigma2 = sigma1 + rng.uniform(1.0, 3.0)
        a1, a2 = rng.uniform(0.8, 1.2), rng.uniform(0.3, 0.8)
        r2 = (x - cx) ** 2 + (y - cy) ** 2
        g1 = np.exp(-r2 / (2 * sigma1 ** 2)) / (2 * np.pi * sigma1 ** 2)
        g2 = np.exp(-r2 / (2 * sigma2 ** 2)) / (2 * np.pi * sigma2 ** 2)
        filters.append((a1 * g1 - a2 * g2) * rng.choice([-1.0, 1.0]))
    return np.stack(filters).reshape(count, side * side)


@dataclass
class GroundTruth:
    filters: np.ndarray     # (dog, 961)
    w1: np.ndarray          # (dog, hidden)
    b1: np.ndarray
    w2: np.ndarray          # (hidden, neurons)
    b2: np.ndarray
    mean: float             # input normalisation (training statistics)
    std: float

    def rates(self, images: np.ndarray) -> np.ndarray:
        z = ((images - self.mean) / self.std) @ self.filters.T
        hidden = np.logaddexp(0, z @ self.w1 + self.b1)
        return np.logaddexp(0, hidden @ self.w2 + self.b2)


def make_ground_truth(spec: SyntheticSpec, train_images: np.ndarray, rng: np.random.Generator) -> GroundTruth:
    """Random DoG filters and weights, scaled so each neuron's drive varies by `gain` around a bias
    that puts its mean response near `spec.mean_rate`."""
    hidden = max(1, round(spec.hidden_fraction * spec.neurons))
    filters = dog_filters(spec.dog_filters, rng)
    mean, std = float(train_images.mean()), float(train_images.std())
    z = ((train_images - mean) / std) @ filters.T
    w1 = rng.standard_normal((spec.dog_filters, hidden)) / (z.std(axis=0)[:, None] * np.sqrt(spec.dog_filters))
    b1 = rng.normal(0.0, 0.5, hidden)
    h = np.logaddexp(0, z @ w1 + b1)
    w2 = rng.standard_normal((hidden, spec.neurons))
    drive = h @ w2
    w2 *= spec.gain / drive.std(axis=0)
    b2 = np.log(np.expm1(spec.mean_rate)) - (h @ w2).mean(axis=0)
    return GroundTruth(filters, w1, b1, w2, b2, mean, std)


@dataclass
class SyntheticSet:
    """A simulated region: images, Poisson responses, and the ground truth that made them."""

    train_x: np.ndarray
    train_y: np.ndarray
    val_x: np.ndarray
    raw_val: np.ndarray           # (repeats, n_val, n) single trials
    truth: GroundTruth
    summary: dict                 # the spec, and the ground truth's validation r (the noise ceiling)


def simulate(spec: SyntheticSpec) -> SyntheticSet:
    """Draw images and responses from a ground-truth HSM; the same spec draws the same set."""
    rng = np.random.default_rng(spec.seed)
    train_x = pink_noise_images(spec.images, rng)
    val_x = pink_noise_images(spec.validation_images, rng)
    truth = make_ground_truth(spec, train_x, rng)
    train_rate, val_rate = truth.rates(train_x), truth.rates(val_x)
    raw = rng.poisson(val_rate, size=(spec.repeats, *val_rate.shape)).astype(np.float32)
    train_y = rng.poisson(train_rate).astype(np.float32)
    summary = {**asdict(spec), "ground_truth_validation_r": float(pearson_per_column(val_rate, raw.mean(0), constant=0.0).mean()),
               "mean_response": float(train_y.mean())}
    return SyntheticSet(train_x, train_y, val_x, raw, truth, summary)
