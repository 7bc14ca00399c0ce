"""Conversions between network descriptions, the policy that file formats leave open.

* :mod:`~ppf_neuro.conversion.netx_to_nir`: a netx network as a NIR graph (a handler per layer kind);
* :mod:`~ppf_neuro.conversion.nir_to_netx`: a NIR chain as netx layers (a handler per node type:
  time constants to decays, scales, quantisation, what is refused and what may be approximated).

The formats they read and write are :mod:`ppf_neuro.formats` (netx, and ``nir_time`` for what a
NIR writer means by its time constants); like the formats, nothing here imports Lava, PennyLane,
torch or the training code.
"""
