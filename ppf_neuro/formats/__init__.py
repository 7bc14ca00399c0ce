"""File formats, each in one place: read, written and checked here, imported by everything else.

* :mod:`~ppf_neuro.formats.loihi_units`: Loihi's integer units (weight exponent, decays, state);
* :mod:`~ppf_neuro.formats.netx`: lava-dl's netx HDF5 networks as typed records;
* :mod:`~ppf_neuro.formats.bundle`: the ppf-neuro bundle (netx SNN + quantum branch + fusion);
* :mod:`~ppf_neuro.formats.axes`: (C, H, W) against netx's (W, H, C);
* :mod:`~ppf_neuro.formats.nir_time`: what a NIR graph's time constants mean (its time step, and
  how each writer means them); the conversions to and from NIR are :mod:`ppf_neuro.conversion`.

Nothing here imports Lava, PennyLane or the training code: formats depend on h5py and numpy
(and, for NIR, the ``nir`` package) only.
"""
