"""File formats, each in one place: read, written and checked here, imported by everything else.

* :mod:`~ppf_neuro.formats.loihi_units`: Loihi's integer units (weight exponent, decays, state);
* :mod:`~ppf_neuro.formats.netx`: lava-dl's netx HDF5 networks as typed records;
* :mod:`~ppf_neuro.formats.bundle`: the ppf-neuro bundle (netx SNN + quantum branch + fusion);
* :mod:`~ppf_neuro.formats.nir_export` / :mod:`~ppf_neuro.formats.nir_import`: NIR graphs, with
  :mod:`~ppf_neuro.formats.nir_time` for what their time constants mean.

Nothing here imports Lava, PennyLane or the training code: formats depend on h5py and numpy
(and, for NIR, the ``nir`` package) only.
"""
