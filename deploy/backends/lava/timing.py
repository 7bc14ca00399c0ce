"""netx's own ``Network`` built for a run, with the resets the sample windows need
(``ppf_neuro.deployment.windows``), and where a run's source connects to it."""

from __future__ import annotations

from ppf_neuro.deployment.windows import first_step
from ppf_neuro.formats.netx import NetxFile

#: Message bits of graded payloads sent into a first synapse (netx's own default for SDNN neurons).
GRADED_INPUT_BITS = 16


def build_netx(net: NetxFile, steps: int, graded_input: bool = False):
    """netx's ``Network`` for the file, with resets every ``steps`` aligned as the module docstring says
    (a sigma-delta network gets none: netx would ignore them, with a warning); ``graded_input``: graded
    payloads enter the first synapse (``ppf_neuro.deployment.inputs.stimulus.graded_into_synapse``)."""
    from ppf_neuro.lava_dl import load_netx_network

    shape = {} if net.declares_input else {"input_shape": tuple(net.input_shape[::-1])}  # netx's (W, H, C)
    if graded_input:
        shape["input_message_bits"] = GRADED_INPUT_BITS
    if net.sigma_delta:
        return load_netx_network(net.path, **shape)
    return load_netx_network(net.path, reset_interval=steps, reset_offset=first_step(net) - 1, **shape)


def input_port(network):
    """Where the source connects in a built netx ``Network``: its input port, or the input layer's
    neurons (lava-dl #298)."""
    from lava.lib.dl.netx.blocks.process import Input

    return network.layers[0].neuron.a_in if isinstance(network.layers[0], Input) else network.inp
