"""Models of auditory neurons: a spectrogram (B, 1, F, T) in, firing rates (B, N, T) out.

Each model is a prefilter (none, or AdapTrans's ON/OFF channels), a core (linear STRF, NRF, DNet,
2D-CNN or StateNet) and an output nonlinearity. Every one is causal: the output at bin t sees inputs up
to t only, in training as in evaluation (`padding: symmetric` restores the original's look-ahead, to
reproduce published numbers). Normalisation layers use statistics of earlier batches only
(CausalNorm): plain BatchNorm in training normalises each bin with statistics that include later bins.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from neuro.experiments.auditory_strf.bands import decay_per_bin, initial_time_constants_ms

DNET_TAPS = 14                  # Rahman et al. 2019: K taps of each unit's exponential kernel
DNET_TAU0 = 2.0                 # initial time constant of those kernels, in bins
W_INIT = 0.75                   # AdapTrans's initial ON/OFF weight w


def time_padding(window: int, padding: str) -> tuple[int, int]:
    """(left, right) bins of zeros so that a `window`-bin filter keeps the length: causal puts all
    of them in the past; symmetric splits them, letting an output see (window - 1) // 2 future bins."""
    if padding == "causal":
        return window - 1, 0
    return (window - 1) // 2, window - 1 - (window - 1) // 2


def exponential_average(x: torch.Tensor, decay: torch.Tensor) -> torch.Tensor:
    """e[t] = decay * e[t-1] + (1 - decay) * x[t] along the last axis, e[-1] = 0, one decay per band
    (x: (B, F, T), decay: (F,)). The recursion is a convolution with (1 - a) a^m; done by FFT."""
    length = x.shape[-1]
    lags = torch.arange(length, dtype=x.dtype, device=x.device)
    kernel = (1 - decay)[:, None] * decay[:, None] ** lags                       # (F, T)
    size = 1 << (2 * length - 1).bit_length()
    product = torch.fft.rfft(x, n=size) * torch.fft.rfft(kernel, n=size)
    return torch.fft.irfft(product, n=size)[..., :length]


def previous(x: torch.Tensor) -> torch.Tensor:
    """x[t - 1] along the last axis, 0 at t = 0."""
    return F.pad(x, (1, 0))[..., :-1]


class AdapTrans(nn.Module):
    """ON/OFF adaptation per band (Rancon et al. 2024): ON[t] = x[t] - w EMA_on(x)[t-1] and
    OFF[t] = EMA_off(x)[t-1] - w x[t], with learnable decays a = 1 / (1 + d^2) (ON and OFF apart) and
    w = 1 / (1 + p^2). Time constants start at tau_f = 500 - 105 log10(CF_f) ms, read in milliseconds:
    a = exp(-bin_ms / tau)."""

    def __init__(self, bands: int, bin_ms: float):
        super().__init__()
        self.bin_ms = bin_ms
        decay = torch.from_numpy(decay_per_bin(initial_time_constants_ms(bands), bin_ms))
        d = torch.sqrt(1 / decay - 1).float()
        self.d_on = nn.Parameter(d.clone())
        self.d_off = nn.Parameter(d.clone())
        self.p = nn.Parameter(torch.full((bands,), math.sqrt(1 / W_INIT - 1)))

    def decays(self) -> tuple[torch.Tensor, torch.Tensor]:
        return 1 / (1 + self.d_on ** 2), 1 / (1 + self.d_off ** 2)

    def time_constants_ms(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The ON and OFF time constants now, per band, in ms."""
        return tuple(-self.bin_ms / torch.log(a.detach()) for a in self.decays())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, F, T) -> (B, 2, F, T): the ON and the OFF channel."""
        x = x[:, 0]
        a_on, a_off = self.decays()
        w = (1 / (1 + self.p ** 2))[:, None]
        on = x - w * previous(exponential_average(x, a_on))
        off = previous(exponential_average(x, a_off)) - w * x
        return torch.stack([on, off], dim=1)


class ParametricSigmoid(nn.Module):
    """y = a + b / (1 + exp(-(x - c) / d)) per neuron (Willmore et al. 2016): floor a, range b,
    inflection c, inverse gain d (its magnitude, at least 1e-3, so that it cannot divide by zero).
    Initially a ~ U(0, 1), b ~ U(.5, 1.5), c ~ U(-.5, .5), d ~ U(.5, 1.5), as the original; see
    AuditoryModel.start_at for the floor on data of another scale."""

    def __init__(self, neurons: int):
        super().__init__()
        def uniform(low: float, high: float) -> nn.Parameter:
            return nn.Parameter(low + (high - low) * torch.rand(neurons))
        self.a, self.b, self.c, self.d = uniform(0, 1), uniform(0.5, 1.5), uniform(-0.5, 0.5), uniform(0.5, 1.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b, c, d = (v[:, None] for v in (self.a, self.b, self.c, self.d))
        return a + b * torch.sigmoid((x - c) / d.abs().clamp_min(1e-3))

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        """The input giving output y per neuron (y pulled inside the reachable range)."""
        share = ((y - self.a) / self.b).clamp(0.02, 0.98)
        return self.c + self.d.abs().clamp_min(1e-3) * torch.logit(share)


class CausalNorm(nn.Module):
    """Batch normalisation that never looks ahead: training normalises with the running statistics of
    earlier batches and then updates them with this batch; evaluation uses them, as BatchNorm does."""

    def __init__(self, channels: int, momentum: float = 0.1):
        super().__init__()
        self.norm = nn.BatchNorm1d(channels, momentum=momentum)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(x.shape[0], x.shape[1], -1)
        norm = self.norm
        out = F.batch_norm(flat, norm.running_mean.clone(), norm.running_var.clone(), norm.weight, norm.bias,
                           training=False, eps=norm.eps)
        if self.training:
            with torch.no_grad():
                norm.running_mean.lerp_(flat.mean(dim=(0, 2)), norm.momentum)
                norm.running_var.lerp_(flat.var(dim=(0, 2)), norm.momentum)
        return out.reshape(x.shape)


class ExponentialDecay(nn.Module):
    """DNet's per-unit memory (Rahman et al. 2019): y[t] = (1/tau) sum_{m<K} (1 - 1/tau)^m x[t-m],
    tau = 1 + d^2 learnable per unit (x: (B, units, T))."""

    def __init__(self, units: int, taps: int = DNET_TAPS, tau0: float = DNET_TAU0):
        super().__init__()
        self.taps = taps
        self.d = nn.Parameter(torch.full((units,), math.sqrt(tau0 - 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tau = 1 + self.d ** 2
        lags = torch.arange(self.taps - 1, -1, -1, dtype=x.dtype, device=x.device)    # oldest tap first
        kernel = (1 / tau)[:, None] * (1 - 1 / tau)[:, None] ** lags
        return F.conv1d(F.pad(x, (self.taps - 1, 0)), kernel[:, None, :], groups=x.shape[1])


class LinearCore(nn.Module):
    """The STRF: one (F x T) filter per neuron over every input channel, plus a bias."""

    def __init__(self, channels: int, bands: int, neurons: int, window: int, padding: str):
        super().__init__()
        self.pad = time_padding(window, padding)
        self.conv = nn.Conv2d(channels, neurons, (bands, window))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, self.pad))[:, :, 0, :]

    @property
    def last_bias(self) -> nn.Parameter:
        return self.conv.bias


class NRFCore(nn.Module):
    """Harper et al. 2016: hidden units, each an (F x T) filter -> norm -> sigmoid, then a 1x1 layer to
    the neurons; with `decay`, DNet's exponential memory on the hidden and the output units."""

    def __init__(self, channels: int, bands: int, neurons: int, window: int, hidden: int, padding: str,
                 decay: bool = False):
        super().__init__()
        self.filters = LinearCore(channels, bands, hidden, window, padding)
        self.norm = CausalNorm(hidden)
        self.readout = nn.Conv1d(hidden, neurons, 1)
        self.hidden_decay = ExponentialDecay(hidden) if decay else nn.Identity()
        self.output_decay = ExponentialDecay(neurons) if decay else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.hidden_decay(torch.sigmoid(self.norm(self.filters(x))))
        return self.output_decay(self.readout(hidden))

    @property
    def last_bias(self) -> nn.Parameter:
        return self.readout.bias        # DNet's output memory averages with weights summing to ~1: it passes


class CNN2dCore(nn.Module):
    """Pennington & David 2023: 3 x [conv (3 freq x T time), norm, LeakyReLU 0.1] without frequency
    padding, then per time bin: flatten -> dense (LeakyReLU) -> neurons."""

    def __init__(self, channels: int, bands: int, neurons: int, window: int, width: int, hidden: int,
                 padding: str, layers: int = 3):
        super().__init__()
        if bands <= 2 * layers:
            raise ValueError(f"cnn2d needs more than {2 * layers} frequency bands, got {bands}")
        self.pad = time_padding(window, padding)
        self.convs = nn.ModuleList(nn.Conv2d(channels if i == 0 else width, width, (3, window)) for i in range(layers))
        self.norms = nn.ModuleList(CausalNorm(width) for _ in range(layers))
        self.dense = nn.Linear(width * (bands - 2 * layers), hidden)
        self.readout = nn.Linear(hidden, neurons)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv, norm in zip(self.convs, self.norms):
            x = F.leaky_relu(norm(conv(F.pad(x, self.pad))), 0.1)
        x = x.flatten(1, 2).transpose(1, 2)                       # (B, T, width * bands left)
        return self.readout(F.leaky_relu(self.dense(x), 0.1)).transpose(1, 2)

    @property
    def last_bias(self) -> nn.Parameter:
        return self.readout.bias


class StateNetCore(nn.Module):
    """Beyond the original's zoo: each time bin's spectrum encoded, a GRU over time, a linear readout."""

    def __init__(self, channels: int, bands: int, neurons: int, hidden: int):
        super().__init__()
        self.encode = nn.Linear(channels * bands, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.readout = nn.Linear(hidden, neurons)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        encoded = F.relu(self.encode(x.flatten(1, 2).transpose(1, 2)))      # (B, T, hidden)
        return self.readout(self.gru(encoded)[0]).transpose(1, 2)

    @property
    def last_bias(self) -> nn.Parameter:
        return self.readout.bias


class AuditoryModel(nn.Module):
    """prefilter -> core -> output nonlinearity."""

    def __init__(self, prefilter: nn.Module, core: nn.Module, output: nn.Module, window: int, padding: str):
        super().__init__()
        self.prefilter, self.core, self.output = prefilter, core, output
        self.window, self.padding = window, padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.core(self.prefilter(x)))

    def start_at(self, mean: torch.Tensor) -> None:
        """Set the core's last bias so that each neuron's output starts near its mean response: an
        output far above the data at the start drives sigmoid outputs into saturation, where they stop
        learning (the output nonlinearity keeps its own initial values)."""
        if isinstance(self.output, ParametricSigmoid):
            with torch.no_grad():            # its floor U(0, 1) assumes responses of order 1: scale it
                self.output.a.mul_(mean)
            wanted = self.output.inverse(mean)
        elif isinstance(self.output, nn.Sigmoid):
            wanted = torch.logit(mean.clamp(0.02, 0.98))
        else:
            wanted = mean
        with torch.no_grad():
            self.core.last_bias.copy_(wanted)

    def strfs(self) -> torch.Tensor | None:
        """Each neuron's effective (F x T) weights on the spectrogram, lag 0 (now) first, for the linear
        models (with AdapTrans: the linear map through the ON/OFF channels, within the window); None for
        the others. Read from the response of prefilter and core to an impulse in each band."""
        if not isinstance(self.core, LinearCore):
            return None
        bands = self.core.conv.kernel_size[0]
        length, onset = 3 * self.window, self.window
        impulses = torch.zeros(bands, 1, bands, length)
        impulses[torch.arange(bands), 0, torch.arange(bands), onset] = 1.0
        with torch.no_grad():
            linear = lambda x: self.core(self.prefilter(x))             # noqa: E731
            response = linear(impulses) - linear(torch.zeros(1, 1, bands, length))   # (F, N, length)
        return response[:, :, onset:onset + self.window].permute(1, 0, 2).contiguous()


OUTPUTS = {"linear": "none", "ln": "parametric", "nrf": "sigmoid", "dnet": "sigmoid", "cnn2d": "parametric",
           "statenet": "parametric"}


def build_model(model: str, prefilter: str, output: str, bands: int, neurons: int, bin_ms: float, window: int,
                hidden: int, channels: int, padding: str) -> AuditoryModel:
    """The model a run's parameters name (its weights drawn from torch's generator, which the runner
    seeds)."""
    front = AdapTrans(bands, bin_ms) if prefilter == "adaptrans" else nn.Identity()
    inputs = 2 if prefilter == "adaptrans" else 1
    if model in ("linear", "ln"):
        core = LinearCore(inputs, bands, neurons, window, padding)
        nn.init.zeros_(core.conv.weight)        # an STRF starts flat: what the data do not ask for stays zero
    elif model in ("nrf", "dnet"):
        core = NRFCore(inputs, bands, neurons, window, hidden, padding, decay=model == "dnet")
    elif model == "cnn2d":
        core = CNN2dCore(inputs, bands, neurons, window, channels, hidden, padding)
    else:
        core = StateNetCore(inputs, bands, neurons, hidden)
    kind = OUTPUTS[model] if output == "default" else output
    out = {"none": nn.Identity(), "sigmoid": nn.Sigmoid()}.get(kind) or ParametricSigmoid(neurons)
    return AuditoryModel(front, core, out, window, padding)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
