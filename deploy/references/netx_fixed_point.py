r"""A reference SNN rebuilt from a netx file alone: netx's fixed-point arithmetic in PyTorch, no Lava.

This is what the file says the network computes, per sample window of T steps
(states start at zero; every layer sees step t of the sample after the layer
before it has, which is what staggered resets give on Lava):

* synaptic input ``a``: the exact integer sum of the file's weights over the
  spikes that arrive (dense: ``W s``; conv: PyTorch's cross-correlation with the
  file's kernel, stride, padding, dilation, groups); an input neuron layer takes
  what ``ppf_neuro.deployment.inputs.stimulus`` makes of the inputs (its transform applied, or the inputs as its bias);
* CUBA/LOIHI neuron in Loihi's 24-bit state arithmetic (Lava's ``LIF`` fixed-point
  model, Davies et al. 2018), with decays of 12 bits rounding towards zero:

  .. math::

     u &\leftarrow \mathrm{wrap}_{24}\big(\mathrm{rtz}(u\,(4096-\mathrm{iDecay})/4096) + 64\,a\big)\\
     v &\leftarrow \mathrm{clip}_{24}\big(\mathrm{rtz}(v\,(4096-\mathrm{vDecay})/4096) + u + 64\,\mathrm{bias}\big)\\
     s &= v > 64\,\mathrm{vThMant},\qquad v \leftarrow 0 \text{ where } s

Sigma-delta (``SDNN``) layers follow Lava's ``Delta``/``SigmaDelta``/``Sigma`` fixed-point
models instead (:func:`_sigma_delta`), over all samples as one stream. They are never reset, so
the Lava steps a layer runs before its first window count: there its biases already act (its
``ReLU(bias)`` is sent at Lava's first step and reaches the next layer one step later, ahead of
the inputs). The stream therefore starts with those steps (``ppf_neuro.deployment.windows.steps_before_window``:
layer i runs ``first + i - 1`` of them, idle before), and a window is what follows them.

Where Lava's processes compute something else (weights clipped or truncated to
fewer bits, an input layer whose port is not connected, an overflow), the
counts part and :mod:`ppf_neuro.deployment.diagnosis.divergence` says where.
"""

from __future__ import annotations

import numpy as np
import torch

from ppf_neuro.choices import InputMode, LavaReadout, Timing
from ppf_neuro.deployment.windows import steps_before_window, window_counts
from ppf_neuro.deployment.inputs.stimulus import stimulus
from ppf_neuro.formats.loihi_units import DECAY_BITS, DECAY_SCALE, STATE_MAX, WEIGHT_EXP
from ppf_neuro.formats.netx import DenseLayer, InputLayer, NetxFile, NetxLayer, ResonateNeuron


def _decay(x: torch.Tensor, decay: int) -> torch.Tensor:
    """x * (4096 - decay) / 4096, rounded towards zero (sign-magnitude shift, as Lava does)."""
    y = x * (DECAY_SCALE - decay)
    return torch.sign(y) * (torch.abs(y) >> DECAY_BITS)


def _exact_dtype(weight: np.ndarray, s: torch.Tensor) -> torch.dtype:
    """float32 where every partial sum is an integer below 2^24 (then exact), else float64."""
    peak = max(abs(int(s.max())), abs(int(s.min())), 1)
    bound = float(np.abs(weight).reshape(len(weight), -1).sum(1).max(initial=0)) * peak
    return torch.float32 if bound < 2 ** 24 else torch.float64


def _synaptic_input(layer: NetxLayer, s: torch.Tensor, weight: np.ndarray | None = None) -> torch.Tensor:
    """Integer input current (T, N, neurons) for input spikes ``s`` (N, *in_shape, T), every step at
    once: a feed-forward layer's input at step t depends only on the layer before at step t.
    ``weight`` replaces the layer's (a complex synapse's imaginary part)."""
    n, steps = s.shape[0], s.shape[-1]
    if isinstance(layer, InputLayer):  # the stimulus is already the input neurons' current
        return s.long().reshape(n, -1, steps).permute(2, 0, 1).contiguous()
    weight = layer.weight if weight is None else weight
    dtype = _exact_dtype(weight, s)
    w = torch.from_numpy(weight).to(dtype)
    if isinstance(layer, DenseLayer):
        x = s.reshape(n, -1, steps).permute(2, 0, 1).reshape(steps * n, -1).to(dtype)  # one contiguous matrix
        if layer.delay is None:
            a = (x @ w.T).reshape(steps, n, -1)
        else:  # the synapses of each delay d deliver d steps later (Lava's DelayDense)
            a = torch.zeros(steps, n, w.shape[0], dtype=dtype)
            for d in np.unique(layer.delay).tolist():
                part = (x @ torch.where(torch.from_numpy(layer.delay == d), w, 0).T).reshape(steps, n, -1)
                a[d:] += part[:steps - d]
    else:  # steps become batch entries of one convolution
        x = s.reshape(n, *layer.in_shape, steps).permute(4, 0, 1, 2, 3).reshape(steps * n, *layer.in_shape)
        a = torch.nn.functional.conv2d(x.to(dtype), w, stride=layer.stride, padding=layer.padding,
                                       dilation=layer.dilation, groups=layer.groups).reshape(steps, n, -1)
    return torch.round(a).long().contiguous()


def _neurons(layer: NetxLayer, a: torch.Tensor, trace: bool, bias: np.ndarray | None = None,
             period: int | None = None) -> tuple[torch.Tensor, dict | None]:
    """The CUBA dynamics of the module docstring over the window, for input ``a`` (T, N, neurons):
    spikes (N, neurons, T) int8, and with ``trace`` the current and voltage after each step's reset
    (N, neurons, T) int64. ``bias`` (N, neurons) replaces the layer's own per sample. A recurrent
    layer adds its own spikes of the step before through ``weight_rec``; with ``period`` the states
    reset every ``period`` steps (a stream of windows: what is in flight crosses the reset). Time-major
    inside, so that every step works on contiguous memory."""
    steps, n, neurons = a.shape
    u = torch.zeros(n, neurons, dtype=torch.long)
    v = torch.zeros(n, neurons, dtype=torch.long)
    rec = getattr(layer, "weight_rec", None)
    rec = None if rec is None else torch.from_numpy(rec).double()
    fired = torch.zeros(n, neurons, dtype=torch.bool)
    bias = layer.bias if bias is None else bias
    bias = 0 if bias is None else torch.from_numpy(np.asarray(bias, dtype=np.int64)) << WEIGHT_EXP
    threshold, du, dv = layer.neuron.threshold_state, layer.neuron.current_decay, layer.neuron.voltage_decay
    spikes = torch.zeros(steps, n, neurons, dtype=torch.int8)
    traces = {"u": torch.zeros_like(a), "v": torch.zeros_like(a)} if trace else None
    for t in range(steps):
        if period is not None and t % period == 0:
            u.zero_()
            v.zero_()
        a_t = a[t] if rec is None else a[t] + torch.round(fired.double() @ rec.T).long()
        u = _decay(u, du) + (a_t << WEIGHT_EXP)
        u = torch.where(u > STATE_MAX, u - 2 * STATE_MAX, u)
        u = torch.where(u <= -STATE_MAX, u + 2 * STATE_MAX, u)
        v = (_decay(v, dv) + u + bias).clamp_(-STATE_MAX + 1, STATE_MAX - 1)
        fired = v > threshold
        v.masked_fill_(fired, 0)
        spikes[t] = fired
        if traces is not None:
            traces["u"][t], traces["v"][t] = u, v
    as_nkt = (lambda x: x.permute(1, 2, 0).contiguous())  # noqa: E731
    return as_nkt(spikes), None if traces is None else {k: as_nkt(x) for k, x in traces.items()}


def rf_constants(neuron: ResonateNeuron) -> tuple[int, int, int]:
    """(sin decay, cos decay, threshold) as netx hands them to Lava's RF/RF_IZ: the file's decays turned
    into a period and a decay by lava-dl's ``rf.neuron_params``, back into decays by the process
    (``lava.proc.rf.process.RF``: (1 - alpha) sin(2 pi / period), x 2^12, truncated to int32), and
    the threshold x 2^6 (``state_exp`` 6). The float round trip can move a decay by one."""
    sin, cos = neuron.sin_decay / DECAY_SCALE, neuron.cos_decay / DECAY_SCALE
    with np.errstate(divide="ignore"):
        decay = 1 - np.sqrt(sin ** 2 + cos ** 2)
        period = 1 / (np.arctan2(sin, cos) / 2 / np.pi)
        angle = np.pi * 2 * 1 / period
    return (int(np.int32((1 - decay) * np.sin(angle) * (1 << DECAY_BITS))),
            int(np.int32((1 - decay) * np.cos(angle) * (1 << DECAY_BITS))), neuron.threshold << WEIGHT_EXP)


def _resonate(neuron: ResonateNeuron, a_real: torch.Tensor, a_imag: torch.Tensor) -> torch.Tensor:
    r"""Lava's fixed-point ``RF`` / ``RF_IZ`` dynamics for complex input (T, N, neurons) each, from rest,
    never reset: spikes (N, neurons, T) int8. With decays 12-bit, rounding towards zero, inputs x 2^6
    and states clipped to 24 bits:

    .. math::

       re' = cos\,re - sin\,im + 64\,a_{re},\qquad im' = sin\,re + cos\,im + 64\,a_{im}

    ``RF``: a spike where re' >= vth, im' >= 0 and im < 0. ``RF_IZ``: a spike where im' >= vth, which
    sets re to 0 and im to vth - 1."""
    steps, n, neurons = a_real.shape
    sin, cos, vth = rf_constants(neuron)
    scaled = (lambda x: torch.sign(x) * (torch.abs(x) >> DECAY_BITS))  # noqa: E731
    re = torch.zeros(n, neurons, dtype=torch.long)
    im = torch.zeros(n, neurons, dtype=torch.long)
    spikes = torch.zeros(steps, n, neurons, dtype=torch.int8)
    for t in range(steps):
        new_re = (scaled(cos * re) - scaled(sin * im) + (a_real[t] << WEIGHT_EXP)).clamp_(-STATE_MAX + 1, STATE_MAX - 1)
        new_im = (scaled(sin * re) + scaled(cos * im) + (a_imag[t] << WEIGHT_EXP)).clamp_(-STATE_MAX + 1, STATE_MAX - 1)
        if neuron.phase:
            fired = (new_re >= vth) & (new_im >= 0) & (im < 0)
            re, im = new_re, new_im
        else:
            fired = new_im >= vth
            re = torch.where(fired, 0, new_re)
            im = torch.where(fired, vth - 1, new_im)
        spikes[t] = fired
    return spikes.permute(1, 2, 0).contiguous()


def _sigma_delta(layer: NetxLayer, a: torch.Tensor, state: dict, idle: int = 0) -> torch.Tensor:
    r"""Lava's fixed-point sigma-delta dynamics (``lava.proc.sdn`` with netx's spike_exp = state_exp =
    6) for input ``a`` (T, N, neurons), continuing from ``state`` (updated): the payloads sent
    (N, neurons, T) int64. An input layer is a ``Delta`` (its input scaled by 2^12), a
    ``sigma_output`` layer a ``Sigma`` (sends its running sum), every other a ``SigmaDelta``
    (sum, ReLU of sum + bias, delta against the last activation plus the residue, sent where
    \|delta\| reaches the threshold, divided by 2^6 rounding down). No resets: netx ignores them."""
    steps, n, neurons = a.shape
    zeros = torch.zeros(n, neurons, dtype=torch.long)
    for key in ("sigma", "act", "residue"):
        state.setdefault(key, zeros.clone())
    shift = 2 * WEIGHT_EXP
    vth = layer.neuron.threshold << shift
    bias = 0 if layer.bias is None else torch.from_numpy(np.asarray(layer.bias, dtype=np.int64)) << shift
    sent = torch.zeros(steps, n, neurons, dtype=torch.long)
    sigma, act, residue = state["sigma"], state["act"], state["residue"]
    for t in range(idle, steps):
        if layer.neuron.sigma_output:
            sigma = sigma + a[t]
            sent[t] = sigma
            continue
        if isinstance(layer, InputLayer):
            x = a[t] << shift
        else:
            sigma = sigma + a[t]
            x = torch.clamp(sigma + bias, min=0)
        delta = x - act + residue
        fired = torch.where(delta.abs() >= vth, delta, 0)
        residue, act = delta - fired, x
        sent[t] = fired >> WEIGHT_EXP
    state.update(sigma=sigma, act=act, residue=residue)
    return sent.permute(1, 2, 0).contiguous()


def _stream_layer(net: NetxFile, i: int, a: torch.Tensor, state: dict, lead: int, n: int, steps: int):
    """A sigma-delta layer on the one stream of all samples (its ``lead`` steps before the first
    window included): (what the next layer receives, payloads (N, neurons, T) int32, steps with
    input (N, neurons), no traces)."""
    layer = net.layers[i]
    received = (a[lead:] != 0).reshape(n, steps, -1).sum(1).numpy()
    sent = _sigma_delta(layer, a, state, idle=max(0, lead - steps_before_window(net, i)))
    payloads = sent[:, :, lead:].reshape(-1, n, steps).permute(1, 0, 2).numpy().astype(np.int32)
    return sent.reshape(1, *layer.shape, lead + n * steps), payloads, received, None


def _carried_layer(layer, s: torch.Tensor, a: torch.Tensor, traced: bool, n: int, steps: int):
    """A CUBA (or resonate-and-fire) layer on one stream of all samples whose spikes cross the
    windows' resets (synaptic delays, recurrent weights): reset at each window's start, what is in
    flight crossing it; resonate-and-fire neurons never reset (netx gives them none)."""
    def per_sample(x: torch.Tensor) -> torch.Tensor:
        """One stream (1, neurons, N*T) as (N, neurons, T)."""
        return x[0].reshape(-1, n, steps).permute(1, 0, 2)

    received = (a != 0).reshape(n, steps, -1).sum(1).numpy()
    if isinstance(layer.neuron, ResonateNeuron):
        fired, traces = _resonate(layer.neuron, a, _synaptic_input(layer, s, layer.weight_imag)), None
    else:
        fired, traces = _neurons(layer, a, traced, period=steps)
    traces = None if traces is None else {k: per_sample(x) for k, x in traces.items()}
    return fired.reshape(1, *layer.shape, n * steps), per_sample(fired).numpy(), received, traces


def _windowed_layer(layer, a: torch.Tensor, traced: bool, bias):
    """A CUBA layer on each sample's own window, every sample from a fresh state (``bias``: the first
    layer's per-sample input bias, ``--input-as bias``)."""
    fired, traces = _neurons(layer, a, traced, bias)
    return fired.reshape(len(fired), *layer.shape, fired.shape[-1]), fired.numpy(), (a != 0).sum(0).numpy(), traces


class FixedPointSNN:
    """``net`` evaluated in integer arithmetic (module docstring); outputs in CHW order.

    Layer by layer over the whole window (each layer's synaptic input for all steps in one
    matrix product or convolution, then its neurons step by step), in chunks of samples. Counts
    cover the steps ``timing`` counts (``ppf_neuro.deployment.windows.counted_steps``), as on Lava.
    """

    def __init__(self, net: NetxFile, input_as: str = InputMode.SPIKES, timing: str = Timing.ALIGNED):
        self.net, self.input_as, self.timing = net, input_as, timing

    @torch.no_grad()
    def simulate(self, spikes: np.ndarray, trace: int | None = None, states: list[dict] | None = None
                 ) -> tuple[list[np.ndarray], list[np.ndarray], dict | None]:
        """Inputs (N, *input, T) entering as ``input_as`` (``ppf_neuro.deployment.inputs.stimulus``) -> per layer: spikes (N,
        neurons, T) int8 (graded payloads int32 for sigma-delta layers) and the steps (N, neurons) in
        which each neuron received nonzero synaptic input; with ``trace`` = a layer index, also that
        layer's current ``u`` and voltage ``v`` after the spike reset (as Lava holds them at the end of
        a step), (N, neurons, T) int64.

        A sigma-delta network runs the samples as one stream, continuing from ``states`` (one dict
        per layer, updated; fresh when None), as Lava runs it. So does a network whose spikes cross a
        window's reset (``NetxFile.carries``: synaptic delays, recurrent weights, resonate-and-fire neurons,
        which are never reset), every other layer reset at
        its windows' starts as netx's ``reset_interval`` does."""
        stim = stimulus(self.net, spikes, self.input_as)
        s = torch.from_numpy(np.ascontiguousarray(stim.frames))  # integers, converted per layer as needed
        n, steps = s.shape[0], s.shape[-1]
        stream, carry = self.net.sigma_delta, self.net.carries
        lead = 0
        if stream or carry:  # (N, *in, T) -> one sample of N*T steps, sample k's window after sample k-1's
            s = s.movedim(0, -2).reshape(*s.shape[1:-1], n * steps).unsqueeze(0)
        if stream:
            states = states if states is not None else [{} for _ in self.net.layers]
            lead = 0 if states[0] else steps_before_window(self.net, len(self.net.layers) - 1)
            s = torch.nn.functional.pad(s, (lead, 0))

        out, received, traces = [], [], None
        for i, layer in enumerate(self.net.layers):
            a = _synaptic_input(layer, s)
            if stream:
                s, fired, got, layer_traces = _stream_layer(self.net, i, a, states[i], lead, n, steps)
            elif carry:
                s, fired, got, layer_traces = _carried_layer(layer, s, a, trace == i, n, steps)
            else:
                s, fired, got, layer_traces = _windowed_layer(layer, a, trace == i, stim.bias if i == 0 else None)
            out.append(fired)
            received.append(got)
            traces = layer_traces if layer_traces is not None else traces
        return out, received, None if traces is None else {k: t.numpy() for k, t in traces.items()}

    def _chunks(self, spikes: np.ndarray, batch_size: int):
        """The samples in chunks of ``batch_size``; all at once where spikes cross windows
        (``NetxFile.carries``: the samples are one stream, which chunks would cut)."""
        size = max(1, len(spikes)) if self.net.carries else batch_size
        return (spikes[b:b + size] for b in range(0, len(spikes), size))

    def output_raster(self, spikes: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """The output layer's events at every step (N, outputs, T), in chunks of samples (only the
        output layer is kept). Not for sigma-delta networks, whose stream state :meth:`counts_and_states`
        carries from chunk to chunk."""
        return np.concatenate([self.run(chunk)[0][-1] for chunk in self._chunks(spikes, batch_size)])

    def run(self, spikes: np.ndarray, trace: int | None = None) -> tuple[list[np.ndarray], dict | None]:
        """Per layer spikes (or payloads) (N, neurons, T), and the traces of layer ``trace`` (see
        :meth:`simulate`)."""
        out, _, traces = self.simulate(spikes, trace)
        return out, traces

    def counts(self, spikes: np.ndarray, batch_size: int = 1024) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per-layer spike counts and synaptic-input step counts (N, neurons) each, in chunks of samples."""
        spikes_parts, input_parts, _ = self.counts_and_states(spikes, "counts", batch_size)
        return spikes_parts, input_parts

    def counts_and_states(self, spikes: np.ndarray, readout: str, batch_size: int = 1024
                          ) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray | None]:
        """:meth:`counts`, and what ``readout`` reads of the output layer at every step (N, neurons, T):
        its voltage (``voltage``), its payloads (``graded``), or nothing (``counts``)."""
        last = len(self.net.layers) - 1
        spikes_parts, input_parts, states = [], [], []
        stream = [{} for _ in self.net.layers]  # a sigma-delta network's state, carried from chunk to chunk
        for chunk in self._chunks(spikes, batch_size):
            out, received, traces = self.simulate(chunk, last if readout == LavaReadout.VOLTAGE else None, stream)
            spikes_parts.append([window_counts(o, self.net, i, self.timing) for i, o in enumerate(out)])
            input_parts.append([r.astype(np.int64) for r in received])
            graded = out[-1] if readout == LavaReadout.GRADED else None
            states.append(traces["v"] if readout == LavaReadout.VOLTAGE else graded)
        return ([np.concatenate(layer) for layer in zip(*spikes_parts)],
                [np.concatenate(layer) for layer in zip(*input_parts)],
                None if readout == LavaReadout.COUNTS else np.concatenate(states))


def fixed_point_stepper(net: NetxFile):
    """The rebuilt reference's step-by-step view of one sample (see ``ppf_neuro.deployment.diagnosis.divergence.Stepper``)."""
    model = FixedPointSNN(net)

    def step(spikes: np.ndarray, layer: int) -> tuple[list[np.ndarray], dict]:
        out, traces = model.run(spikes, trace=layer)
        return [o[0] for o in out], {k: v[0] for k, v in traces.items()}

    return step
