"""The layout of a ppf-neuro HDF5 bundle, shared by the writer and the reader.

::

    /layer/0..L-1     the SNN in lava-dl netx layout (models with a spiking branch):
                      ``netx.hdf5.Network(path)`` loads the bundle file itself
    /ppf_neuro        attrs: format, format_version, model, config (JSON), versions (JSON),
                      dataset, image_shape, num_classes, class_names (JSON),
                      fusion (JSON: ratio, rule; ppf only),
                      quantum_circuit (text drawing; models with a quantum branch)
    /ppf_neuro/state/<name>   the classifier's PyTorch state_dict, one dataset per tensor:
                      ``snn.*`` the spiking net, ``qnn.*`` reduction (e.g. PCA
                      components), circuit weights and head, ``ratio_logit``

Bundles hold arrays and JSON text only: nothing in them is ever executed.
"""

FORMAT = "ppf-neuro-bundle"
#: Bumped on any change a reader of the previous version would misread.
FORMAT_VERSION = 1

META_GROUP = "ppf_neuro"
NETX_GROUP = "layer"
STATE_GROUP = f"{META_GROUP}/state"
