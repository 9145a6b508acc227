"""Psychometric functions (Wichmann & Hill 2001): the proportion of "fast" responses against the
stimulus rate as a cumulative Gaussian with guess and lapse rates,

    P(fast | rate) = guess + (1 - guess - lapse) * Phi((rate - bias) / threshold),

fitted by maximum likelihood to binomial counts. `threshold` (the Gaussian's sd) is the
discrimination threshold, `bias` the point of subjective equality."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

BOUNDS = {"bias": (5.0, 22.0), "threshold": (0.05, 10.0), "guess": (0.0, 0.1), "lapse": (0.0, 0.1)}


@dataclass
class PsychometricFit:
    bias: float
    threshold: float
    guess: float
    lapse: float
    ok: bool
    reason: str           # why a fit failed ("" when ok)

    def as_dict(self) -> dict:
        return asdict(self)

    def curve(self, rates: np.ndarray) -> np.ndarray:
        return psychometric(np.asarray(rates, float), self.bias, self.threshold, self.guess, self.lapse)


def psychometric(rate: np.ndarray, bias: float, threshold: float, guess: float, lapse: float) -> np.ndarray:
    from scipy.special import ndtr
    return guess + (1 - guess - lapse) * ndtr((rate - bias) / threshold)


def proportions(rates: np.ndarray, fast: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct rate: the rate, the number of "fast" responses, the number of trials."""
    levels, index = np.unique(np.asarray(rates, float), return_inverse=True)
    return levels, np.bincount(index, weights=np.asarray(fast, float)), np.bincount(index).astype(float)


def fit_psychometric(levels: np.ndarray, n_fast: np.ndarray, n_total: np.ndarray) -> PsychometricFit:
    """Maximum-likelihood fit from several starting points. A fit is reported failed (ok False, with
    the reason) when there are too few levels, the optimiser fails, bias or threshold end on a bound,
    or the bias lies outside the tested rates (the data do not pin them down)."""
    from scipy.optimize import minimize

    levels, n_fast, n_total = (np.asarray(a, float) for a in (levels, n_fast, n_total))
    nan = PsychometricFit(np.nan, np.nan, np.nan, np.nan, False, "")
    if len(levels) < 3 or n_total.sum() == 0:
        nan.reason = f"{len(levels)} stimulus levels; need at least 3"
        return nan

    def negative_log_likelihood(theta: np.ndarray) -> float:
        p = np.clip(psychometric(levels, *theta), 1e-9, 1 - 1e-9)
        return -float((n_fast * np.log(p) + (n_total - n_fast) * np.log(1 - p)).sum())

    bounds = list(BOUNDS.values())
    best = None
    for bias in np.linspace(levels.min(), levels.max(), 4):
        for threshold in (0.5, 2.0):
            result = minimize(negative_log_likelihood, [bias, threshold, 0.02, 0.02], method="L-BFGS-B",
                              bounds=bounds)
            if best is None or result.fun < best.fun:
                best = result
    bias, threshold, guess, lapse = (float(v) for v in best.x)
    fit = PsychometricFit(bias, threshold, guess, lapse, True, "")
    on_bound = [name for name, value in (("bias", bias), ("threshold", threshold))
                if np.isclose(value, BOUNDS[name][0]) or np.isclose(value, BOUNDS[name][1])]
    if not best.success:
        fit.ok, fit.reason = False, f"optimiser: {best.message}"
    elif on_bound:
        fit.ok, fit.reason = False, f"{' and '.join(on_bound)} on the bound of their range: no discrimination"
    elif not levels.min() <= bias <= levels.max():
        fit.ok, fit.reason = False, f"bias {bias:.3g} outside the tested rates {levels.min():g}..{levels.max():g}"
    return fit
