"""The layout of a ppf-neuro HDF5 bundle, shared by the writer and the reader.

::

    /layer/0..L-1        the SNN in lava-dl netx layout: ``netx.hdf5.Network(path)``
                         loads the bundle file itself
    /ppf_neuro           attrs: format, format_version, config (JSON), versions (JSON),
                         dataset, image_shape, num_classes
    /ppf_neuro/snn_state/<name>   the SNN's PyTorch state_dict, one dataset per tensor

Bundles hold arrays and JSON text only: nothing in them is ever executed.
"""

FORMAT = "ppf-neuro-bundle"
#: Bumped on any change a reader of the previous version would misread.
FORMAT_VERSION = 1

META_GROUP = "ppf_neuro"
NETX_GROUP = "layer"
SNN_STATE_GROUP = f"{META_GROUP}/snn_state"
