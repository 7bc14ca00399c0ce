"""netx's own network recorded as lava-dl's tests record it: a RingBuffer source into the input
neurons, a RingBuffer sink on every layer and a ``Monitor`` on the last layer's voltage, every Lava
step from the first. The independent side of the Lava-time recording tests."""

import numpy as np

from ppf_neuro.deployment.inputs.stimulus import stimulus
from ppf_neuro.formats.netx import NetxFile


def chw_rows(series: np.ndarray, whc_shape: tuple[int, ...]) -> np.ndarray:
    """(steps, *WHC shape) -> (steps, neurons) in CHW order."""
    if len(whc_shape) == 3:
        series = series.transpose(0, 3, 2, 1)
    return series.reshape(len(series), -1)


def netx_recording(net: NetxFile, values: np.ndarray, mode: str, voltage: bool = False):
    """``values`` (N, C, H, W, T) as ``mode`` inputs through netx's ``Network`` for N*T + layers + 1
    steps (as a deployment runs them): per layer its output at every Lava step (steps, neurons) CHW,
    and with ``voltage`` the last layer's ``v`` as ``Monitor`` reads it (steps, neurons)."""
    from lava.lib.dl import netx
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc import io
    from lava.proc.monitor.process import Monitor

    n, steps = values.shape[0], values.shape[-1]
    frames = stimulus(net, values, mode).frames  # the input neurons' current
    resets = {} if net.sigma_delta else {"reset_interval": steps, "reset_offset": 0}
    network = netx.hdf5.Network(net_config=str(net.path), **resets)
    total = n * steps + len(network.layers) + 1
    whc = frames.transpose(0, 3, 2, 1, 4) if frames.ndim == 5 else frames
    stream = np.zeros((*whc.shape[1:-1], total), dtype=np.int64)
    stream[..., : n * steps] = np.moveaxis(whc, 0, -2).reshape(*whc.shape[1:-1], n * steps)
    io.source.RingBuffer(data=stream).s_out.connect(network.layers[0].neuron.a_in)
    sinks = []
    for layer in network.layers:
        sinks.append(io.sink.RingBuffer(shape=layer.out.shape, buffer=total))
        layer.out.connect(sinks[-1].a_in)
    monitor = None
    if voltage:
        monitor = Monitor()
        monitor.probe(target=network.layers[-1].neuron.v, num_steps=total)
    try:
        network.run(condition=RunSteps(num_steps=total), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        outputs = [chw_rows(np.moveaxis(s.data.get(), -1, 0), tuple(s.a_in.shape)) for s in sinks]
        v = None
        if monitor is not None:
            neuron = network.layers[-1].neuron
            v = chw_rows(monitor.get_data()[neuron.name]["v"], tuple(neuron.v.shape))
    finally:
        network.stop()
    return outputs, v
